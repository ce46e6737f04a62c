// The Node authorizer against a real etcd and apiserver (apiserver/authorization/): node A
// reads only the Secrets/ConfigMaps of pods bound to it, from the moment of the binding
// until the pod is gone; never lists or watches them; writes only its own Node, Lease and
// its pods' status; NodeRestriction on its Node; the graph converges after etcd restarts.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allowNonNodes } from '../../apiserver/authorization/chain.js';
import { nodeAuthorizer } from '../../apiserver/authorization/node-rules.js';
import type { Storage } from '../../apiserver/storage/types.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients } from '../helpers/kubectl.js';
import { ApiClient } from '../../client/rest-client.js';
import { eventually } from '../helpers/eventually.js';

let api: TestApiServer;
const NS = 'default';
let A: string;
let B: string;

const asNode = (token: string) => (method: string, path: string, body?: unknown, contentType?: string) => apiRequest(api, method, path, body, { token, contentType });
const admin = (method: string, path: string, body?: unknown) => apiRequest(api, method, path, body);

const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data: { k: Buffer.from(`v-${name}`).toString('base64') } });
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: name } });
function pod(name: string, nodeName: string | undefined, secretName: string, cmName?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'c', image: 'busybox', env: cmName ? [{ name: 'X', valueFrom: { configMapKeyRef: { name: cmName, key: 'k' } } }] : [] }],
      volumes: [{ name: 's', secret: { secretName } }],
    },
  };
}

beforeAll(async () => {
  api = await startTestApiServer({ nodeNames: ['node-a', 'node-b'], server: { authorizers: [nodeAuthorizer, allowNonNodes] } });
  A = api.nodeTokens['node-a']!;
  B = api.nodeTokens['node-b']!;
  for (const n of ['sa', 'sb', 'shared', 'late', 'gone']) expect((await admin('POST', `/api/v1/namespaces/${NS}/secrets`, secret(n))).status).toBe(201);
  for (const n of ['ca', 'cb']) expect((await admin('POST', `/api/v1/namespaces/${NS}/configmaps`, configMap(n))).status).toBe(201);
  expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('pa', 'node-a', 'sa', 'ca'))).status).toBe(201);
  expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('pb', 'node-b', 'sb', 'cb'))).status).toBe(201);
  expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('pshared', 'node-b', 'shared'))).status).toBe(201);
});

afterAll(async () => {
  await api?.stop();
});

