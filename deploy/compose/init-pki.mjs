// One-shot `init` service of the compose demo: the CA, the apiserver's certificates, one
// serving certificate per agent and a token per identity, written into the shared `pki`
// volume before anything else starts. Idempotent (runInit and issueNodeCert keep what still
// fits), so `up` after `up` keeps the same CA and tokens.
//
// Layout of the volume (every component mounts it read-only, except this service):
//   ca.crt ca.key apiserver.crt apiserver.key sa.key sa.pub tokens.csv   (from `orch init`)
//   apiserver-kubelet-client.crt/.key   the apiserver's client certificate for the agents
//   encryption-config.yaml      the key that encrypts Secrets in etcd (generated once, kept;
//                               removing the volume makes the stored Secrets unreadable)
//   audit-policy.yaml           the apiserver's audit policy (docs/security/audit.md)
//   agents/<node>/agent.crt/.key        each agent's log-endpoint certificate, for its node name
//   tokens/<identity>.token     one bearer token per file, so none is ever on a command line
//   .ready                      written last: the other services wait for it
import fs from 'node:fs';
import path from 'node:path';
import { issueNodeCert, runInit, tokenFor, nodeUser, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '/app/dist/cli/commands/init.js';
import { writeSecretFile } from '/app/dist/foundation/secret-file.js';

const dir = process.env.ORCH_PKI_DIR || '/pki';
const list = (v) => (v || '').split(',').map((s) => s.trim()).filter(Boolean);
const nodes = list(process.env.ORCH_NODES);
if (nodes.length === 0) {
  process.stderr.write('init-pki: ORCH_NODES is empty (comma-separated node names)\n');
  process.exit(1);
}
// The apiserver is reached as "apiserver" inside the compose network and through the
// published port on 127.0.0.1 from the host; ORCH_API_HOSTNAMES/ORCH_API_IPS add more.
const result = runInit({
  dir,
  hostnames: ['apiserver', 'localhost', ...list(process.env.ORCH_API_HOSTNAMES)],
  ips: ['127.0.0.1', ...list(process.env.ORCH_API_IPS)],
  nodes,
  // kubernetes.default.svc and the kubernetes Service's ClusterIP, what pods dial; sa.key/sa.pub too.
  serviceClusterIpRange: process.env.ORCH_SERVICE_CIDR || undefined,
});
// The apiserver checks an agent's certificate against the node name, not the address it
// dials, so the certificates are issued here (the container IPs are not known yet) and
// the agent containers never need the CA key.
for (const n of nodes) issueNodeCert({ dir, nodeName: n });

const tokens = path.join(dir, 'tokens');
const identities = [
  ['admin', ADMIN_USER],
  ['scheduler', SCHEDULER_USER],
  ['controller-manager', CONTROLLER_MANAGER_USER],
  ...nodes.map((n) => [`node-${n}`, nodeUser(n)]),
];
for (const [file, user] of identities) {
  const token = tokenFor(result.files.tokens, user);
  if (!token) throw new Error(`no token for ${user} in ${result.files.tokens}`);
  writeSecretFile(path.join(tokens, `${file}.token`), token + '\n');
}
// The shared log token of earlier versions is an accepted credential of every agent: gone.
fs.rmSync(path.join(tokens, 'agent-log.token'), { force: true });

fs.writeFileSync(path.join(dir, '.ready'), new Date().toISOString() + '\n');
process.stdout.write(`init-pki: ${dir} ready (nodes: ${nodes.join(', ')}; tokens added: ${result.tokensAdded.join(', ') || 'none'})\n`);
