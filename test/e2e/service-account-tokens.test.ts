// Service accounts against a real apiserver over a real etcd, driven by kubectl v1.32:
// `kubectl create serviceaccount`, `kubectl get sa`, `kubectl create token` (protobuf
// TokenRequest bodies) with audiences, durations and pod binding; the tokens authenticate
// until their service account or bound pod is gone; pod admission defaults the service
// account and mounts Kubernetes' kube-api-access projected volume.

import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { eventually } from '../helpers/eventually.js';
import { verifyKeyOf } from '../../apiserver/authentication/jwt.js';
import { allowNonNodes } from '../../apiserver/authorization/chain.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';

let s: TestApiServer;
let dir: string;
let c: Clients;
const NS = 'sa-test';

function call(method: string, urlPath: string, body?: unknown, token = s.token): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(`${s.url}${urlPath}`, { method, ca: s.ca, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

beforeAll(async () => {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  s = await startTestApiServer({
    tls: true,
    server: {
      // Authentication is under test: every authenticated user but a node may act, nodes get what the Node authorizer grants (RBAC has tests of its own).
      authorizers: [nodeAuthorizer, allowNonNodes],
      serviceAccountTokens: {
        keys: { signing: privateKey, verify: [verifyKeyOf(privateKey)] },
        issuers: ['https://kubernetes.default.svc.cluster.local'],
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        maxExpirationSeconds: 7200,
      },
    },
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-sa-'));
  c = cliClients(s, dir);
  expect((await c.kubectl(['create', 'namespace', NS])).code).toBe(0);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('ServiceAccount and TokenRequest with kubectl', () => {
  test('kubectl create serviceaccount, get sa (NAME SECRETS AGE)', async () => {
    const r = await c.kubectl(['create', 'serviceaccount', 'robot', '-n', NS]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('serviceaccount/robot created');
    const g = await c.kubectl(['get', 'sa', '-n', NS]);
    expect(g.stdout.split('\n')[0]).toMatch(/^NAME\s+SECRETS\s+AGE$/);
    expect(g.stdout).toMatch(/robot\s+0\s+/);
  });

  test('kubectl create token: a signed token with Kubernetes claims that authenticates as the service account', async () => {
    const r = await c.kubectl(['create', 'token', 'robot', '-n', NS, '--duration', '15m']);
    expect(r.stderr).toBe('');
    const token = r.stdout.trim();
    const claims = claimsOf(token);
    const sa = (await call('GET', `/api/v1/namespaces/${NS}/serviceaccounts/robot`)).body;
    expect(claims).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      sub: `system:serviceaccount:${NS}:robot`,
      'kubernetes.io': { namespace: NS, serviceaccount: { name: 'robot', uid: sa.metadata.uid } },
    });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.nbf).toBe(claims.iat);
    expect(typeof claims.jti).toBe('string');
    expect((await call('GET', `/api/v1/namespaces/${NS}/pods`, undefined, token)).status).toBe(200);
    // A tampered token is refused.
    const [h, p, sig] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:default' })).toString('base64url')}.${sig}`;
    expect((await call('GET', `/api/v1/namespaces/${NS}/pods`, undefined, forged)).status).toBe(401);
    expect(p).toBeTruthy();
  });

  test('another audience does not authenticate to the API; too short a duration is refused; long ones are capped', async () => {
    const other = await c.kubectl(['create', 'token', 'robot', '-n', NS, '--audience', 'vault']);
    expect(claimsOf(other.stdout.trim()).aud).toEqual(['vault']);
    expect((await call('GET', `/api/v1/namespaces/${NS}/pods`, undefined, other.stdout.trim())).status).toBe(401);
    const short = await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 100 } });
    expect(short.status).toBe(422);
    expect(short.body.details.causes[0].field).toBe('spec.expirationSeconds');
    const long = await c.kubectl(['create', 'token', 'robot', '-n', NS, '--duration', '100h']);
    const lc = claimsOf(long.stdout.trim());
    expect(lc.exp - lc.iat).toBe(7200);
    const bad = await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts/robot/token`, { spec: { boundObjectRef: { kind: 'Deployment', name: 'x' } } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe('spec.boundObjectRef.kind');
    expect((await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts/nobody/token`, { spec: {} })).status).toBe(404);
    // A typo is an unknown field: 400 under Strict, as for any body.
    const typo = await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts/robot/token?fieldValidation=Strict`, { spec: { expirationSecond: 900 } });
    expect(typo.status).toBe(400);
    expect(typo.body.message).toContain('unknown field "spec.expirationSecond"');
  });

  test('a token bound to a pod names the pod, and dies with it; a token dies with its service account', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'busybox' }] } };
    expect((await call('POST', `/api/v1/namespaces/${NS}/pods`, pod)).status).toBe(201);
    const r = await c.kubectl(['create', 'token', 'robot', '-n', NS, '--bound-object-kind', 'Pod', '--bound-object-name', 'p1']);
    expect(r.stderr).toBe('');
    const token = r.stdout.trim();
    const podObj = (await call('GET', `/api/v1/namespaces/${NS}/pods/p1`)).body;
    expect(claimsOf(token)['kubernetes.io'].pod).toEqual({ name: 'p1', uid: podObj.metadata.uid });
    expect((await call('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, token)).status).toBe(200);
    // A pod running as another service account cannot get robot's token.
    expect((await c.kubectl(['create', 'sa', 'other', '-n', NS])).code).toBe(0);
    const wrong = await c.kubectl(['create', 'token', 'other', '-n', NS, '--bound-object-kind', 'Pod', '--bound-object-name', 'p1']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('different serviceaccount name');
    expect((await call('DELETE', `/api/v1/namespaces/${NS}/pods/p1`)).status).toBe(200);
    await eventually('the pod-bound token stops authenticating', async () => (await call('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, token)).status === 401, 10_000);

    const plain = (await c.kubectl(['create', 'token', 'robot', '-n', NS])).stdout.trim();
    expect((await call('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, plain)).status).toBe(200);
    expect((await c.kubectl(['delete', 'sa', 'robot', '-n', NS])).code).toBe(0);
    await eventually('the token of a deleted service account stops authenticating', async () => (await call('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, plain)).status === 401, 10_000);
    // A new service account of the same name has another uid: the old token stays dead.
    expect((await c.kubectl(['create', 'sa', 'robot', '-n', NS])).code).toBe(0);
    await new Promise((res) => setTimeout(res, 300));
    expect((await call('GET', `/api/v1/namespaces/${NS}/configmaps`, undefined, plain)).status).toBe(401);
  });
});

describe('pod admission', () => {
  const pod = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });

  test('a missing service account is a 403 naming it; default is waited for, then refused', async () => {
    const r = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod('nosa', { serviceAccountName: 'ghost' }));
    expect(r.status).toBe(403);
    expect(r.body.message).toContain(`error looking up service account ${NS}/ghost`);
    const t0 = Date.now();
    const d = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod('nodefault', {}));
    expect(d.status).toBe(403);
    expect(d.body.message).toContain(`error looking up service account ${NS}/default`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  test('the token volume: defaulted name, projected sources, read-only mounts where nothing is mounted yet', async () => {
    expect((await c.kubectl(['create', 'sa', 'default', '-n', NS])).code).toBe(0);
    const r = await call(
      'POST',
      `/api/v1/namespaces/${NS}/pods`,
      pod('mounted', {
        initContainers: [{ name: 'i', image: 'busybox' }],
        containers: [
          { name: 'a', image: 'busybox' },
          { name: 'b', image: 'busybox', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] },
        ],
        volumes: [{ name: 'own', emptyDir: {} }],
      }),
    );
    expect(r.status).toBe(201);
    const spec = r.body.spec;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.serviceAccount).toBe('default');
    const vol = spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol.projected).toEqual({
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    });
    const mount = { name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    expect(spec.initContainers[0].volumeMounts).toEqual([mount]);
    expect(spec.containers[0].volumeMounts).toEqual([mount]);
    expect(spec.containers[1].volumeMounts).toEqual([{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
  });

  test('a pod created by server-side apply (kubectl apply --server-side) is admitted like a created one', async () => {
    // Needs `default` (the test above creates it).
    const manifest = path.join(dir, 'ssa-pod.json');
    fs.writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'applied', namespace: NS }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }));
    const applied = await c.kubectl(['apply', '--server-side', '-f', manifest]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('pod/applied serverside-applied');
    const got = await call('GET', `/api/v1/namespaces/${NS}/pods/applied`);
    expect(got.body.spec.serviceAccountName).toBe('default');
    const vol = got.body.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    expect(vol?.projected?.sources?.[0]).toEqual({ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } });
    expect(got.body.spec.containers[0].volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    // Applying it again (an update) keeps the volume; a missing service account refuses the create.
    expect((await c.kubectl(['apply', '--server-side', '-f', manifest])).code).toBe(0);
    expect((await call('GET', `/api/v1/namespaces/${NS}/pods/applied`)).body.spec.volumes.map((v: { name: string }) => v.name)).toEqual([vol.name]);
    fs.writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'applied-ghost', namespace: NS }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'busybox' }] } }));
    const refused = await c.kubectl(['apply', '--server-side', '-f', manifest]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`error looking up service account ${NS}/ghost`);
    expect((await call('GET', `/api/v1/namespaces/${NS}/pods/applied-ghost`)).status).toBe(404);
  });

  test('automountServiceAccountToken false (pod, else service account) mounts nothing; the pod wins', async () => {
    const a = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod('nomount', { automountServiceAccountToken: false }));
    expect(a.status).toBe(201);
    expect(a.body.spec.volumes).toBeUndefined();
    expect(a.body.spec.containers[0].volumeMounts).toBeUndefined();
    expect((await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'quiet' }, automountServiceAccountToken: false })).status).toBe(201);
    const b = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod('quiet1', { serviceAccount: 'quiet' }));
    expect(b.status).toBe(201);
    expect(b.body.spec.serviceAccountName).toBe('quiet');
    expect(b.body.spec.volumes).toBeUndefined();
    const c2 = await call('POST', `/api/v1/namespaces/${NS}/pods`, pod('quiet2', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
    expect(c2.body.spec.volumes[0].name).toMatch(/^kube-api-access-/);
  });

  test('ServiceAccount validation names the field', async () => {
    const r = await call('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { metadata: { name: 'bad' }, automountServiceAccountToken: 'yes' });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('automountServiceAccountToken');
  });
});
