// Entry point of the WebApp operator. Configuration as every client-node program finds
// it: $KUBECONFIG or ~/.kube/config from the host, the service account's token and CA
// inside a pod (loadFromDefault tries them in that order). Logs one JSON line per event
// on stderr (LOG_LEVEL=debug|info|warn|error, default info); stops on SIGTERM/SIGINT.

import * as k8s from '@kubernetes/client-node';
import { startOperator, type Log } from './operator.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const min = Math.max(0, LEVELS.indexOf((process.env.LOG_LEVEL ?? 'info') as (typeof LEVELS)[number]));
const log: Log = (level, msg, fields) => {
  if (LEVELS.indexOf(level) >= min) process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
};

const kc = new k8s.KubeConfig();
kc.loadFromDefault();
log('info', 'starting', { server: kc.getCurrentCluster()?.server });
const operator = startOperator(kc, { log });
void operator.ready.then(() => log('info', 'caches synced; reconciling'));

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, () => {
    log('info', 'stopping', { signal: sig });
    void operator.stop().then(() => process.exit(0));
  });
}
