// Node credentials through the API, end to end on a real apiserver (HTTPS, client CA,
// bootstrap tokens) and a real controller manager (csrapproving, csrsigning,
// tokencleaner): a bootstrapper's CSR is stamped with its identity, auto-approved and
// signed, and the certificate authenticates as the node; the node renews with its own
// certificate; other requests wait for `kubectl certificate approve|deny`; an expired
// bootstrap token's Secret is deleted.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootstrapTokenSecret } from '../../api/bootstrap-token.js';
import type { CertificateSigningRequest } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { silentLogger } from '../../foundation/logger.js';
import { createNodeCsr, newPrivateKeyPem } from '../../foundation/pki-csr.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import forge from 'node-forge';
import { caPublicKeyHash } from '../../foundation/ca-discovery.js';


let api: TestApiServer;
let cm: ControllerManager;
let admin: ApiClient;
let cli: Clients;
let dir: string;

const client = (creds: { token?: string; cert?: string; key?: string }) =>
  new ApiClient({ server: api.url, ca: api.ca, token: creds.token, clientCert: creds.cert, clientKey: creds.key });

function csrObject(name: string, pem: string, more: Partial<CertificateSigningRequest['spec']> = {}): CertificateSigningRequest {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: { request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], ...more },
  };
}

function clientCsr(keyPem: string, cn: string, o?: string): string {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([...(o ? [{ name: 'organizationName', value: o }] : []), { name: 'commonName', value: cn }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

const csrs = (c: ApiClient) => c.resource<CertificateSigningRequest>('certificatesigningrequests');
const issued = (name: string) =>
  eventually(`certificate of ${name}`, async () => {
    const c = await csrs(admin).get(name);
    return c.status?.certificate ? Buffer.from(c.status.certificate, 'base64').toString('utf8') : undefined;
  }, 30_000);

beforeAll(async () => {
  api = await startTestApiServer({ tls: true, clientCA: true, users: [{ name: 'approver' }] });
  admin = client({ token: api.token });
  cm = new ControllerManager({
    client: admin,
    logger: silentLogger(),
    controllers: ['csrapproving', 'csrsigning', 'tokencleaner'],
    csrSigning: { ca: { certPem: api.ca!, keyPem: api.caKey! }, durationMs: 3600_000 },
  });
  await cm.start();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-csr-'));
  cli = cliClients(api, dir);
  await admin.secrets.create(
    bootstrapTokenSecret({ tokenId: 'boot01', tokenSecret: '0123456789abcdef', usageAuthentication: true, usageSigning: false, extraGroups: [], expiration: new Date(Date.now() + 3600_000).toISOString() }) as never,
  );
});
afterAll(async () => {
  await cm?.stop();
  admin?.close();
  await api?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('node client certificates', () => {
  let nodeKey: string;
  let nodeCert: string;

  test('a bootstrapper CSR is stamped with the requester, auto-approved, signed, and authenticates as the node', async () => {
    const boot = client({ token: 'boot01.0123456789abcdef' });
    nodeKey = newPrivateKeyPem();
    const body = csrObject('node-a-1', createNodeCsr(nodeKey, 'node-a'), { username: 'system:admin', groups: ['system:masters'] } as never);
    const created = await eventually('bootstrap token known', () => csrs(boot).create(body).catch(() => undefined));
    expect(created.spec.username).toBe('system:bootstrap:boot01');
    expect(created.spec.groups).toEqual(['system:bootstrappers', 'system:authenticated']);
    nodeCert = await issued('node-a-1');
    const approved = await csrs(admin).get('node-a-1');
    expect(approved.status?.conditions?.find((c) => c.type === 'Approved')).toMatchObject({ status: 'True', reason: 'AutoApproved' });
    expect(new (await import('node:crypto')).X509Certificate(nodeCert).subject).toContain('CN=system:node:node-a');
    // The certificate is the node's credential: node rules apply to it.
    const asNode = client({ cert: nodeCert, key: nodeKey });
    const err = await asNode.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'default' } } as never).catch((e) => e);
    expect(err.status?.code).toBe(403);
    expect(err.status?.message).toContain('User "system:node:node-a"');
    boot.close();
    asNode.close();
  });

  test('the node renews with its own certificate (selfnodeclient), and may not ask for another node', async () => {
    const asNode = client({ cert: nodeCert, key: nodeKey });
    const key2 = newPrivateKeyPem();
    const renewal = await csrs(asNode).create(csrObject('node-a-2', createNodeCsr(key2, 'node-a')));
    expect(renewal.spec.username).toBe('system:node:node-a');
    const cert2 = await issued('node-a-2');
    expect(cert2).not.toBe(nodeCert);
    // A node asking for another node's certificate is neither selfnodeclient nor a bootstrapper.
    await csrs(asNode).create(csrObject('node-b-by-a', createNodeCsr(newPrivateKeyPem(), 'node-b')));
    // Same informer, same queue: once a later request is signed, this one was looked at and left alone.
    const boot = client({ token: 'boot01.0123456789abcdef' });
    await csrs(boot).create(csrObject('node-c-1', createNodeCsr(newPrivateKeyPem(), 'node-c')));
    await issued('node-c-1');
    const other = await csrs(admin).get('node-b-by-a');
    expect(other.status?.conditions ?? []).toEqual([]);
    expect((await cli.kubectl(['get', 'csr', 'node-b-by-a'])).stdout).toMatch(/node-b-by-a\s+\S+\s+kubernetes.io\/kube-apiserver-client-kubelet\s+system:node:node-a\s+<none>\s+Pending/);
    asNode.close();
    boot.close();
  });

  test('kubectl get csr prints kubectl\'s columns; kubectl certificate approve and deny work', async () => {
    const key = newPrivateKeyPem();
    await csrs(admin).create(csrObject('alice', clientCsr(key, 'alice', 'devs'), { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], expirationSeconds: 86400 }));
    await csrs(admin).create(csrObject('mallory', clientCsr(newPrivateKeyPem(), 'mallory'), { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }));
    const table = await cli.kubectl(['get', 'csr']);
    expect(table.stderr).toBe('');
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION$/);
    expect(table.stdout).toMatch(/alice\s+\S+\s+kubernetes.io\/kube-apiserver-client\s+admin\s+24h\s+Pending/);
    expect(table.stdout).toMatch(/node-a-1\s+\S+\s+kubernetes.io\/kube-apiserver-client-kubelet\s+system:bootstrap:boot01\s+<none>\s+Approved,Issued/);

    const approve = await cli.kubectl(['certificate', 'approve', 'alice']);
    expect(approve.stderr).toBe('');
    expect(approve.stdout).toContain('approved');
    const cert = await issued('alice');
    const asAlice = client({ cert, key });
    const err = await asAlice.pods.list({ namespace: 'default' }).catch((e) => e);
    expect(err.status?.message).toContain('User "alice"');
    asAlice.close();

    const deny = await cli.kubectl(['certificate', 'deny', 'mallory']);
    expect(deny.stderr).toBe('');
    expect((await cli.kubectl(['get', 'csr', 'mallory'])).stdout).toMatch(/mallory.*Denied/);
    // Approved and Denied exclude each other.
    const again = await cli.kubectl(['certificate', 'approve', 'mallory']);
    expect(again.code).not.toBe(0);
  });

  test('a manually approved kubelet request that is no node client certificate is Failed, not signed', async () => {
    await csrs(admin).create(csrObject('fake-node', clientCsr(newPrivateKeyPem(), 'system:node:x', 'system:masters')));
    expect((await cli.kubectl(['certificate', 'approve', 'fake-node'])).code).toBe(0);
    const failed = await eventually('Failed condition', async () => {
      const c = await csrs(admin).get('fake-node');
      return c.status?.conditions?.find((x) => x.type === 'Failed');
    });
    expect(failed.message).toContain('system:nodes');
    expect((await csrs(admin).get('fake-node')).status?.certificate).toBeUndefined();
  });

  test('approving needs `approve` on the CSR\'s signer, not only update on certificatesigningrequests/approval', async () => {
    const rbac = (plural: string) => admin.resource<never>(plural);
    await rbac('clusterroles').create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'csr-approver' }, rules: [{ verbs: ['get', 'list', 'update', 'patch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests', 'certificatesigningrequests/approval'] }] } as never);
    await rbac('clusterrolebindings').create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'csr-approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'csr-approver' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'approver' }] } as never);
    await csrs(admin).create(csrObject('signer-check', clientCsr(newPrivateKeyPem(), 'bob'), { signerName: 'example.com/team', usages: ['client auth'] }));
    const asApprover = client({ token: api.userTokens.approver });
    const approve = async () => {
      const cur = await csrs(asApprover).get('signer-check');
      return csrs(asApprover).updateSubresource({ ...cur, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] } } as never, 'approval');
    };
    const refused = await eventually('the approver role to apply', async () => {
      const e = await approve().catch((x) => x);
      return e?.status?.code === 403 ? e : undefined;
    });
    expect(refused.status.message).toContain('user not permitted to approve requests with signerName "example.com/team"');
    expect((await csrs(admin).get('signer-check')).status?.conditions ?? []).toEqual([]);

    await rbac('clusterroles').create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'example-signer-approver' }, rules: [{ verbs: ['approve'], apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: ['example.com/*'] }] } as never);
    await rbac('clusterrolebindings').create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'example-signer-approver' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'example-signer-approver' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'approver' }] } as never);
    const done = await eventually('approval with approve on example.com/*', async () => (await approve().catch(() => undefined)) ?? undefined);
    expect((done as { status?: { conditions?: { type: string }[] } }).status?.conditions?.map((c) => c.type)).toEqual(['Approved']);
    asApprover.close();
  });

  test('a bad request is a 422 naming the field; spec is immutable on update', async () => {
    const err = await csrs(admin).create(csrObject('bad', 'not a csr', { usages: ['client auth', 'flying'] as never })).catch((e) => e);
    expect(err.status?.code).toBe(422);
    const fields = (err.status?.details?.causes ?? []).map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.request', 'spec.usages[1]']));
    const cur = await csrs(admin).get('alice');
    const upd = await csrs(admin).update({ ...cur, spec: { ...cur.spec, signerName: 'example.com/other' } });
    expect(upd.spec.signerName).toBe('kubernetes.io/kube-apiserver-client');
  });
});

