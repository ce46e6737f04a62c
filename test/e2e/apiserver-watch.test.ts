// Watch over HTTP against a real etcd: framing, synthetic ADDED for rv=0, exact resume
// (no gap, no duplicate) across many disconnects, 410 after compaction, selector
// transitions, bookmarks, timeoutSeconds, and no leaked etcd watchers.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import type { EtcdStorage } from '../../apiserver/storage/index.js';
import { eventually, eventuallyMatch } from '../helpers/eventually.js';

let s: TestApiServer;
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);
const merge = { contentType: 'application/merge-patch+json' };

interface Ev {
  type: string;
  object: any;
}

/** An open watch: events arrive in `events`; `ended` resolves when the server closes. */
interface OpenWatch {
  events: Ev[];
  headers: Headers;
  ended: Promise<void>;
  close(): void;
  waitFor(pred: (evs: Ev[]) => boolean, ms?: number): Promise<void>;
}

async function openWatch(path: string): Promise<OpenWatch> {
  const ac = new AbortController();
  const res = await fetch(`${s.url}${path}`, { headers: { Authorization: `Bearer ${s.token}` }, signal: ac.signal });
  if (res.status !== 200) throw new Error(`watch ${path}: ${res.status} ${await res.text()}`);
  const events: Ev[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    headers: res.headers,
    ended,
    close: () => ac.abort(),
    waitFor: async (pred, ms = 20_000) => {
      await eventually('the watch events', () => pred(events), ms).catch((err: Error) => {
        throw new Error(`${err.message}; got ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name, e.object?.metadata?.resourceVersion]))}`);
      });
    },
  };
}

beforeAll(async () => {
  s = await startTestApiServer({ server: { watchBookmarkIntervalMs: 300 } });
});
afterAll(async () => {
  await s?.stop();
});

