// One-shot `init` service of the compose demo: the CA, the apiserver certificate and a
// token per identity, written into the shared `pki` volume before anything else starts.
// Idempotent (runInit reuses what exists), so `up` after `up` keeps the same CA and tokens.
//
// Layout of the volume (every component mounts it read-only, except this service):
//   ca.crt ca.key apiserver.crt apiserver.key tokens.csv   (from `orch init`)
//   tokens/<identity>.token     one bearer token per file, so none is ever on a command line
//   tokens/agent-log.token      shared secret the apiserver presents to the agents' log endpoint
//   .ready                      written last: the other services wait for it
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runInit, tokenFor, nodeUser, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '/app/dist/cli/commands/init.js';
import { writeSecretFile } from '/app/dist/apiserver/pki.js';

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
});

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
const agentLog = path.join(tokens, 'agent-log.token');
if (!fs.existsSync(agentLog)) writeSecretFile(agentLog, crypto.randomBytes(32).toString('hex') + '\n');

fs.writeFileSync(path.join(dir, '.ready'), new Date().toISOString() + '\n');
process.stdout.write(`init-pki: ${dir} ready (nodes: ${nodes.join(', ')}; tokens added: ${result.tokensAdded.join(', ') || 'none'})\n`);
