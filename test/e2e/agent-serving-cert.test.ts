// The agent's serving certificate by CSR (signer kubernetes.io/kubelet-serving), end to end:
// a real agent process joins with a bootstrap token and no certificate file of any kind
// besides the CA; it asks for its serving certificate with its own client certificate,
// the controller manager (as system:kube-controller-manager, RBAC) approves it (the node's
// own names) and signs it, and the
// apiserver, which checks agents' certificates against the cluster CA and the Node's name,
// then serves `pods/log` and exec (kubectl) from it. With 40 s certificates the agent
// renews it while a followed log stream keeps flowing. A request naming a host the Node
// does not have stays pending, with an Event saying why.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenSecret } from '../../api/bootstrap-token.js';
import type { CertificateSigningRequest, Event, Node } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { subjectAccessReviewer } from '../../controller/csr-approving/access-review.js';
import { CONTROLLER_MANAGER_USER } from '../../apiserver/authorization/rbac/bootstrap-policy.js';
import { credentialPath, readCredential, SERVING_CREDENTIAL_FILE } from '../../foundation/cert-dir.js';
import { silentLogger } from '../../foundation/logger.js';
import { createNodeCsr, newPrivateKeyPem } from '../../foundation/pki-csr.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { podManifest, removeContainersWith, waitFor } from './agent-helpers.js';

const NODE = `e2e-serving-${crypto.randomBytes(3).toString('hex')}`;
const TOKEN = `s${crypto.randomBytes(3).toString('hex').slice(0, 5)}.${crypto.randomBytes(8).toString('hex')}`;
const SERVING_SIGNER = 'kubernetes.io/kubelet-serving';

let api: TestApiServer;
let admin: ApiClient;
let cm: ControllerManager;
let cmClient: ApiClient;
let root: string;
let certDir: string;
let cli: Clients;
let child: ChildProcess | undefined;
let output = '';

const csrs = () => admin.resource<CertificateSigningRequest>('certificatesigningrequests');
const servingCsrs = async () => (await csrs().list()).items.filter((c) => c.spec.signerName === SERVING_SIGNER && c.spec.username === `system:node:${NODE}`);

/** The certificate the agent's endpoint presents right now. */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerX509Certificate()!.serialNumber);
      s.destroy();
    });
    s.once('error', reject);
  });
}

const agentPort = async () => Number((await admin.nodes.get(NODE)).status!.daemonEndpoints!.kubeletEndpoint!.Port);

