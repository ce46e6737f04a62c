// A watcher that stops reading is expired (410, end of stream) once its backlog passes the
// server's bounds — its own (events, bytes) or the budget over all watchers — while a
// watcher that reads on the same resource still gets every event, in order: the server
// never buffers without bound for slow clients, and a slow client does not hold up the
// others. Real etcd, real sockets (the slow reader pauses its socket).

import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer, type TestApiServerOptions } from '../helpers/apiserver.js';
import type { EtcdStorage } from '../../apiserver/storage/index.js';
import { eventually } from '../helpers/eventually.js';

let s: TestApiServer;
const MAX_QUEUE = 20;
const MAX_BYTES = 256 * 1024;
const BIG = 64 * 1024 * 1024;

beforeAll(async () => {
  s = await startTestApiServer({ server: { watchMaxBufferedBytes: MAX_BYTES } });
});
afterAll(async () => {
  await s?.stop();
});

/** Test against its own server with these bounds. */
async function withServer(server: TestApiServerOptions['server'], fn: () => Promise<void>): Promise<void> {
  const shared = s;
  s = await startTestApiServer({ etcd: shared.etcd, server });
  try {
    await fn();
  } finally {
    await s.stop();
    s = shared;
  }
}

interface RawWatch {
  lines: string[];
  /** Resolves when the stream ends (only seen while reading). */
  ended: Promise<void>;
  resume(): void;
  close(): void;
}

