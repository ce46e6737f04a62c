// Where `orch up` keeps a local cluster's state: $ORCH_HOME (default ~/.orch).
//
//   etcd/            etcd data (reused across restarts)
//   pki/             ca.crt, ca.key, apiserver.crt/.key, apiserver-kubelet-client.crt/.key,
//                    agents/<node>/agent.crt/.key (one per agent), sa.key/sa.pub, tokens.csv, *.token
//   logs/            one log file per component, and supervisor.log
//   run/cluster.json what `orch up` started: ports, component commands, supervisor pid
//   run/supervisor.json  per component: pid, state, restarts, last exit (written by the supervisor)
//   config.json      the orch client configuration (server, CA, token per context)
//   kubeconfig       the same for kubectl
//   cluster-cidr     the pod range chosen at the first `orch up` (cli/up/pod-range.ts)
//   service-cidr     the Service range, chosen with it (cli/up/service-range.ts)

import os from 'node:os';
import path from 'node:path';

export function orchHome(): string {
  return process.env.ORCH_HOME && process.env.ORCH_HOME.trim() ? path.resolve(process.env.ORCH_HOME) : path.join(os.homedir(), '.orch');
}

export function homePaths(home = orchHome()) {
  const pki = path.join(home, 'pki');
  return {
    home,
    etcdData: path.join(home, 'etcd'),
    pki,
    caCert: path.join(pki, 'ca.crt'),
    caKey: path.join(pki, 'ca.key'),
    apiserverCert: path.join(pki, 'apiserver.crt'),
    apiserverKey: path.join(pki, 'apiserver.key'),
    agentClientCert: path.join(pki, 'apiserver-kubelet-client.crt'),
    agentClientKey: path.join(pki, 'apiserver-kubelet-client.key'),
    agentCert: (node: string) => path.join(pki, 'agents', node, 'agent.crt'),
    agentKey: (node: string) => path.join(pki, 'agents', node, 'agent.key'),
    tokens: path.join(pki, 'tokens.csv'),
    /** The service account token signing key pair (orch init). */
    saKey: path.join(pki, 'sa.key'),
    saPub: path.join(pki, 'sa.pub'),
    tokenFile: (user: string) => path.join(pki, `${user.replace(/[^a-zA-Z0-9_.-]/g, '_')}.token`),
    logs: path.join(home, 'logs'),
    logFile: (component: string) => path.join(home, 'logs', `${component}.log`),
    run: path.join(home, 'run'),
    clusterState: path.join(home, 'run', 'cluster.json'),
    supervisorStatus: path.join(home, 'run', 'supervisor.json'),
    config: path.join(home, 'config.json'),
    kubeconfig: path.join(home, 'kubeconfig'),
    /** The pod range chosen at the first `orch up` (cli/up/pod-range.ts). */
    clusterCidr: path.join(home, 'cluster-cidr'),
    serviceCidr: path.join(home, 'service-cidr'),
    agentRoot: (node: string) => path.join(home, 'agent', node),
  };
}

export type HomePaths = ReturnType<typeof homePaths>;
