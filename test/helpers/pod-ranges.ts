// A pod range (`orch up --cluster-cidr`) per e2e file that starts a cluster on the
// machine's one Docker engine. Docker refuses two bridge networks with overlapping
// subnets, and vitest runs these files at the same time: left to choose, two `orch up`
// starting in the same second could both take the same free range.
export const E2E_POD_RANGES = {
  cli: '10.231.0.0/16',
  cliSupervisor: '10.232.0.0/16',
  docsExamples: '10.233.0.0/16',
  cliPurge: '10.234.0.0/16',
  nodeTrust: '10.235.0.0/16',
  inClusterClients: '10.236.0.0/16',
  upHa: '10.237.0.0/16',
  operatorPod: '10.241.0.0/16',
} as const;