describe('watch', () => {
  test('rv=0 lists current state as ADDED, then streams changes; chunked JSON headers', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'w1' } });
    await req('POST', '/api/v1/namespaces/w1/configmaps', { metadata: { name: 'a' } });
    await req('POST', '/api/v1/namespaces/w1/configmaps', { metadata: { name: 'b' } });
    const w = await openWatch('/api/v1/namespaces/w1/configmaps?watch=true&resourceVersion=0');
    try {
      expect(w.headers.get('content-type')).toContain('application/json');
      expect(w.headers.get('transfer-encoding')).toBe('chunked');
      await w.waitFor((e) => e.length >= 2);
      expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`).sort()).toEqual(['ADDED a', 'ADDED b']);
      await req('PATCH', '/api/v1/namespaces/w1/configmaps/a', { data: { x: '1' } }, merge);
      await req('DELETE', '/api/v1/namespaces/w1/configmaps/b');
      await w.waitFor((e) => e.length >= 4);
      expect(w.events.slice(2).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED a', 'DELETED b']);
    } finally {
      w.close();
    }
  });

  test('resume exactness: 2000 updates, watcher reconnecting at random points sees each once, in order', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'resume' } });
    const names = ['r0', 'r1', 'r2', 'r3'];
    const start = await req('POST', '/api/v1/namespaces/resume/configmaps', { metadata: { name: 'r0' }, data: { i: '0' } });
    for (const n of names.slice(1)) await req('POST', '/api/v1/namespaces/resume/configmaps', { metadata: { name: n }, data: { i: '0' } });
    const fromRv = start.body.metadata.resourceVersion;

    const writtenRvs: number[] = [];
    const writer = (async () => {
      for (let i = 1; i <= 500; i++) {
        const rs = await Promise.all(
          names.map((n) => req('PATCH', `/api/v1/namespaces/resume/configmaps/${n}`, { data: { i: String(i) } }, merge)),
        );
        for (const r of rs) {
          expect(r.status).toBe(200);
          writtenRvs.push(Number(r.body.metadata.resourceVersion));
        }
      }
    })();

    const received: number[] = [];
    let lastRv = fromRv;
    let reconnects = 0;
    let writerDone = false;
    void writer.then(() => (writerDone = true));
    // Keep reconnecting until everything written has been received.
    while (!writerDone || received.length < writtenRvs.length + names.length - 1) {
      const w = await openWatch(`/api/v1/namespaces/resume/configmaps?watch=1&resourceVersion=${lastRv}`);
      const stopAfter = 1 + Math.floor(Math.random() * 150);
      const deadline = Date.now() + 5000;
      while (w.events.length < stopAfter && Date.now() < deadline && !(writerDone && received.length + w.events.length >= writtenRvs.length + names.length - 1)) {
        await new Promise((r) => setTimeout(r, 5));
      }
      w.close();
      await w.ended;
      // Only whole events that arrived before the disconnect count, like an informer.
      for (const e of w.events) {
        expect(e.type === 'ADDED' || e.type === 'MODIFIED').toBe(true);
        const rv = Number(e.object.metadata.resourceVersion);
        received.push(rv);
        lastRv = String(rv);
      }
      reconnects++;
    }
    await writer;
    // ADDED events of r1..r3 came after fromRv too.
    const expected = [...writtenRvs].sort((a, b) => a - b);
    const receivedModified = received.filter((rv) => rv > Number(fromRv) + names.length - 1);
    expect(receivedModified).toEqual(expected);
    for (let i = 1; i < received.length; i++) expect(received[i]!).toBeGreaterThan(received[i - 1]!);
    expect(reconnects).toBeGreaterThan(5);
  }, 180_000);

  test('a compacted resourceVersion gives an ERROR event with a 410 Expired Status, then the stream ends', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'compact' } });
    const c = await req('POST', '/api/v1/namespaces/compact/configmaps', { metadata: { name: 'c' }, data: { v: '0' } });
    const oldRv = Number(c.body.metadata.resourceVersion);
    let last = oldRv;
    for (let i = 1; i <= 5; i++) last = Number((await req('PATCH', '/api/v1/namespaces/compact/configmaps/c', { data: { v: String(i) } }, merge)).body.metadata.resourceVersion);
    await s.storage.compact(last);
    const w = await openWatch(`/api/v1/namespaces/compact/configmaps?watch=true&resourceVersion=${oldRv}`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    expect(w.events[0]!.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  });

  test('label selector on watch: stops matching → DELETED, starts matching → ADDED', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'sel' } });
    const w = await openWatch('/api/v1/namespaces/sel/configmaps?watch=true&labelSelector=app%3Dweb');
    try {
      await req('POST', '/api/v1/namespaces/sel/configmaps', { metadata: { name: 'x', labels: { app: 'web' } } });
      await req('POST', '/api/v1/namespaces/sel/configmaps', { metadata: { name: 'other', labels: { app: 'db' } } });
      await req('PATCH', '/api/v1/namespaces/sel/configmaps/x', { data: { a: '1' } }, merge);
      await req('PATCH', '/api/v1/namespaces/sel/configmaps/x', { metadata: { labels: { app: 'db' } } }, merge);
      await req('PATCH', '/api/v1/namespaces/sel/configmaps/other', { metadata: { labels: { app: 'web' } } }, merge);
      await req('DELETE', '/api/v1/namespaces/sel/configmaps/other');
      await w.waitFor((e) => e.length >= 5);
      expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED x', 'MODIFIED x', 'DELETED x', 'ADDED other', 'DELETED other']);
    } finally {
      w.close();
    }
  });

  test('field selector on a single-object watch (what kubectl delete --wait uses)', async () => {
    await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fw' } });
    await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fw-other' } });
    const w = await openWatch('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dfw');
    try {
      await w.waitFor((e) => e.length >= 1);
      await req('DELETE', '/api/v1/namespaces/default/configmaps/fw-other');
      await req('DELETE', '/api/v1/namespaces/default/configmaps/fw');
      await w.waitFor((e) => e.length >= 2);
      expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED fw', 'DELETED fw']);
    } finally {
      w.close();
    }
  });

  test('allowWatchBookmarks sends BOOKMARKs carrying a resourceVersion', async () => {
    const cur = await req('GET', '/api/v1/namespaces/default/configmaps');
    const w = await openWatch(`/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${cur.body.metadata.resourceVersion}`);
    try {
      await w.waitFor((e) => e.some((x) => x.type === 'BOOKMARK'));
      const bm = w.events.find((x) => x.type === 'BOOKMARK')!;
      expect(bm.object.kind).toBe('ConfigMap');
      expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(cur.body.metadata.resourceVersion));
    } finally {
      w.close();
    }
  });

  test('BOOKMARKs of a namespace-scoped or selector-filtered watch advance with writes it does not see', async () => {
    for (const n of ['bm-a', 'bm-b']) await req('POST', '/api/v1/namespaces', { metadata: { name: n } });
    const start = (await req('GET', '/api/v1/namespaces/bm-a/configmaps')).body.metadata.resourceVersion as string;
    const nsWatch = await openWatch(`/api/v1/namespaces/bm-a/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=${start}`);
    const selWatch = await openWatch(`/api/v1/namespaces/bm-a/configmaps?watch=true&allowWatchBookmarks=true&labelSelector=app%3Dnone&resourceVersion=${start}`);
    try {
      // Writes the namespace watch must not see (other namespace), and one it must.
      let lastOther = 0;
      for (let i = 0; i < 3; i++) {
        const c = await req('POST', '/api/v1/namespaces/bm-b/configmaps', { metadata: { name: `other-${i}` } });
        lastOther = Number(c.body.metadata.resourceVersion);
      }
      const mine = await req('POST', '/api/v1/namespaces/bm-a/configmaps', { metadata: { name: 'mine' } });
      const mineRv = Number(mine.body.metadata.resourceVersion);
      for (let i = 3; i < 6; i++) {
        const c = await req('POST', '/api/v1/namespaces/bm-b/configmaps', { metadata: { name: `other-${i}` } });
        lastOther = Number(c.body.metadata.resourceVersion);
      }
      const bookmarkAtLeast = (rv: number) => (e: Ev[]) => e.some((x) => x.type === 'BOOKMARK' && Number(x.object.metadata.resourceVersion) >= rv);
      await nsWatch.waitFor(bookmarkAtLeast(lastOther));
      await selWatch.waitFor(bookmarkAtLeast(lastOther));
      // The namespace watch saw its own object and nothing from bm-b, with the event
      // before any bookmark that passed its revision.
      const data = nsWatch.events.filter((x) => x.type !== 'BOOKMARK');
      expect(data.map((x) => `${x.type} ${x.object.metadata.namespace}/${x.object.metadata.name}`)).toEqual(['ADDED bm-a/mine']);
      const firstPast = nsWatch.events.findIndex((x) => x.type === 'BOOKMARK' && Number(x.object.metadata.resourceVersion) >= mineRv);
      expect(firstPast).toBeGreaterThan(nsWatch.events.indexOf(data[0]!));
      expect(selWatch.events.filter((x) => x.type !== 'BOOKMARK')).toEqual([]);
      // Bookmarks never go backwards.
      for (const w of [nsWatch, selWatch]) {
        const rvs = w.events.filter((x) => x.type === 'BOOKMARK').map((x) => Number(x.object.metadata.resourceVersion));
        for (let i = 1; i < rvs.length; i++) expect(rvs[i]!).toBeGreaterThanOrEqual(rvs[i - 1]!);
      }
    } finally {
      nsWatch.close();
      selWatch.close();
    }
  });

  test('timeoutSeconds ends the stream', async () => {
    const t0 = Date.now();
    const w = await openWatch('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1');
    await w.ended;
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  test('the server bound (--watch-max-seconds, jittered up to 2x) ends watches without timeoutSeconds', async () => {
    const short = await startTestApiServer({ etcd: s.etcd, server: { watchMaxSeconds: 1 } });
    try {
      const t0 = Date.now();
      const res = await fetch(`${short.url}/api/v1/pods?watch=true&timeoutSeconds=3600`, { headers: { Authorization: `Bearer ${short.token}` } });
      expect(res.status).toBe(200);
      await res.text(); // resolves when the server ends the stream
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await short.stop();
    }
  });

  test('client disconnects free the etcd subscription and the open-watches gauge', async () => {
    const storage = s.storage as EtcdStorage;
    // The server's own namespace cache holds one subscription all the time.
    const baseline = storage.watchStats().subscribers;
    const ws = await Promise.all(Array.from({ length: 10 }, () => openWatch('/api/v1/namespaces/default/pods?watch=true')));
    const metric = async () => {
      const text = (await req('GET', '/metrics')).body as string;
      const line = text.split('\n').find((l) => l.startsWith('apiserver_open_watches{resource="pods"}'));
      return line ? Number(line.split(' ')[1]) : 0;
    };
    expect(await metric()).toBe(10);
    expect(storage.watchStats().subscribers).toBe(baseline + 10);
    for (const w of ws) w.close();
    await eventuallyMatch(
      'the watch gauge and the subscribers back to baseline (no leak)',
      async () => ({ gauge: await metric(), stats: storage.watchStats() }),
      (v) => v.gauge === 0 && v.stats.subscribers === baseline,
      10_000,
    );
  });

  test('bad watch parameters are 400 before the stream starts', async () => {
    let r = await req('GET', '/api/v1/pods?watch=true&resourceVersion=abc');
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('resourceVersion');
    r = await req('GET', '/api/v1/pods?watch=true&labelSelector=a%20in%20(');
    expect(r.status).toBe(400);
    r = await req('GET', '/api/v1/pods?watch=true&timeoutSeconds=-3');
    expect(r.status).toBe(400);
  });
});
