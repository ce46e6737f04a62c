// The Service range of an `orch up` cluster (the apiserver's --service-cluster-ip-range).
// Every node's service proxy programs the host's kernel for its cluster's Service
// addresses, and clusters that share a host (two ORCH_HOMEs, the e2e tests, a compose
// demo beside them) share its network namespace: with one range for all, a pod of one
// cluster dialling 10.96.0.10 could land in the other cluster. So the range follows the
// pod range, which `orch up` already keeps distinct per cluster (pod-range.ts): pod range
// 10.X.0.0/16 → Services 10.(X−148).0.0/16 (10.244 → 10.96, Kubernetes' first /16; 10.254
// → 10.106). Other pod ranges get Kubernetes' default 10.96.0.0/12 unless --service-cidr
// says otherwise. Kept in $ORCH_HOME/service-cidr: a Service keeps its address for its
// life, so the range never changes under a cluster.

import fs from 'node:fs';
import { cidrsOverlap, parseCidr } from '../../api/net/cidr.js';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

/** The range that goes with a pod range (see the header). */
export function serviceCidrForPodRange(podCidr: string): string {
  const v4 = podCidr.split(',').map((c) => c.trim()).find((c) => !c.includes(':'));
  const m = v4 ? /^10\.(\d+)\.0\.0\/16$/.exec(v4) : null;
  const x = m ? Number(m[1]) : NaN;
  return x >= 160 && x <= 255 ? `10.${x - 148}.0.0/16` : DEFAULT_SERVICE_CIDR;
}

/** The cluster's Service range: the saved one, else `given`, else the one of its pod range; checked against the pod range. */
export function serviceCidrFor(file: string, given: string | undefined, podCidr: string): string {
  const saved = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
  if (saved && given && saved !== given) {
    throw new Error(`--service-cidr ${given}: this cluster's Service range is ${saved} (${file}); Services keep their addresses, so it cannot change. Start a new cluster (another ORCH_HOME) for another range`);
  }
  const cidr = saved ?? given ?? serviceCidrForPodRange(podCidr);
  const parsed = parseCidr(cidr);
  if (!parsed.ok) throw new Error(`--service-cidr: "${cidr}" ${parsed.reason}`);
  for (const pod of podCidr.split(',')) {
    const p = parseCidr(pod.trim());
    if (p.ok && p.cidr.family === parsed.cidr.family && cidrsOverlap(p.cidr, parsed.cidr)) {
      throw new Error(`--service-cidr ${cidr} overlaps the pod range ${pod.trim()}: choose another with --service-cidr`);
    }
  }
  if (!saved) fs.writeFileSync(file, `${cidr}\n`, { mode: 0o600 });
  return cidr;
}
