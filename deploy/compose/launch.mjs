// Entry point of the orch services in the compose demo:
//   node launch.mjs [--wait FILE]... [--agent-tls PKI_DIR] -- <orch arguments>
// --wait          block until FILE exists (the init service's .ready marker), so the
//                 order does not depend on `depends_on` conditions that compose v1 lacks.
// --agent-tls     issue this agent's log-endpoint certificate, signed by the cluster CA
//                 and naming the container's own IP (only known once the container runs),
//                 then add --node-ip/--log-server-cert/--log-server-key. The apiserver
//                 dials that IP and verifies the certificate with --agent-ca-file.
//                 (The agent container reads the CA key for this: acceptable in a one-host
//                 demo where the agent already holds the Docker socket, i.e. root on the host.)
// Then runs the orch CLI in this same process, so signals reach it directly.
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0) {
  process.stderr.write('usage: launch.mjs [--wait FILE]... [--agent-tls PKI_DIR] -- <orch arguments>\n');
  process.exit(2);
}
const own = argv.slice(0, sep);
const orchArgs = argv.slice(sep + 1);
const waits = [];
let agentTls;
for (let i = 0; i < own.length; i += 2) {
  if (own[i] === '--wait') waits.push(own[i + 1]);
  else if (own[i] === '--agent-tls') agentTls = own[i + 1];
  else {
    process.stderr.write(`launch.mjs: unknown option ${own[i]}\n`);
    process.exit(2);
  }
}

const waitSeconds = Number(process.env.ORCH_WAIT_SECONDS || 120);
for (const file of waits) {
  const deadline = Date.now() + waitSeconds * 1000;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) {
      process.stderr.write(`launch.mjs: ${file} did not appear within ${waitSeconds}s (did the init service fail?)\n`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

if (agentTls) {
  const { detectNodeIP } = await import('/app/dist/agent/node-status.js');
  const { generateServerCert, writeSecretFile } = await import('/app/dist/apiserver/pki.js');
  const ip = process.env.ORCH_NODE_IP || detectNodeIP();
  const ca = { certPem: fs.readFileSync(path.join(agentTls, 'ca.crt'), 'utf8'), keyPem: fs.readFileSync(path.join(agentTls, 'ca.key'), 'utf8') };
  const cert = generateServerCert(ca, { commonName: 'orch-agent', ipAddresses: [ip] });
  const out = '/run/orch-agent';
  writeSecretFile(path.join(out, 'agent.key'), cert.keyPem);
  fs.writeFileSync(path.join(out, 'agent.crt'), cert.certPem, { mode: 0o644 });
  orchArgs.push('--node-ip', ip, '--log-server-cert', path.join(out, 'agent.crt'), '--log-server-key', path.join(out, 'agent.key'));
}

// cli/main.js runs only when argv[1] names it: present ourselves as that entry point.
process.argv = [process.argv[0], '/app/dist/cli/main.js', ...orchArgs];
await import('/app/dist/cli/main.js');
