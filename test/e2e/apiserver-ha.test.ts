// The apiserver is stateless: two of them over one etcd (same prefix) are one cluster.
// A watch on one sees writes made through the other, and compare-and-swap holds across
// both (no lost update when clients are spread over the two).

import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let a: TestApiServer;
let b: TestApiServer;

beforeAll(async () => {
  a = await startTestApiServer({ prefix: '/ha' });
  b = await startTestApiServer({ etcd: a.etcd, prefix: '/ha' });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

test('a watch on one apiserver sees writes made through the other', async () => {
  const ac = new AbortController();
  const res = await fetch(`${a.url}/api/v1/namespaces/default/configmaps?watch=true&labelSelector=ha%3Dyes`, { headers: { Authorization: `Bearer ${a.token}` }, signal: ac.signal });
  let text = '';
  const reading = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
    } catch {
      /* aborted */
    }
  })();
  try {
    const created = await apiRequest(b, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'via-b', labels: { ha: 'yes' } } });
    expect(created.status).toBe(201);
    await eventually('the watch on apiserver A to deliver via-b', () => text.includes('via-b'), 20_000);
    const ev = JSON.parse(text.trim().split('\n')[0]!);
    expect(ev.type).toBe('ADDED');
    expect(ev.object.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  } finally {
    ac.abort();
    await reading;
  }
});

test('read-modify-write clients spread over both servers lose no update', async () => {
  await apiRequest(a, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'ha-counter' }, data: { n: '0' } });
  let ok = 0;
  await Promise.all(
    Array.from({ length: 40 }, async (_, i) => {
      const srv = i % 2 ? a : b;
      for (;;) {
        const cur = await apiRequest(srv, 'GET', '/api/v1/namespaces/default/configmaps/ha-counter');
        const r = await apiRequest(srv, 'PUT', '/api/v1/namespaces/default/configmaps/ha-counter', { ...cur.body, data: { n: String(Number(cur.body.data.n) + 1) } });
        if (r.status === 200) {
          ok++;
          return;
        }
        expect(r.status).toBe(409);
      }
    }),
  );
  expect(ok).toBe(40);
  const final = await apiRequest(b, 'GET', '/api/v1/namespaces/default/configmaps/ha-counter');
  expect(final.body.data.n).toBe('40');
});
