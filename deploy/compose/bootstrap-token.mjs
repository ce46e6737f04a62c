// One-shot `bootstrap-token` service of the compose demo: once the apiserver answers, it
// creates the bootstrap token the init service generated (/pki/tokens/bootstrap.token) as
// its kube-system Secret (as `orch token create TOKEN` does), then writes the marker
// /pki/.bootstrap-token the agents wait for. The agents join with that token: each asks
// for its own client and serving certificates by CSR, which the controller manager approves
// and signs (docs/security/node-join.md), so no node token or agent certificate is made in
// advance. The token lives one day; an agent that joined needs it no more (its certificates
// are kept in its own volume). Already there (a restart of this service): fine.
import fs from 'node:fs';
import path from 'node:path';
import { bootstrapTokenSecret } from '/app/dist/api/bootstrap-token.js';
import { ApiClient } from '/app/dist/client/rest-client.js';

const dir = process.env.ORCH_PKI_DIR || '/pki';
const server = process.env.ORCH_SERVER || 'https://apiserver:6443';
const ready = path.join(dir, '.ready');
const deadline = Date.now() + Number(process.env.ORCH_WAIT_SECONDS || 120) * 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

while (!fs.existsSync(ready)) {
  if (Date.now() > deadline) throw new Error(`${ready} did not appear (did the init service fail?)`);
  await sleep(200);
}
const token = fs.readFileSync(path.join(dir, 'tokens', 'bootstrap.token'), 'utf8').trim();
const [tokenId, tokenSecret] = token.split('.');
const client = new ApiClient({ server, ca: fs.readFileSync(path.join(dir, 'ca.crt')), token: fs.readFileSync(path.join(dir, 'tokens', 'admin.token'), 'utf8').trim() });
const secret = bootstrapTokenSecret({
  tokenId,
  tokenSecret,
  usageAuthentication: true,
  usageSigning: false,
  extraGroups: [],
  description: 'the compose demo agents join with it',
  expiration: new Date(Date.now() + 24 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
});
for (;;) {
  try {
    await client.secrets.create(secret);
    break;
  } catch (err) {
    const code = err?.status?.code;
    if (code === 409) break;
    if (Date.now() > deadline) throw err;
    // The apiserver is starting (or its namespaces are not there yet): again shortly.
    await sleep(1000);
  }
}
client.close();
fs.writeFileSync(path.join(dir, '.bootstrap-token'), new Date().toISOString() + '\n');
process.stdout.write(`bootstrap-token: token ${tokenId} created; the agents join with it\n`);
