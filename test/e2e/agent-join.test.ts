// TLS bootstrap of a real agent process: it starts with only a bootstrap token and an
// empty --cert-dir, gets its own certificate through a CSR (auto-approved and signed by
// the controller manager's csrapproving / csrsigning), registers its Node and runs a pod;
// with a short --cluster-signing-duration it rotates the certificate while the pod keeps
// running (same container), and a restart reuses the stored certificate even after the
// bootstrap token is gone.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapTokenSecret } from '../../api/bootstrap-token.js';
import type { CertificateSigningRequest, Lease, Node, Pod } from '../../api/types.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';
import type { Authorizer } from '../../apiserver/authorization/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { credentialPath, readCredential } from '../../foundation/cert-dir.js';
import { silentLogger } from '../../foundation/logger.js';
import { caPublicKeyHash } from '../../foundation/ca-discovery.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { podManifest, removeContainersWith, waitFor } from './agent-helpers.js';

const NODE = `e2e-join-${crypto.randomBytes(3).toString('hex')}`;
const TOKEN = `j${crypto.randomBytes(3).toString('hex').slice(0, 5)}.${crypto.randomBytes(8).toString('hex')}`;
// Until RBAC lands: admins may do anything, bootstrappers may create and read CSRs.
const testAuthorizer: Authorizer = {
  name: 'test',
  authorize: (u, r) => {
    if (u.groups.includes('system:masters')) return { allowed: true };
    if (u.groups.includes('system:bootstrappers') && r.resource.plural === 'certificatesigningrequests' && ['create', 'get', 'list', 'watch'].includes(r.verb) && !r.subresource)
      return { allowed: true };
    return { allowed: false, reason: 'test authorizer' };
  },
  authorizeNonResource: (u) => (u.groups.includes('system:masters') ? { allowed: true } : { allowed: false, reason: 'no' }),
};

let api: TestApiServer;
let admin: ApiClient;
let cm: ControllerManager;
let root: string;
let certDir: string;
let child: ChildProcess | undefined;
/** The agent's log (stdout and stderr). */
let output = '';

