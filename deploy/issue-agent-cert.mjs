#!/usr/bin/env node
// Issue an agent's log-endpoint certificate from the cluster CA, for its NODE NAME (what the
// apiserver checks on every log request: CN system:node:NAME) and optionally the host's
// addresses. Run it where the CA key lives (the host where `orch init` ran):
//   node deploy/issue-agent-cert.mjs --pki-dir /etc/orch/pki --node vm3 [--ip 10.0.0.13] [--dns vm3.lan] --out-dir ./vm3
// Writes OUT/agent.crt (0644) and OUT/agent.key (0600); copy both to the agent host
// (deploy/install-agent.sh --log-cert/--log-key). The same as `orch init node-cert`.
import { parseArgs } from 'node:util';
import { issueNodeCert } from '../dist/cli/commands/init.js';

const { values } = parseArgs({
  options: {
    'pki-dir': { type: 'string' },
    node: { type: 'string' },
    ip: { type: 'string', multiple: true, default: [] },
    dns: { type: 'string', multiple: true, default: [] },
    'out-dir': { type: 'string' },
  },
});
const pki = values['pki-dir'];
const out = values['out-dir'];
if (!pki || !out || !values.node) {
  process.stderr.write('usage: issue-agent-cert.mjs --pki-dir DIR --node NAME [--ip ADDRESS ...] [--dns NAME ...] --out-dir DIR\n');
  process.exit(2);
}
try {
  const r = issueNodeCert({ dir: pki, nodeName: values.node, ips: values.ip, hostnames: values.dns, outDir: out });
  process.stdout.write(`${r.reason ? 'wrote' : 'kept'} ${r.cert} and agent.key for node ${values.node}${values.ip.length + values.dns.length ? ` (${[...values.ip, ...values.dns].join(', ')})` : ''}\n`);
} catch (err) {
  process.stderr.write(`issue-agent-cert: ${err.message}\n`);
  process.exit(1);
}
