// Client mistakes get the right Status code and a message naming the field; auth is
// enforced (401 / 403); an etcd outage is a 503 and the server recovers by itself.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

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

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string | Buffer;
  contentType?: string;
  code: number;
  /** Text the message must contain (usually the field). */
  says: string | RegExp;
}

const CASES: Case[] = [
  { name: 'malformed JSON', method: 'POST', path: PODS, raw: '{"metadata": {', code: 400, says: /JSON/ },
  { name: 'malformed YAML', method: 'POST', path: PODS, raw: 'metadata: [a\n  b: }', contentType: 'application/yaml', code: 400, says: /YAML/ },
  { name: 'body is an array', method: 'POST', path: PODS, body: [1, 2], code: 400, says: /object/ },
  { name: 'unknown resource', method: 'GET', path: '/api/v1/namespaces/default/widgets', code: 404, says: /could not find/ },
  { name: 'unknown group', method: 'GET', path: '/apis/nope.io/v1/things', code: 404, says: /could not find/ },
  { name: 'unknown object', method: 'GET', path: `${PODS}/ghost`, code: 404, says: 'pods "ghost" not found' },
  { name: 'unknown namespace on create', method: 'POST', path: '/api/v1/namespaces/nope/configmaps', body: { metadata: { name: 'x' } }, code: 404, says: 'namespaces "nope" not found' },
  { name: 'kind mismatch', method: 'POST', path: PODS, body: { ...pod(), kind: 'Service' }, code: 400, says: /kind/ },
  { name: 'apiVersion mismatch', method: 'POST', path: DEPLOYS, body: { ...deploy({}), apiVersion: 'v1' }, code: 400, says: /API version/ },
  { name: 'namespace mismatch', method: 'POST', path: PODS, body: pod({ metadata: { name: 'bad', namespace: 'other' } }), code: 400, says: /namespace/ },
  { name: 'name mismatch on PUT', method: 'PUT', path: `${PODS}/exists`, body: pod({ metadata: { name: 'different' } }), code: 400, says: /metadata\.name/ },
  { name: 'missing name', method: 'POST', path: PODS, body: pod({ metadata: {} }), code: 422, says: /metadata\.name/ },
  { name: 'invalid name', method: 'POST', path: PODS, body: pod({ metadata: { name: 'Bad_Name' } }), code: 422, says: /metadata\.name/ },
  { name: 'bad label key', method: 'POST', path: PODS, body: pod({ metadata: { name: 'bad', labels: { 'bad key!': 'v' } } }), code: 422, says: /metadata\.labels/ },
  { name: 'bad label value', method: 'POST', path: PODS, body: pod({ metadata: { name: 'bad', labels: { k: 'no spaces allowed' } } }), code: 422, says: /metadata\.labels/ },
  { name: 'missing containers', method: 'POST', path: PODS, body: { metadata: { name: 'bad' }, spec: {} }, code: 422, says: /spec\.containers/ },
  { name: 'missing image', method: 'POST', path: PODS, body: pod({}, { containers: [{ name: 'c' }] }), code: 422, says: /spec\.containers\[0\]\.image/ },
  { name: 'duplicate container names', method: 'POST', path: PODS, body: pod({}, { containers: [container, container] }), code: 422, says: /spec\.containers\[1\]\.name/ },
  { name: 'port out of range', method: 'POST', path: PODS, body: pod({}, { containers: [{ ...container, ports: [{ containerPort: 70000 }] }] }), code: 422, says: /containerPort/ },
  { name: 'bad quantity', method: 'POST', path: PODS, body: pod({}, { containers: [{ ...container, resources: { limits: { memory: '12XYZ' } } }] }), code: 422, says: /resources\.limits/ },
  { name: 'bad restartPolicy', method: 'POST', path: PODS, body: pod({}, { restartPolicy: 'Sometimes' }), code: 422, says: /restartPolicy/ },
  { name: 'negative replicas', method: 'POST', path: DEPLOYS, body: deploy({ replicas: -1 }), code: 422, says: /spec\.replicas/ },
  { name: 'selector does not match template', method: 'POST', path: DEPLOYS, body: deploy({ selector: { matchLabels: { app: 'zzz' } } }), code: 422, says: /selector|template\.metadata\.labels/ },
  { name: 'immutable selector', method: 'PATCH', path: `${DEPLOYS}/immut`, body: { spec: { selector: { matchLabels: { app: 'a', v: '2' } }, template: { metadata: { labels: { app: 'a', v: '2' } } } } }, contentType: 'application/merge-patch+json', code: 422, says: /spec\.selector/ },
  { name: 'immutable pod spec', method: 'PATCH', path: `${PODS}/exists`, body: { spec: { containers: [{ name: 'c', image: 'img', command: ['x'] }] } }, contentType: 'application/strategic-merge-patch+json', code: 422, says: /spec/ },
  { name: '__proto__ key', method: 'POST', path: PODS, raw: '{"metadata":{"name":"p","__proto__":{"x":1}},"spec":{}}', code: 400, says: /__proto__/ },
  { name: 'constructor key', method: 'POST', path: PODS, raw: '{"metadata":{"name":"p","labels":{"constructor":"x"}}}', code: 400, says: /constructor/ },
  { name: 'body over 3 MiB', method: 'POST', path: '/api/v1/namespaces/default/configmaps', raw: JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }), code: 413, says: /too large/ },
  { name: 'YAML nested too deeply', method: 'POST', path: PODS, raw: `metadata: {name: y}\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, contentType: 'application/yaml', code: 400, says: /nested too deeply/ },
  { name: 'YAML body over 512 KiB', method: 'POST', path: '/api/v1/namespaces/default/configmaps', raw: `metadata: {name: y}\ndata: {a: "${'x'.repeat(600 * 1024)}"}\n`, contentType: 'application/yaml', code: 413, says: /JSON/ },
  { name: 'unsupported content type', method: 'POST', path: PODS, raw: 'hello', contentType: 'text/plain', code: 415, says: /text\/plain/ },
  { name: 'PATCH with application/json', method: 'PATCH', path: `${PODS}/exists`, body: { metadata: {} }, contentType: 'application/json', code: 415, says: /application\/json/ },
  { name: 'JSON patch that is not an array', method: 'PATCH', path: `${PODS}/exists`, body: { op: 'add' }, contentType: 'application/json-patch+json', code: 400, says: /array/ },
  { name: 'bad labelSelector syntax', method: 'GET', path: `${PODS}?labelSelector=${encodeURIComponent('a in (b')}`, code: 400, says: /selector/i },
  { name: 'unsupported fieldSelector', method: 'GET', path: `${PODS}?fieldSelector=spec.foo%3Dbar`, code: 400, says: /spec\.foo/ },
  { name: 'bad continue token', method: 'GET', path: `${PODS}?limit=1&continue=garbage!!`, code: 400, says: /continue/ },
  { name: 'non-integer limit', method: 'GET', path: `${PODS}?limit=abc`, code: 400, says: /limit/ },
  { name: 'non-numeric resourceVersion in PUT', method: 'PUT', path: `${PODS}/exists`, body: pod({ metadata: { name: 'exists', resourceVersion: 'abc' } }), code: 400, says: /resourceVersion/ },
  { name: 'bad resourceVersionMatch', method: 'GET', path: `${PODS}?resourceVersion=1&resourceVersionMatch=Sometimes`, code: 400, says: /resourceVersionMatch/ },
  { name: 'bad propagationPolicy', method: 'DELETE', path: `${PODS}/exists`, body: { propagationPolicy: 'Everything' }, code: 400, says: /propagationPolicy/ },
  { name: 'non-integer gracePeriodSeconds', method: 'DELETE', path: `${PODS}/exists?gracePeriodSeconds=soon`, code: 400, says: /gracePeriodSeconds/ },
  { name: 'POST to an object URL', method: 'POST', path: `${PODS}/exists`, body: pod(), code: 405, says: /not allow/ },
  { name: 'PUT on a collection', method: 'PUT', path: PODS, body: pod(), code: 405, says: /not allow/ },
  { name: 'DELETE on binding', method: 'DELETE', path: `${PODS}/exists/binding`, code: 405, says: /not allow/ },
  { name: 'unknown subresource', method: 'GET', path: `${PODS}/exists/exec`, code: 404, says: /could not find/ },
  { name: 'secret data not base64', method: 'POST', path: '/api/v1/namespaces/default/secrets', body: { metadata: { name: 's' }, data: { k: 'not base64!!' } }, code: 422, says: /data/ },
  { name: 'service port 0', method: 'POST', path: '/api/v1/namespaces/default/services', body: { metadata: { name: 'svc' }, spec: { ports: [{ port: 0 }] } }, code: 422, says: /spec\.ports\[0\]\.port/ },
  { name: 'binding without target', method: 'POST', path: `${PODS}/exists/binding`, body: { metadata: { name: 'exists' } }, code: 422, says: /target\.name/ },
];

beforeAll(async () => {
  s = await startTestApiServer({ nodeNames: ['node-1', 'node-2'] });
  expect((await req('POST', PODS, pod({ metadata: { name: 'exists' } }))).status).toBe(201);
  expect((await req('POST', DEPLOYS, { ...deploy({}), metadata: { name: 'immut' } })).status).toBe(201);
});
afterAll(async () => {
  await s?.stop();
});

describe(`${CASES.length} bad inputs`, () => {
  test.each(CASES)('$name → $code', async (c) => {
    const r = await req(c.method, c.path, c.body, { rawBody: c.raw, contentType: c.contentType });
    expect(r.status, JSON.stringify(r.body)).toBe(c.code);
    expect(r.body.kind).toBe('Status');
    expect(r.body.status).toBe('Failure');
    expect(r.body.code).toBe(c.code);
    expect(r.body.message).toMatch(c.says);
  });

  test('the server is still fine after all of that', async () => {
    expect((await req('GET', `${PODS}/exists`)).status).toBe(200);
  });
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
    // Reads are allowed.
    expect((await req('GET', PODS, undefined, n1)).status).toBe(200);
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
      let limited: Awaited<ReturnType<typeof apiRequest>> | undefined;
      const deadline = Date.now() + 10_000;
      while (!limited && Date.now() < deadline) {
        const r = await apiRequest(small, 'GET', '/api/v1/namespaces/default/pods', undefined, asNode);
        expect([200, 429]).toContain(r.status);
        if (r.status === 429) limited = r;
      }
      expect(limited?.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
      expect(limited!.headers.get('retry-after')).toBe('1');
      // Slots are given back when those requests end: then sequential requests all pass.
      for (const h of holders) h.destroy();
      const freed = Date.now() + 10_000;
      while ((await apiRequest(small, 'GET', '/api/v1/namespaces/default/pods', undefined, asNode)).status !== 200) {
        if (Date.now() > freed) throw new Error('slots never freed');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (let i = 0; i < 5; i++) expect((await apiRequest(small, 'GET', '/api/v1/namespaces/default/pods', undefined, asNode)).status).toBe(200);
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
    const deadline = Date.now() + 30_000;
    let last = 0;
    while (Date.now() < deadline) {
      last = (await req('GET', `${PODS}/exists`)).status;
      if (last === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(last).toBe(200);
    expect((await req('GET', '/readyz', undefined, { token: null })).status).toBe(200);
  }, 90_000);
});