function openRawWatch(path: string, read: boolean): Promise<RawWatch> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), path, headers: { authorization: `Bearer ${s.token}` }, agent: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch: HTTP ${res.statusCode}`));
      const lines: string[] = [];
      let pending = '';
      const ended = new Promise<void>((r) => {
        res.on('end', () => r());
        res.on('close', () => r());
        res.on('error', () => r());
      });
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        const parts = (pending + c).split('\n');
        pending = parts.pop()!;
        lines.push(...parts.filter((l) => l.length > 0));
      });
      // Not reading: the kernel's socket buffers fill, then the server's.
      if (!read) res.pause();
      resolve({ lines, ended, resume: () => res.resume(), close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const subscribers = () => (s.storage as EtcdStorage).watchStats().subscribers;
const metric = async (name: string) => {
  const text = (await apiRequest(s, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(name));
  return line ? Number(line.split(' ').pop()) : 0;
};
const openWatchesGauge = () => metric('apiserver_open_watches{resource="configmaps"}');

/**
 * Writes ~100 KB updates of one ConfigMap until `done()` (at most 1000): the loopback
 * buffers of a watcher that does not read take a few MB, then its backlog grows in the
 * server. Returns how many were written; values are "1", "2", ...
 */
async function writeUntil(ns: string, name: string, done: () => boolean): Promise<number> {
  const filler = 'x'.repeat(100 * 1024);
  let writes = 0;
  for (; writes < 1000 && !done(); writes++) {
    const r = await apiRequest(s, 'PUT', `/api/v1/namespaces/${ns}/configmaps/${name}`, { metadata: { name }, data: { v: String(writes + 1), filler } });
    expect(r.status).toBe(200);
  }
  return writes;
}

/** What a watcher that stopped reading finds once it reads again: an in-order prefix, a 410 Expired, the end. */
async function expectExpired(w: RawWatch, writes: number, why: RegExp): Promise<void> {
  w.resume();
  await w.ended;
  const evs = w.lines.map((l) => JSON.parse(l) as { type: string; object: { code?: number; reason?: string; message?: string; data?: { v: string } } });
  const last = evs[evs.length - 1]!;
  expect(last.type).toBe('ERROR');
  expect(last.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
  expect(last.object.message).toMatch(why);
  const got = evs.slice(0, -1).map((e) => e.object.data!.v);
  expect(got).toEqual(Array.from({ length: got.length }, (_, i) => String(i + 1)));
  expect(got.length).toBeLessThan(writes);
}
test('a watcher that stops reading is expired with 410 past its queue bound; a reading watcher misses nothing', { timeout: 120_000 }, async () => {
  // A byte bound out of reach, so the event count is what trips.
  await withServer({ watchMaxQueuedEvents: MAX_QUEUE, watchMaxBufferedBytes: BIG }, async () => {
    await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'slow' } });
    const created = await apiRequest(s, 'POST', '/api/v1/namespaces/slow/configmaps', { metadata: { name: 'big' }, data: { v: '0' } });
    expect(created.status).toBe(201);
    const path = `/api/v1/namespaces/slow/configmaps?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`;
    const before = subscribers();
    const slow = await openRawWatch(path, false);
    const fast = await openRawWatch(path, true);
    expect(subscribers()).toBe(before + 2);

    const writes = await writeUntil('slow', 'big', () => subscribers() <= before + 1);
    await eventually('the slow watcher is dropped', () => subscribers() === before + 1, 20_000);
    expect(writes).toBeGreaterThan(MAX_QUEUE);

    // The reading watcher got every write, in order, and is still subscribed.
    await eventually(`the fast watcher gets all ${writes} events`, () => fast.lines.length >= writes, 20_000);
    const values = fast.lines.map((l) => (JSON.parse(l) as { object: { data: { v: string } } }).object.data.v);
    expect(values).toEqual(Array.from({ length: writes }, (_, i) => String(i + 1)));

    await expectExpired(slow, writes, /more than 20 events not taken/);
    await eventually('the open-watches gauge counts only the fast watcher', async () => (await openWatchesGauge()) === 1, 20_000);
    expect(await metric('apiserver_terminated_watchers_total{resource="configmaps",reason="queue-full"}')).toBe(1);
    fast.close();
    slow.close();
  });
});

test('watchers that stop reading are expired, biggest first, once all backlogs together pass the server budget', { timeout: 120_000 }, async () => {
  // Per-watcher bounds out of reach: only the 1 MiB budget over all of them can trip.
  const BUDGET = 1024 * 1024;
  await withServer({ watchMemoryBudgetBytes: BUDGET, watchMaxBufferedBytes: BIG }, async () => {
    await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'budget' } });
    const created = await apiRequest(s, 'POST', '/api/v1/namespaces/budget/configmaps', { metadata: { name: 'big' }, data: { v: '0' } });
    const path = `/api/v1/namespaces/budget/configmaps?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`;
    const before = subscribers();
    const stalled = [await openRawWatch(path, false), await openRawWatch(path, false), await openRawWatch(path, false)];
    const fast = await openRawWatch(path, true);

    const writes = await writeUntil('budget', 'big', () => subscribers() <= before + 1);
    await eventually('all three stalled watchers are expired', () => subscribers() === before + 1, 20_000);
    expect(await metric('apiserver_terminated_watchers_total{resource="configmaps",reason="memory-budget"}')).toBe(3);
    expect(await metric('apiserver_watch_buffered_bytes')).toBeLessThanOrEqual(BUDGET);

    await eventually(`the reading watcher gets all ${writes} events`, () => fast.lines.length >= writes, 20_000);
    const values = fast.lines.map((l) => (JSON.parse(l) as { object: { data: { v: string } } }).object.data.v);
    expect(values).toEqual(Array.from({ length: writes }, (_, i) => String(i + 1)));
    for (const w of stalled) await expectExpired(w, writes, /more unsent data than its budget/);
    fast.close();
    for (const w of stalled) w.close();
  });
});

test('a burst bigger than the byte bound for a watcher that does not read expires it', { timeout: 60_000 }, async () => {
  await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'burst' } });
  const filler = 'y'.repeat(100 * 1024);
  // The initial ADDED events of a resourceVersion=0 watch are queued in one go:
  // 40 × 100 KB = 4 MB against a 256 KB bound.
  for (let i = 0; i < 40; i++) {
    const r = await apiRequest(s, 'POST', '/api/v1/namespaces/burst/configmaps', { metadata: { name: `cm-${i}` }, data: { filler } });
    expect(r.status).toBe(201);
  }
  const before = subscribers();
  const gaugeBefore = await openWatchesGauge();
  const w = await openRawWatch('/api/v1/namespaces/burst/configmaps?watch=true&resourceVersion=0', false);
  await eventually('the server ends the watch', async () => (await openWatchesGauge()) === gaugeBefore && subscribers() === before, 20_000);
  w.resume();
  await w.ended;
  // Whatever arrived is whole lines of ADDED events, fewer than all 40, then the 410.
  const evs = w.lines.map((l) => JSON.parse(l) as { type: string; object: { code?: number; message?: string } });
  expect(evs.slice(0, -1).every((e) => e.type === 'ADDED')).toBe(true);
  expect(evs.length - 1).toBeLessThan(40);
  expect(evs.at(-1)).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  expect(evs.at(-1)!.object.message).toMatch(/more than 262144 bytes not taken/);
  w.close();
});
