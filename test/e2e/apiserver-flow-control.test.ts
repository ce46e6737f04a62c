// Flow control over real HTTP and a real etcd: one node flooding the server with slow
// uploads fills only its own flow's share (it gets 429 itself) while the admin and the
// other nodes are served; bodies that trickle in lose their seat; forbidden requests are
// refused before their body is read; watches are bounded by their own counts, not seats.

import { afterEach, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { RawConnection, uploadHead } from '../helpers/raw-http.js';
import { eventually } from '../helpers/eventually.js';

let s: TestApiServer | undefined;
const open: RawConnection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.destroy();
  await s?.stop();
  s = undefined;
});

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` requests whose JSON body starts and then never finishes. */
function slowUploads(srv: TestApiServer, count: number, method: string, path: string, token: string): RawConnection[] {
  const conns = Array.from({ length: count }, () => new RawConnection(srv.url, uploadHead(srv.url, method, path, token, 1000) + '{'));
  open.push(...conns);
  return conns;
}

async function metric(srv: TestApiServer, name: string, labels: string): Promise<number | undefined> {
  const text = (await apiRequest(srv, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** A node renewing its Lease as the agent does: GET, then PUT with renewTime now. */
async function renewLease(srv: TestApiServer, node: string): Promise<number> {
  const token = srv.nodeTokens[node]!;
  const got = await apiRequest(srv, 'GET', `${LEASES}/${node}`, undefined, { token });
  if (got.status !== 200) return got.status;
  got.body.spec.renewTime = new Date().toISOString().replace(/Z$/, '000Z');
  return (await apiRequest(srv, 'PUT', `${LEASES}/${node}`, got.body, { token })).status;
}

describe('one node flooding', () => {
  test('a node holding more slow uploads than its share gets 429 itself; the admin and another node renewing its Lease are served', { timeout: 60_000 }, async () => {
    // 40 seats in all (node-high: 8, one node: 1); bodies and queue waits long enough
    // that the flood lasts the whole test.
    s = await startTestApiServer({ nodeNames: ['node-1', 'node-2'], server: { maxRequestsInFlight: 40, requestBodyTimeoutMs: 60_000, flowQueueWaitMs: 60_000 } });
    const srv = s;
    const now = new Date().toISOString().replace(/Z$/, '000Z');
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node-2', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node-2', leaseDurationSeconds: 40, renewTime: now } };
    expect((await apiRequest(srv, 'POST', LEASES, lease, { token: srv.nodeTokens['node-2'] })).status).toBe(201);

    // 60 > the old server's 40 slots, and > node-1's 1 seat + 50 queued.
    const flood = slowUploads(srv, 60, 'PUT', '/api/v1/nodes/node-1/status', srv.nodeTokens['node-1']!);
    const own = await eventually('the flooding node is refused', async () => {
      const r = await apiRequest(srv, 'GET', '/api/v1/nodes/node-1', undefined, { token: srv.nodeTokens['node-1'] });
      return r.status === 429 ? r : undefined;
    }, 15_000);

    // Everybody else is served, although the flood still holds its seat and queue (the
    // server before flow control answered them 429 too).
    for (let i = 0; i < 5; i++) {
      const r = await apiRequest(srv, 'GET', '/api/v1/namespaces/default/pods');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    for (let i = 0; i < 3; i++) expect(await renewLease(srv, 'node-2')).toBe(200);

    expect(own.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 });
    expect(own.body.message).toMatch(/system:node:node-1/);
    expect(own.headers.get('retry-after')).toBe('1');

    // The flood: one request holds node-1's seat, 50 wait in its queue, the rest were refused.
    expect(await metric(srv, 'apiserver_flowcontrol_current_executing_requests', 'priority_level="node-high",flow_schema="system-node-high"')).toBe(1);
    expect(await metric(srv, 'apiserver_flowcontrol_current_inqueue_requests', 'priority_level="node-high",flow_schema="system-node-high"')).toBe(50);
    const refused = await eventually('the uploads beyond the queue are answered', async () => {
      const n = flood.filter((c) => c.answered?.status === 429).length;
      return n >= 9 ? n : undefined;
    }, 15_000);
    expect(refused).toBe(9);
    expect(flood.filter((c) => c.answered && c.answered.status !== 429)).toEqual([]);
  });

  test('a body that trickles in is cut with 408 after the body timeout, and its seat is given back', { timeout: 30_000 }, async () => {
    s = await startTestApiServer({ server: { maxRequestsInFlight: 40, requestBodyTimeoutMs: 500 } });
    const srv = s;
    const [slow] = slowUploads(srv, 1, 'PUT', '/api/v1/nodes/node-1/status', srv.nodeToken!);
    const trickle = setInterval(() => slow!.write(' '), 100);
    try {
      const answer = await Promise.race([slow!.answer, sleep(10_000).then(() => undefined)]);
      expect(answer?.status).toBe(408);
      expect(answer?.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Timeout', code: 408 });
      expect(answer?.body.message).toMatch(/body did not arrive within 0.5 s/);
      expect(answer?.headers.connection).toBe('close');
    } finally {
      clearInterval(trickle);
    }
    // node-1 has one seat at node-high: it is free again.
    const r = await apiRequest(srv, 'GET', '/api/v1/nodes/node-1', undefined, { token: srv.nodeToken });
    expect(r.status).toBe(404);
  });

  test('a request refused without reading its body (415) is not cut again when its body timeout passes', { timeout: 30_000 }, async () => {
    s = await startTestApiServer({ server: { requestBodyTimeoutMs: 200 } });
    const srv = s;
    const c = new RawConnection(srv.url, uploadHead(srv.url, 'PUT', '/api/v1/namespaces/default/configmaps/x', srv.token, 1000).replace('application/json', 'text/plain') + '{');
    open.push(c);
    const trickle = setInterval(() => c.write(' '), 50);
    try {
      expect((await c.answer)?.status).toBe(415);
      // Past the body timeout: an error nobody listens to would crash the process here.
      await sleep(600);
    } finally {
      clearInterval(trickle);
    }
    expect((await apiRequest(srv, 'GET', '/api/v1/namespaces')).status).toBe(200);
  });

  test('requests the user may not make are refused before their body is read: they never wait for or hold a seat', { timeout: 30_000 }, async () => {
    s = await startTestApiServer({ server: { maxRequestsInFlight: 1, requestBodyTimeoutMs: 60_000 } });
    const srv = s;
    const forbidden = slowUploads(srv, 20, 'PUT', '/api/v1/namespaces/default/configmaps/x', srv.nodeToken!);
    const anonymous = slowUploads(srv, 20, 'PUT', '/api/v1/namespaces/default/configmaps/x', 'not-a-token');
    const answers = await Promise.all([...forbidden, ...anonymous].map((c) => Promise.race([c.answer, sleep(10_000).then(() => undefined)])));
    expect(answers.slice(0, 20).map((a) => a?.status)).toEqual(Array(20).fill(403));
    expect(answers.slice(20).map((a) => a?.status)).toEqual(Array(20).fill(401));
    expect(answers[0]?.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
  });
});

describe('watches', () => {
  test('open watches are bounded per user and in all (429, Retry-After), and hold no request seat', { timeout: 30_000 }, async () => {
    s = await startTestApiServer({ nodeNames: ['node-1', 'node-2'], server: { maxRequestsInFlight: 1, maxOpenWatches: 3, maxOpenWatchesPerUser: 2 } });
    const srv = s;
    const watch = (node: string) => new RawConnection(srv.url, `GET /api/v1/services?watch=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.nodeTokens[node]}\r\n\r\n`);
    const first = [watch('node-1'), watch('node-1')];
    open.push(...first);
    for (const w of first) expect((await w.answer)?.status).toBe(200);
    const third = await watch('node-1').answer;
    expect(third?.status).toBe(429);
    expect(third?.headers['retry-after']).toBe('1');
    expect(third?.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect(third?.body.message).toMatch(/too many watches open for user "system:node:node-1" \(limit 2\)/);

    const other = watch('node-2');
    open.push(other);
    expect((await other.answer)?.status).toBe(200);
    const overTotal = await watch('node-2').answer;
    expect(overTotal?.status).toBe(429);
    expect(overTotal?.body.message).toMatch(/too many watches open on this server \(limit 3\)/);

    // Two open watches and node-1 still has its one seat for ordinary requests.
    expect((await apiRequest(srv, 'GET', '/api/v1/services', undefined, { token: srv.nodeTokens['node-1'] })).status).toBe(200);
    // A closed watch frees its slot.
    first[0]!.destroy();
    await eventually('a watch slot is free again', async () => {
      const w = watch('node-1');
      open.push(w);
      const a = await w.answer;
      return a?.status === 200 ? a : (w.destroy(), undefined);
    }, 15_000);
  });
});
