// One-shot `init` service of the compose demo: the CA, the apiserver's certificates, a
// token per control-plane identity and a fresh bootstrap token for the agents, written into
// the shared `pki` volume before anything else starts. Idempotent (runInit keeps what still
// fits), so `up` after `up` keeps the same CA and tokens. The agents hold no credential made
// here: they join with the bootstrap token (the bootstrap-token service creates it in the
// API) and get their client and serving certificates by CSR.
//
// Layout of the volume (every component mounts it read-only, except this service):
//   ca.crt ca.key apiserver.crt apiserver.key sa.key sa.pub tokens.csv   (from `orch init`)
//   apiserver-kubelet-client.crt/.key   the apiserver's client certificate for the agents
//   encryption-config.yaml      the key that encrypts Secrets in etcd (generated once, kept;
//                               removing the volume makes the stored Secrets unreadable)
//   audit-policy.yaml           the apiserver's audit policy (docs/security/audit.md)
//   tokens/<identity>.token     one bearer token per file, so none is ever on a command line
//   tokens/bootstrap.token      the agents' bootstrap token (new at every start of this service)
//   .ready                      written last: the other services wait for it
//   .bootstrap-token            written by the bootstrap-token service once the token is in
//                               the API: the agents wait for it
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { runInit, tokenFor, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '/app/dist/cli/commands/init.js';
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
  // kubernetes.default.svc and the kubernetes Service's ClusterIP, what pods dial; sa.key/sa.pub too.
  serviceClusterIpRange: process.env.ORCH_SERVICE_CIDR || undefined,
});
// Agents of earlier versions had a node token and a log-endpoint certificate from here:
// the files go (their lines in tokens.csv stay until the volume is removed).
for (const n of nodes) {
  fs.rmSync(path.join(dir, 'agents', n), { recursive: true, force: true });
  fs.rmSync(path.join(dir, 'tokens', `node-${n}.token`), { force: true });
}

const tokens = path.join(dir, 'tokens');
const identities = [
  ['admin', ADMIN_USER],
  ['scheduler', SCHEDULER_USER],
  ['controller-manager', CONTROLLER_MANAGER_USER],
];
for (const [file, user] of identities) {
  const token = tokenFor(result.files.tokens, user);
  if (!token) throw new Error(`no token for ${user} in ${result.files.tokens}`);
  writeSecretFile(path.join(tokens, `${file}.token`), token + '\n');
}
// The shared log token of earlier versions is an accepted credential of every agent: gone.
fs.rmSync(path.join(tokens, 'agent-log.token'), { force: true });

// A new bootstrap token every time: the bootstrap-token service puts it into the API (an
// older one expires there by itself); the agents wait for its marker.
fs.rmSync(path.join(dir, '.bootstrap-token'), { force: true });
const id = () => Array.from(crypto.randomBytes(16), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
writeSecretFile(path.join(tokens, 'bootstrap.token'), `${id().slice(0, 6)}.${id()}\n`);

fs.writeFileSync(path.join(dir, '.ready'), new Date().toISOString() + '\n');
process.stdout.write(`init-pki: ${dir} ready (nodes: ${nodes.join(', ')}; tokens added: ${result.tokensAdded.join(', ') || 'none'})\n`);