describe('node authorization (real etcd)', () => {
  test("node A reads its pods' Secret and ConfigMap, not node B's (403)", async () => {
    const a = asNode(A);
    const s = await a('GET', `/api/v1/namespaces/${NS}/secrets/sa`);
    expect(s.status).toBe(200);
    expect(Buffer.from(s.body.data.k, 'base64').toString()).toBe('v-sa');
    expect((await a('GET', `/api/v1/namespaces/${NS}/configmaps/ca`)).status).toBe(200);
    const denied = await a('GET', `/api/v1/namespaces/${NS}/secrets/sb`);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ kind: 'Status', reason: 'Forbidden' });
    expect(denied.body.message).toContain(`User "system:node:node-a" cannot get resource "secrets"`);
    expect(denied.body.message).toContain("no relationship found between node 'node-a' and this object");
    expect((await a('GET', `/api/v1/namespaces/${NS}/configmaps/cb`)).status).toBe(403);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets/shared`)).status).toBe(403);
    // B reads its own.
    expect((await asNode(B)('GET', `/api/v1/namespaces/${NS}/secrets/sb`)).status).toBe(200);
  });

  test('list and watch of Secrets are refused, whatever the selector', async () => {
    const a = asNode(A);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets`)).status).toBe(403);
    expect((await a('GET', `/api/v1/secrets`)).status).toBe(403);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets?watch=true`)).status).toBe(403);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets?fieldSelector=metadata.name%3Dsa`)).status).toBe(403);
    expect((await a('GET', `/api/v1/configmaps`)).status).toBe(403);
    // Pods: only its own by field selector.
    expect((await a('GET', `/api/v1/pods`)).status).toBe(403);
    const mine = await a('GET', `/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-a`);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['pa']);
  });

  test('the moment a pod is bound to A, A reads its Secret; once the pod is gone, A cannot', async () => {
    const a = asNode(A);
    expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('plate', undefined, 'late'))).status).toBe(201);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets/late`)).status).toBe(403);
    // Bind, then read at once, 20 times over with fresh pods: never a 403.
    const bind = await admin('POST', `/api/v1/namespaces/${NS}/pods/plate/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'plate' }, target: { kind: 'Node', name: 'node-a' } });
    expect(bind.status).toBe(201);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets/late`)).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      const name = `race-${i}`;
      expect((await admin('POST', `/api/v1/namespaces/${NS}/secrets`, secret(name))).status).toBe(201);
      expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod(name, undefined, name))).status).toBe(201);
      const b = await admin('POST', `/api/v1/namespaces/${NS}/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: 'node-a' } });
      expect(b.status).toBe(201);
      const got = await a('GET', `/api/v1/namespaces/${NS}/secrets/${name}`);
      expect(got.status, name).toBe(200);
    }
    // Deleted (the node's own final DELETE, as the agent confirms): no more access.
    expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('pgone', 'node-a', 'gone'))).status).toBe(201);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets/gone`)).status).toBe(200);
    expect((await a('DELETE', `/api/v1/namespaces/${NS}/pods/pgone`, { gracePeriodSeconds: 0 })).status).toBe(200);
    await eventually('the pod is gone', async () => (await admin('GET', `/api/v1/namespaces/${NS}/pods/pgone`)).status === 404);
    await eventually('A loses the Secret', async () => (await a('GET', `/api/v1/namespaces/${NS}/secrets/gone`)).status === 403, 5000);
  });

  test('a refusal is fast: no wait when etcd shows no pod of the node naming the object', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) expect((await asNode(A)('GET', `/api/v1/namespaces/${NS}/secrets/sb`)).status).toBe(403);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  test("a node cannot write another node's Node, Lease or pod status, nor delete its pods", async () => {
    const a = asNode(A);
    const b = asNode(B);
    expect((await a('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } })).status).toBe(201);
    expect((await b('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } })).status).toBe(201);
    expect((await b('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-x' } })).status).toBe(403);
    const merge = 'application/merge-patch+json';
    expect((await a('PATCH', '/api/v1/nodes/node-a/status', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, merge)).status).toBe(200);
    const other = await a('PATCH', '/api/v1/nodes/node-b/status', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }, merge);
    expect(other.status).toBe(403);
    expect(other.body.message).toContain('may only modify its own Node');
    expect((await a('PATCH', '/api/v1/nodes/node-b', { metadata: { labels: { x: 'y' } } }, merge)).status).toBe(403);
    expect((await a('DELETE', '/api/v1/nodes/node-b')).status).toBe(403);
    const lease = (name: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name }, spec: { holderIdentity: name } });
    expect((await a('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('node-a'))).status).toBe(201);
    expect((await b('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('node-b'))).status).toBe(201);
    expect((await a('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-b', lease('node-b'))).status).toBe(403);
    expect((await a('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', lease('node-c'))).status).toBe(403);
    // Pod status: own pods yes, B's no; deleting B's pod no.
    expect((await a('PATCH', `/api/v1/namespaces/${NS}/pods/pa/status`, { status: { phase: 'Running' } }, merge)).status).toBe(200);
    const ps = await a('PATCH', `/api/v1/namespaces/${NS}/pods/pb/status`, { status: { phase: 'Failed' } }, merge);
    expect(ps.status).toBe(403);
    expect(ps.body.message).toContain('pod is not bound to node node-a');
    expect((await a('DELETE', `/api/v1/namespaces/${NS}/pods/pb`)).status).toBe(403);
    expect((await admin('GET', `/api/v1/namespaces/${NS}/pods/pb`)).body.status?.phase).not.toBe('Failed');
    // Nothing else: Deployments, Secrets writes.
    expect((await a('POST', `/api/v1/namespaces/${NS}/secrets`, secret('evil'))).status).toBe(403);
    expect((await a('GET', '/apis/apps/v1/deployments')).status).toBe(403);
  });

  test('NodeRestriction on its own Node: restricted labels, taints; podCIDR filled in once', async () => {
    const a = asNode(A);
    const merge = 'application/merge-patch+json';
    const lbl = await a('PATCH', '/api/v1/nodes/node-a', { metadata: { labels: { 'node-restriction.kubernetes.io/trusted': 'yes' } } }, merge);
    expect(lbl.status).toBe(403);
    expect(lbl.body.message).toContain('is not allowed to modify labels: node-restriction.kubernetes.io/trusted');
    expect((await a('PATCH', '/api/v1/nodes/node-a', { metadata: { labels: { 'example.com/tier': 'web' }, annotations: { a: 'b' } } }, merge)).status).toBe(200);
    const taints = { spec: { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] } };
    expect((await apiRequest(api, 'PATCH', '/api/v1/nodes/node-a', taints, { contentType: merge })).status).toBe(200);
    const taint = await a('PATCH', '/api/v1/nodes/node-a', { spec: { taints: [] } }, merge);
    expect(taint.status).toBe(403);
    expect(taint.body.message).toContain('not allowed to modify taints');
    expect((await a('PATCH', '/api/v1/nodes/node-a', { spec: { podCIDR: '10.244.9.0/24', podCIDRs: ['10.244.9.0/24'] } }, merge)).status).toBe(200);
    // Once set, nobody re-points it (validation).
    expect((await a('PATCH', '/api/v1/nodes/node-a', { spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } }, merge)).status).toBe(422);
  });

  test('the graph converges after an etcd restart', async () => {
    const a = asNode(A);
    await api.etcd.pause();
    await api.etcd.resume();
    await eventually('etcd answers again', async () => [201, 409].includes((await admin('POST', `/api/v1/namespaces/${NS}/secrets`, secret('after'))).status), 30_000);
    expect((await admin('POST', `/api/v1/namespaces/${NS}/pods`, pod('pafter', 'node-a', 'after'))).status).toBe(201);
    expect((await a('GET', `/api/v1/namespaces/${NS}/secrets/after`)).status).toBe(200);
    expect((await admin('DELETE', `/api/v1/namespaces/${NS}/pods/pafter?gracePeriodSeconds=0`)).status).toBe(200);
    await eventually('A loses the Secret after the restart', async () => (await a('GET', `/api/v1/namespaces/${NS}/secrets/after`)).status === 403, 10_000);
  });
});

describe('a graph that lags behind etcd', () => {
  let slow: TestApiServer;
  const LAG_MS = 600;
  beforeAll(async () => {
    // Every pod watch event reaches this server's watchers (the graph among them) 600 ms late.
    const lagging = (s: Storage): Storage =>
      new Proxy(s, {
        get(target, prop, recv) {
          if (prop !== 'watch') return Reflect.get(target, prop, recv);
          const watch: Storage['watch'] = (prefix, from, h) =>
            target.watch(prefix, from, prefix.includes('/pods/') ? { ...h, onEvent: (ev) => void setTimeout(() => h.onEvent(ev), LAG_MS) } : h);
          return watch;
        },
      });
    slow = await startTestApiServer({ etcd: api.etcd, nodeNames: ['node-a'], wrapStorage: lagging, server: { authorizers: [nodeAuthorizer, allowNonNodes] } });
  });
  afterAll(async () => {
    await slow?.stop();
  });

  test('a read right after the binding waits for the graph instead of a 403; a real refusal does not wait', async () => {
    const a = (path: string) => apiRequest(slow, 'GET', path, undefined, { token: slow.nodeTokens['node-a'] });
    const adm = (method: string, path: string, body?: unknown) => apiRequest(slow, method, path, body);
    expect((await adm('POST', `/api/v1/namespaces/${NS}/secrets`, secret('fresh'))).status).toBe(201);
    expect((await adm('POST', `/api/v1/namespaces/${NS}/pods`, pod('pfresh', undefined, 'fresh'))).status).toBe(201);
    const b = await adm('POST', `/api/v1/namespaces/${NS}/pods/pfresh/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'pfresh' }, target: { kind: 'Node', name: 'node-a' } });
    expect(b.status).toBe(201);
    const t0 = Date.now();
    const got = await a(`/api/v1/namespaces/${NS}/secrets/fresh`);
    const waited = Date.now() - t0;
    expect(got.status).toBe(200);
    // It was the wait that made it: the graph had not seen the binding when the GET came.
    expect(waited).toBeGreaterThan(LAG_MS / 3);
    expect(waited).toBeLessThan(2500);
    // No pod of node-a names this one: refused at once.
    expect((await adm('POST', `/api/v1/namespaces/${NS}/secrets`, secret('nobody'))).status).toBe(201);
    const t1 = Date.now();
    expect((await a(`/api/v1/namespaces/${NS}/secrets/nobody`)).status).toBe(403);
    expect(Date.now() - t1).toBeLessThan(LAG_MS / 2);
  });
});

