#!/usr/bin/env node
// Issue an agent's log-endpoint certificate, signed by the cluster CA, for a host's IP
// (and optionally DNS names). The apiserver dials the node's InternalIP and verifies this
// certificate with --agent-ca-file, so the IP must be the one the agent publishes
// (--node-ip). Run it where the CA key lives (the host where `orch init` ran):
//   node deploy/issue-agent-cert.mjs --pki-dir /etc/orch/pki --ip 10.0.0.13 [--dns vm3] --out-dir ./vm3
// Writes OUT/agent.crt (0644) and OUT/agent.key (0600); copy both to the agent host
// (deploy/install-agent.sh --log-cert/--log-key).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateServerCert, writeSecretFile } from '../dist/apiserver/pki.js';

const { values } = parseArgs({
  options: {
    'pki-dir': { type: 'string' },
    ip: { type: 'string', multiple: true, default: [] },
    dns: { type: 'string', multiple: true, default: [] },
    'out-dir': { type: 'string' },
  },
});
const pki = values['pki-dir'];
const out = values['out-dir'];
if (!pki || !out || values.ip.length === 0) {
  process.stderr.write('usage: issue-agent-cert.mjs --pki-dir DIR --ip ADDRESS [--ip ...] [--dns NAME ...] --out-dir DIR\n');
  process.exit(2);
}
const ca = { certPem: fs.readFileSync(path.join(pki, 'ca.crt'), 'utf8'), keyPem: fs.readFileSync(path.join(pki, 'ca.key'), 'utf8') };
const cert = generateServerCert(ca, { commonName: 'orch-agent', ipAddresses: values.ip, dnsNames: values.dns });
writeSecretFile(path.join(out, 'agent.key'), cert.keyPem);
fs.writeFileSync(path.join(out, 'agent.crt'), cert.certPem, { mode: 0o644 });
process.stdout.write(`wrote ${path.join(out, 'agent.crt')} and agent.key for ${[...values.ip, ...values.dns].join(', ')}\n`);