/** The pod's log through the apiserver (an ApiError when the apiserver refuses or cannot reach the agent). */
async function podLog(name: string): Promise<string> {
  let text = '';
  for await (const chunk of await admin.podLogs('default', name)) text += chunk.toString();
  return text;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-serving-'));
  certDir = path.join(root, 'pki');
  // The default Node,RBAC chain; the controller manager runs as its own identity and asks
  // SubjectAccessReviews as `orch controller-manager` does (its role must allow that).
  api = await startTestApiServer({ tls: true, clientCA: true, agentTls: true, nodeNames: [], users: [{ name: CONTROLLER_MANAGER_USER }] });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  cli = cliClients(api, root);
  cmClient = new ApiClient({ server: api.url, token: api.userTokens[CONTROLLER_MANAGER_USER], ca: api.ca });
  cm = new ControllerManager({
    client: cmClient,
    logger: silentLogger(),
    controllers: ['csrapproving', 'csrsigning'],
    csrSigning: { ca: { certPem: api.ca!, keyPem: api.caKey! }, durationMs: 40_000 },
    accessReviewer: subjectAccessReviewer((p, body) => cmClient.request('POST', p, { body }), silentLogger()),
  });
  await cm.start();
  const [id, secret] = TOKEN.split('.');
  await admin.secrets.create(bootstrapTokenSecret({ tokenId: id!, tokenSecret: secret!, usageAuthentication: true, usageSigning: false, extraGroups: [], expiration: new Date(Date.now() + 3600_000).toISOString() }) as never);
  const caFile = path.join(root, 'ca.crt');
  fs.writeFileSync(caFile, api.ca!);
  const args = [
    'agent/main.ts',
    '--server', api.url, '--ca-file', caFile, '--bootstrap-token', TOKEN, '--cert-dir', certDir, '--node-name', NODE, '--node-ip', '127.0.0.1',
    '--root-dir', path.join(root, 'agent'), '--log-port', '0', '--log-address', '127.0.0.1', '--log-server-client-ca-file', caFile,
    '--healthz-port', '0', '--heartbeat-interval', '1s', '--resync-interval', '2s', '--log-level', 'info', '--network-backend', 'none',
    '--pod-infra-container-image', TEST_PAUSE_IMAGE,
  ];
  child = spawn(path.resolve('node_modules/.bin/vite-node'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const collect = (d: Buffer) => {
    output += d.toString();
    if (process.env.ORCH_TEST_LOG) process.stderr.write(d);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await new Promise((r) => (child!.exitCode !== null ? r(null) : child!.once('exit', r)));
  }
  removeContainersWith({ 'orch.io/node': NODE });
  await cm?.stop();
  cmClient?.close();
  admin?.close();
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("the agent's serving certificate by CSR", () => {
  it('is requested by the node itself for its own names, auto-approved, signed, stored 0600 and served', async () => {
    const issued = await waitFor('serving certificate issued', async () => (await servingCsrs()).find((c) => c.status?.certificate), 60_000, 250);
    expect(issued.spec.usages).toEqual(['digital signature', 'key encipherment', 'server auth']);
    expect(issued.status!.conditions!.map((c) => [c.type, c.reason])).toContainEqual(['Approved', 'AutoApproved']);
    const cert = new crypto.X509Certificate(Buffer.from(issued.status!.certificate!, 'base64'));
    expect(cert.subject).toContain(`CN=system:node:${NODE}`);
    expect(cert.subjectAltName).toContain(`DNS:${NODE}`);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // server auth
    expect(cert.keyUsage).not.toContain('1.3.6.1.5.5.7.3.2'); // no client auth
    expect(cert.verify(new crypto.X509Certificate(api.ca!).publicKey)).toBe(true);
    await waitFor('stored', () => fs.existsSync(credentialPath(certDir, SERVING_CREDENTIAL_FILE)) || undefined, 10_000);
    expect(fs.statSync(credentialPath(certDir, SERVING_CREDENTIAL_FILE)).mode & 0o777).toBe(0o600);
    await waitFor('the endpoint presents it', async () => ((await presentedSerial(await agentPort())) === cert.serialNumber ? true : undefined), 10_000, 200);
  }, 90_000);

  it('`pods/log` and kubectl exec go through the apiserver to the agent', async () => {
    await admin.pods.create(podManifest('talker', NODE, { containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done'] }] }));
    await waitFor('pod Running', async () => ((await admin.pods.get('talker', 'default')).status?.phase === 'Running' ? true : undefined), 60_000, 250);
    const log = await waitFor('logs', async () => {
      const text = await podLog('talker');
      return text.includes('tick 0') ? text : undefined;
    }, 20_000, 250);
    expect(log).toMatch(/^tick 0\n/);
    const exec = await cli.kubectl(['exec', 'talker', '--', 'echo', 'through-the-agent']);
    expect(exec.stderr).toBe('');
    expect(exec.stdout).toBe('through-the-agent\n');
  }, 90_000);

  it('is renewed before expiry and swapped in while a followed log keeps flowing', async () => {
    const port = await agentPort();
    const first = await presentedSerial(port);
    const stream = await admin.podLogs('default', 'talker', { follow: true });
    let streamed = '';
    let ended = false;
    stream.on('data', (d: Buffer) => (streamed += d.toString()));
    stream.on('end', () => (ended = true));
    stream.on('error', () => (ended = true));
    const renewed = await waitFor('a new serving certificate presented', async () => {
      const s = await presentedSerial(port);
      return s !== first ? s : undefined;
    }, 60_000, 500);
    expect(readCredential(certDir, SERVING_CREDENTIAL_FILE)!.certPem).toBeTruthy();
    expect(new crypto.X509Certificate(readCredential(certDir, SERVING_CREDENTIAL_FILE)!.certPem).serialNumber).toBe(renewed);
    // The stream opened before the swap goes on: lines keep arriving after it.
    const lenAtSwap = streamed.length;
    await waitFor('the followed log goes on after the swap', () => (streamed.length > lenAtSwap + 10 ? true : undefined), 10_000, 200);
    expect(ended).toBe(false);
    (stream as unknown as { destroy(): void }).destroy();
    // And new requests verify the new certificate.
    expect(await podLog('talker')).toContain('tick 0');
    expect((await cli.kubectl(['exec', 'talker', '--', 'echo', 'again'])).stdout).toBe('again\n');
    expect(output).toContain('serving certificate issued and in use');
  }, 120_000);

  it('a request naming a host the Node does not have stays pending, with an Event saying why', async () => {
    // The node's own client credential (as a compromised agent would hold it).
    const cred = readCredential(certDir)!;
    const asNode = new ApiClient({ server: api.url, ca: api.ca, clientCert: cred.certPem, clientKey: cred.keyPem });
    try {
      const key = newPrivateKeyPem();
      const created = await asNode.resource<CertificateSigningRequest>('certificatesigningrequests').create({
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { generateName: 'foreign-san-' },
        spec: {
          request: Buffer.from(createNodeCsr(key, NODE, { dnsNames: [NODE, 'apiserver.example'], ipAddresses: ['127.0.0.1'] })).toString('base64'),
          signerName: SERVING_SIGNER,
          usages: ['digital signature', 'key encipherment', 'server auth'],
        },
      });
      const name = created.metadata.name!;
      const event = await waitFor('the Event', async () => {
        const events = (await admin.resource<Event>('events').list({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` })).items;
        return events.find((e) => e.reason === 'ServingCertificateNotApproved');
      }, 20_000, 250);
      expect(event.message).toContain("DNS:apiserver.example is neither the node's name nor one of its status.addresses");
      const now = await csrs().get(name);
      expect(now.status?.conditions ?? []).toEqual([]);
      expect(now.status?.certificate).toBeUndefined();
      // The Node really has those addresses and nothing more: the rule was checked against it.
      const node: Node = await admin.nodes.get(NODE);
      expect(node.status!.addresses!.map((a) => a.address)).not.toContain('apiserver.example');
    } finally {
      asNode.close();
    }
  }, 60_000);
});