describe('kubectl v1.32 with a node credential', () => {
  let tls: TestApiServer;
  let dir: string;
  beforeAll(async () => {
    tls = await startTestApiServer({ etcd: api.etcd, tls: true, nodeNames: ['node-k'], server: { authorizers: [nodeAuthorizer, allowNonNodes] } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-nodeauthz-kubectl-'));
  });
  afterAll(async () => {
    await tls?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('gets its pod\'s Secret and its pods; Forbidden with the reason otherwise', async () => {
    const adm = new ApiClient({ server: tls.url, token: tls.token, ca: tls.ca });
    await adm.request('POST', `/api/v1/namespaces/${NS}/secrets`, { body: secret('k-own') });
    await adm.request('POST', `/api/v1/namespaces/${NS}/secrets`, { body: secret('k-other') });
    await adm.request('POST', `/api/v1/namespaces/${NS}/pods`, { body: pod('pk', 'node-k', 'k-own') });
    const { kubectl } = cliClients({ url: tls.url, token: tls.nodeTokens['node-k']!, ca: tls.ca }, dir);
    const own = await kubectl(['get', 'secret', 'k-own', '-n', NS, '-o', 'jsonpath={.data.k}']);
    expect(own.code, own.stderr).toBe(0);
    expect(Buffer.from(own.stdout, 'base64').toString()).toBe('v-k-own');
    const other = await kubectl(['get', 'secret', 'k-other', '-n', NS]);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('Error from server (Forbidden): secrets "k-other" is forbidden: User "system:node:node-k" cannot get resource "secrets"');
    expect(other.stderr).toContain("no relationship found between node 'node-k' and this object");
    const list = await kubectl(['get', 'secrets', '-A']);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toContain('Forbidden');
    const pods = await kubectl(['get', 'pods', '-A', '--field-selector', 'spec.nodeName=node-k', '-o', 'name']);
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout.trim()).toBe('pod/pk');
    expect((await kubectl(['get', 'pods', '-A'])).stderr).toContain('nodes can only list/watch pods with fieldSelector spec.nodeName=node-k');
  });
});