/** trust: how the agent knows the CA (a copied file, or the hash `orch token create` prints). */
function spawnAgent(trust: 'ca-file' | 'hash'): ChildProcess {
  const caFile = path.join(root, 'ca.crt');
  fs.writeFileSync(caFile, api.ca!);
  const args = [
    'agent/main.ts',
    '--server', api.url, ...(trust === 'hash' ? ['--discovery-token-ca-cert-hash', caPublicKeyHash(api.ca!)] : ['--ca-file', caFile]), '--bootstrap-token', TOKEN, '--cert-dir', certDir, '--node-name', NODE, '--node-ip', '127.0.0.1',
    '--root-dir', path.join(root, 'agent'), '--log-port', '0', '--log-address', '127.0.0.1', '--log-server-insecure-http',
    '--healthz-port', '0', '--heartbeat-interval', '1s', '--resync-interval', '2s', '--log-level', 'info', '--network-backend', 'none',
    '--pod-infra-container-image', TEST_PAUSE_IMAGE,
  ];
  const p = spawn(path.resolve('node_modules/.bin/vite-node'), args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const collect = (d: Buffer) => {
    output += d.toString();
    if (process.env.ORCH_TEST_LOG) process.stderr.write(d);
  };
  p.stdout!.on('data', collect);
  p.stderr!.on('data', collect);
  child = p;
  return p;
}

function killGroup(p: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-p.pid!, sig);
  } catch {
    /* already gone */
  }
}
const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));
const serial = () => new crypto.X509Certificate(readCredential(certDir)!.certPem).serialNumber;
const csrCount = async () => (await admin.resource<CertificateSigningRequest>('certificatesigningrequests').list()).items.length;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-join-'));
  certDir = path.join(root, 'pki');
  api = await startTestApiServer({ tls: true, clientCA: true, nodeNames: [], server: { authorizers: [nodeAuthorizer, testAuthorizer] } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  // 40 s certificates: the agent rotates after 70-90 % of that (about half a minute).
  cm = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['csrapproving', 'csrsigning'], csrSigning: { ca: { certPem: api.ca!, keyPem: api.caKey! }, durationMs: 40_000 } });
  await cm.start();
  const [id, secret] = TOKEN.split('.');
  await admin.secrets.create(bootstrapTokenSecret({ tokenId: id!, tokenSecret: secret!, usageAuthentication: true, usageSigning: false, extraGroups: [], expiration: new Date(Date.now() + 3600_000).toISOString() }) as never);
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    killGroup(child, 'SIGKILL');
    await exited(child);
  }
  removeContainersWith({ 'orch.io/node': NODE });
  await cm?.stop();
  admin?.close();
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('agent join with a bootstrap token', () => {
  let pod: Pod;
  it('joins with the CA pinned by hash: gets its certificate (stored 0600), registers its Node as itself, runs a pod', async () => {
    spawnAgent('hash');
    const node = await waitFor('node Ready', async () => {
      const n: Node | undefined = await admin.nodes.get(NODE).catch(() => undefined);
      return n?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    }, 60_000);
    expect(node.metadata.name).toBe(NODE);
    expect(fs.statSync(credentialPath(certDir)).mode & 0o777).toBe(0o600);
    expect(readCredential(certDir)!.commonName).toBe(`system:node:${NODE}`);
    // The CA it found in the handshake is kept beside the certificate.
    expect(caPublicKeyHash(fs.readFileSync(path.join(certDir, 'ca.crt'), 'utf8'))).toBe(caPublicKeyHash(api.ca!));
    const csrs = (await admin.resource<CertificateSigningRequest>('certificatesigningrequests').list()).items;
    expect(csrs.map((c) => c.spec.username)).toEqual([`system:bootstrap:${TOKEN.split('.')[0]}`]);
    await admin.pods.create(podManifest('joined', NODE));
    pod = await waitFor('pod Running', async () => {
      const p = await admin.pods.get('joined', 'default');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, 60_000);
  }, 120_000);

  it('rotates its certificate without touching the pod; the node keeps heartbeating with the new one', async () => {
    const before = serial();
    const oldNotAfter = readCredential(certDir)!.notAfterMs;
    await waitFor('certificate rotated', () => serial() !== before || undefined, 60_000, 1000);
    expect(output).toContain('node client certificate rotated');
    const csrs = (await admin.resource<CertificateSigningRequest>('certificatesigningrequests').list()).items;
    // The renewal was requested by the node itself, with its current certificate.
    expect(csrs.map((c) => c.spec.username)).toContain(`system:node:${NODE}`);
    const lease = async () => (await admin.leases.get(NODE, 'kube-node-lease')) as Lease;
    // Once the old certificate has expired, only the new one can renew the Lease.
    await waitFor('old certificate expired', () => Date.now() > oldNotAfter + 1000 || undefined, 30_000, 200);
    const renewed = (await lease()).spec.renewTime;
    await waitFor('lease renewed after the old certificate expired', async () => ((await lease()).spec.renewTime !== renewed ? true : undefined), 20_000);
    const now = await admin.pods.get('joined', 'default');
    expect(now.status!.containerStatuses![0]!.containerID).toBe(pod.status!.containerStatuses![0]!.containerID);
    expect(now.status!.containerStatuses![0]!.restartCount).toBe(0);
  }, 120_000);

  it('a restart reuses the stored certificate, even with the bootstrap token deleted', async () => {
    killGroup(child!, 'SIGKILL');
    await exited(child!);
    await admin.secrets.delete(`bootstrap-token-${TOKEN.split('.')[0]}`, 'kube-system');
    const csrsBefore = await csrCount();
    output = '';
    spawnAgent('ca-file');
    await waitFor('reused', () => output.includes('using the node client certificate in the cert dir') || undefined, 60_000, 200);
    // The agent works again: a new pod runs.
    await admin.pods.create(podManifest('after-restart', NODE));
    await waitFor('pod Running', async () => {
      const p = await admin.pods.get('after-restart', 'default');
      return p.status?.phase === 'Running' ? p : undefined;
    }, 60_000);
    expect(await csrCount()).toBe(csrsBefore);
  }, 120_000);
});