describe('orch token', () => {
  test('create prints the token and the join command; the token authenticates; list shows it; delete removes it', async () => {
    const created = await cli.orch(['token', 'create', '--ttl', '2h', '--description', 'rack 4']);
    expect(created.stderr).toBe('');
    const token = created.stdout.split('\n')[0]!;
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    // The CLI trusts the cluster CA: the join command pins it by hash instead of a copied file.
    expect(created.stdout).toContain(`orch agent --server ${api.url} --discovery-token-ca-cert-hash ${caPublicKeyHash(api.ca!)} --bootstrap-token ${token} --cert-dir /var/lib/orch/pki`);
    const boot = client({ token });
    const mine = await eventually('token authenticates', () => csrs(boot).create(csrObject('via-cli-token', createNodeCsr(newPrivateKeyPem(), 'node-t'))).catch(() => undefined));
    expect(mine.spec.username).toBe(`system:bootstrap:${token.slice(0, 6)}`);
    boot.close();
    const list = await cli.orch(['token', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
    expect(list.stdout).toMatch(new RegExp(`${token.replace('.', '\\.')}\\s+11[89]m\\s+\\S+\\s+authentication,signing\\s+rack 4\\s+<none>`));
    const del = await cli.orch(['token', 'delete', token.slice(0, 6)]);
    expect(del.stdout).toContain('deleted');
    expect((await cli.orch(['token', 'list'])).stdout).not.toContain(token);
    const bad = await cli.orch(['token', 'create', 'NOPE.x']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid token');
  });
});

describe('tokencleaner', () => {
  test('deletes an expired bootstrap token Secret and keeps a valid one', async () => {
    const mk = (id: string, expiration: string) =>
      admin.secrets.create(bootstrapTokenSecret({ tokenId: id, tokenSecret: 'aaaaaaaaaaaaaaaa', usageAuthentication: true, usageSigning: false, extraGroups: [], expiration }) as never);
    await mk('old001', new Date(Date.now() - 60_000).toISOString());
    await mk('soon01', new Date(Date.now() + 3000).toISOString());
    await eventually('expired token deleted', async () => (await admin.secrets.get('bootstrap-token-old001', 'kube-system').catch((e) => e)).status?.code === 404, 20_000);
    expect((await admin.secrets.get('bootstrap-token-boot01', 'kube-system')).metadata.name).toBe('bootstrap-token-boot01');
    // One that expires later is deleted when it is due.
    await eventually('token deleted when due', async () => (await admin.secrets.get('bootstrap-token-soon01', 'kube-system').catch((e) => e)).status?.code === 404, 20_000);
  });
});
