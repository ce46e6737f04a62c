// What clients are told when etcd fails under a write, over HTTP against a real etcd:
// a write whose outcome is unknown (etcd frozen with SIGSTOP: the request reached it, no
// answer came) is 504 Timeout "may have succeeded", and it does succeed once etcd
// resumes; a write etcd certainly never saw (connection refused) is 503 with Retry-After.
// Health: /livez and /healthz stay 200 (restarting an apiserver never fixes etcd),
// /readyz fails while etcd does not answer.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { eventually, eventuallyMatch } from '../helpers/eventually.js';

let etcd: TestEtcd;
let s: TestApiServer;
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  etcd = await startEtcd();
  // A short bound on etcd calls, so each frozen-etcd request takes ~1.5 s, not 5.
  s = await startTestApiServer({ etcd, storage: { requestTimeoutMs: 1500 } });
});

afterAll(async () => {
  await s?.stop();
  await etcd?.stop();
});

const get = (path: string) => apiRequest(s, 'GET', path, undefined, { token: null });

function waitStatus(path: string, want: number, timeoutMs = 20_000): Promise<number> {
  return eventuallyMatch(`GET ${path} to answer ${want}`, async () => (await apiRequest(s, 'GET', path)).status, (st) => st === want, timeoutMs);
}

describe('etcd frozen (SIGSTOP) during writes', () => {
  test('a create answers 504 Timeout "may have succeeded", and is applied when etcd resumes', async () => {
    expect((await apiRequest(s, 'POST', CMS, { metadata: { name: 'to-update' }, data: { v: '1' } })).status).toBe(201);
    etcd.signal('SIGSTOP');
    try {
      const created = await apiRequest(s, 'POST', CMS, { metadata: { name: 'frozen' }, data: { a: 'b' } });
      expect(created.status).toBe(504);
      expect(created.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Timeout', code: 504 });
      expect(created.body.message).toMatch(/may have succeeded/);
      // Not "try again later": repeating a write that may have been applied is the client's call.
      expect(created.headers.get('retry-after')).toBeNull();

      // A patch reads before it writes; that read gets no answer, so nothing was sent: 503.
      // (A write frozen after its read is 504: apiserver/storage/etcd-write-outcome.integration.test.ts.)
      const patched = await apiRequest(s, 'PATCH', `${CMS}/to-update`, { data: { v: '2' } }, { contentType: 'application/merge-patch+json' });
      expect(patched.status).toBe(503);

      // Reads are safe to repeat: they stay 503.
      expect((await apiRequest(s, 'GET', `${CMS}/to-update`)).status).toBe(503);

      // Liveness does not depend on etcd; readiness does, and says why.
      expect((await get('/livez')).status).toBe(200);
      expect((await get('/healthz')).status).toBe(200);
      const ready = await get('/readyz?verbose');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatch(/\[\+\]ping ok/);
      expect(ready.body).toMatch(/\[-\]etcd failed: etcd is not reachable/);
      expect((await get('/readyz')).status).toBe(503);
    } finally {
      etcd.signal('SIGCONT');
    }
    // The create that answered 504 reached etcd and is applied now that it resumed.
    expect(await waitStatus(`${CMS}/frozen`, 200)).toBe(200);
    const obj = await apiRequest(s, 'GET', `${CMS}/frozen`);
    expect(obj.body.data).toEqual({ a: 'b' });
    expect((await get('/readyz')).status).toBe(200);
  }, 60_000);
});

describe('etcd down (connection refused)', () => {
  test('a write etcd never saw is 503 ServiceUnavailable with Retry-After; liveness stays 200', async () => {
    await etcd.pause();
    try {
      // Once the apiserver has seen the connection refused (a write on a connection that
      // closed just then is rightly 504: it cannot tell whether etcd got it)...
      await eventually('a read to report the refused connection', async () => (await apiRequest(s, 'GET', `${CMS}/to-update`)).body?.message?.includes('No connection established'), 10_000);
      const created = await apiRequest(s, 'POST', CMS, { metadata: { name: 'refused' } });
      expect(created.status).toBe(503);
      expect(created.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
      expect(created.headers.get('retry-after')).toBe('1');
      expect((await get('/livez')).status).toBe(200);
      expect((await get('/healthz?verbose')).body).toMatch(/\[\+\]ping ok\nhealthz check passed/);
      expect((await get('/readyz')).status).toBe(503);
    } finally {
      await etcd.resume();
    }
    expect(await waitStatus(`${CMS}/refused`, 404)).toBe(404);
    expect((await apiRequest(s, 'POST', CMS, { metadata: { name: 'refused' } })).status).toBe(201);
  }, 60_000);
});
