// Metrics verbs; auth is enforced (401 / 403); overload is a 429; an etcd outage is a 503
// and the server recovers by itself. The table of bad requests (400/404/405/409/413/415/
// 422 naming the field) is apiserver-bad-input.test.ts.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually, eventuallyMatch, GiveUp } from '../helpers/eventually.js';

let s: TestApiServer;
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const CM = '/api/v1/namespaces/default/configmaps';
const container = { name: 'c', image: 'img' };
const pod = (over: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) => ({ metadata: { name: 'bad' }, spec: { containers: [container], ...spec }, ...over });
const deploy = (spec: Record<string, unknown>) => ({
  metadata: { name: 'd' },
  spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [container] } }, ...spec },
});

beforeAll(async () => {
  s = await startTestApiServer({ nodeNames: ['node-1', 'node-2'] });
  expect((await req('POST', PODS, pod({ metadata: { name: 'exists' } }))).status).toBe(201);
  expect((await req('POST', DEPLOYS, { ...deploy({}), metadata: { name: 'immut' } })).status).toBe(201);
});
afterAll(async () => {
  await s?.stop();
});

describe('metrics', () => {
  test('apiserver_request_total uses the lowercase Kubernetes verbs', async () => {
    await req('POST', CM, { metadata: { name: 'metrics-verbs' } });
    await req('GET', `${CM}/metrics-verbs`);
    await req('GET', CM);
    await req('PATCH', `${CM}/metrics-verbs`, { data: { a: 'b' } }, { contentType: 'application/merge-patch+json' });
    const cur = (await req('GET', `${CM}/metrics-verbs`)).body;
    await req('PUT', `${CM}/metrics-verbs`, cur);
    await req('DELETE', `${CM}/metrics-verbs`);
    const text = (await req('GET', '/metrics')).body as string;
    const verbs = new Set([...text.matchAll(/^apiserver_request_total\{verb="([^"]+)"/gm)].map((m) => m[1]));
    for (const v of ['create', 'get', 'list', 'patch', 'update', 'delete']) expect(verbs).toContain(v);
    expect([...verbs].filter((v) => v !== v!.toLowerCase())).toEqual([]);
    expect(text).toMatch(/^apiserver_request_total\{verb="list",resource="configmaps",code="200"\} \d+/m);
  });
});

describe('authentication and authorization', () => {
  test('401 without a token and with a wrong token; health and version are public', async () => {
    let r = await req('GET', PODS, undefined, { token: null });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    r = await req('GET', PODS, undefined, { token: 'wrong' });
    expect(r.status).toBe(401);
    r = await req('GET', '/metrics', undefined, { token: null });
    expect(r.status).toBe(401);
    for (const p of ['/healthz', '/livez', '/readyz']) expect((await req('GET', p, undefined, { token: null })).status).toBe(200);
    r = await req('GET', '/version', undefined, { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ major: '1', minor: expect.any(String), gitVersion: expect.stringMatching(/^v1\./) });
  });

  test('a node may write only its own Node, Lease and the pods bound to it (403 otherwise)', async () => {
    const n1 = { token: s.nodeTokens['node-1']! };
    // Reads: its own pods (by field selector), not all of them (the Node authorizer).
    expect((await req('GET', `${PODS}?fieldSelector=spec.nodeName%3Dnode-1`, undefined, n1)).status).toBe(200);
    expect((await req('GET', PODS, undefined, n1)).status).toBe(403);
    // Own Node: yes; another node's: 403.
    expect((await req('POST', '/api/v1/nodes', { metadata: { name: 'node-1' } }, n1)).status).toBe(201);
    let r = await req('POST', '/api/v1/nodes', { metadata: { name: 'node-2' } }, n1);
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('Forbidden');
    expect(r.body.message).toContain('system:node:node-1');
    expect((await req('POST', '/api/v1/nodes', { metadata: { name: 'node-2' } })).status).toBe(201);
    r = await req('PATCH', '/api/v1/nodes/node-2/status', { status: { conditions: [] } }, { ...n1, contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(403);
    r = await req('PATCH', '/api/v1/nodes/node-1/status', { status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } }, { ...n1, contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    // Lease in the node-lease namespace.
    expect((await req('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1' } }, n1)).status).toBe(201);
    expect((await req('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { metadata: { name: 'node-2' }, spec: {} }, n1)).status).toBe(403);
    // Pods: creating is not for nodes; status of a pod bound elsewhere is 403.
    expect((await req('POST', PODS, pod({ metadata: { name: 'by-node' } }), n1)).status).toBe(403);
    await req('POST', PODS, pod({ metadata: { name: 'on-n1' } }));
    await req('POST', `${PODS}/on-n1/binding`, { target: { name: 'node-1' } });
    await req('POST', PODS, pod({ metadata: { name: 'on-n2' } }));
    await req('POST', `${PODS}/on-n2/binding`, { target: { name: 'node-2' } });
    r = await req('PATCH', `${PODS}/on-n2/status`, { status: { phase: 'Running' } }, { ...n1, contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(403);
    r = await req('PATCH', `${PODS}/on-n1/status`, { status: { phase: 'Running' } }, { ...n1, contentType: 'application/merge-patch+json' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status.phase).toBe('Running');
    expect((await req('DELETE', `${PODS}/on-n2`, undefined, n1)).status).toBe(403);
    expect((await req('DELETE', `${PODS}/on-n1`, undefined, n1)).status).toBe(200);
    // Deployments are not theirs at all.
    expect((await req('DELETE', `${DEPLOYS}/immut`, undefined, n1)).status).toBe(403);
  });
});

describe('overload', () => {
  test('a request that waits too long for a seat gets 429 with Retry-After; the server recovers', async () => {
    // 2 seats: one per priority level, one per flow. Requests queue for at most 300 ms.
    const small = await startTestApiServer({ etcd: s.etcd, server: { maxRequestsInFlight: 2, flowQueueWaitMs: 300 } });
    // Two Events from node-1 whose bodies never finish arriving: one holds node-1's seat
    // (a request holds it from its headers on), one waits, so the test does not depend on timing.
    const u = new URL(small.url);
    const holders = [0, 1].map(() => {
      const r = http.request({
        host: u.hostname,
        port: Number(u.port),
        method: 'POST',
        path: '/api/v1/namespaces/default/events',
        headers: { authorization: `Bearer ${small.nodeToken}`, 'content-type': 'application/json', 'content-length': '1000' },
      });
      r.on('error', () => undefined);
      r.write('{');
      return r;
    });
    const asNode = { token: small.nodeToken };
    try {
      const limited = await eventually('a 429 once the seats are taken', async () => {
        const r = await apiRequest(small, 'GET', '/api/v1/namespaces/default/services', undefined, asNode);
        if (r.status !== 200 && r.status !== 429) throw new GiveUp(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
        return r.status === 429 ? r : undefined;
      }, 10_000, 0);
      expect(limited.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
      expect(limited.headers.get('retry-after')).toBe('1');
      // Slots are given back when those requests end: then sequential requests all pass.
      for (const h of holders) h.destroy();
      await eventuallyMatch('the seats to be given back', async () => (await apiRequest(small, 'GET', '/api/v1/namespaces/default/services', undefined, asNode)).status, (st) => st === 200, 10_000);
      for (let i = 0; i < 5; i++) expect((await apiRequest(small, 'GET', '/api/v1/namespaces/default/services', undefined, asNode)).status).toBe(200);
    } finally {
      for (const h of holders) h.destroy();
      await small.stop();
    }
  });
});

describe('etcd outage', () => {
  test('503 on /readyz and on requests while etcd is down; recovers when it returns', async () => {
    await s.etcd.pause();
    try {
      const t0 = Date.now();
      const r = await req('GET', `${PODS}/exists`);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ kind: 'Status', code: 503, reason: 'ServiceUnavailable' });
      expect(r.body.message).toMatch(/etcd/);
      expect(Date.now() - t0).toBeLessThan(30_000);
      const ready = await req('GET', '/readyz', undefined, { token: null });
      expect(ready.status).toBe(503);
      expect(ready.body.message).toMatch(/etcd/);
      expect((await req('GET', '/livez', undefined, { token: null })).status).toBe(200);
    } finally {
      await s.etcd.resume();
    }
    await eventuallyMatch('reads to succeed once etcd is back', async () => (await req('GET', `${PODS}/exists`)).status, (st) => st === 200, 30_000);
    expect((await req('GET', '/readyz', undefined, { token: null })).status).toBe(200);
  }, 90_000);
});
