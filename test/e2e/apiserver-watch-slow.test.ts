// A watcher that stops reading is cut off once its backlog passes the server's bounds,
// while a watcher that reads on the same resource still gets every event, in order: the
// server never buffers without bound for one slow client, and one slow client does not
// hold up the others. Real etcd, real sockets (the slow reader pauses its socket).

import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import type { EtcdStorage } from '../../apiserver/storage/index.js';

let s: TestApiServer;
const MAX_QUEUE = 20;
const MAX_BYTES = 256 * 1024;

beforeAll(async () => {
  s = await startTestApiServer({ storage: { watch: { maxQueue: MAX_QUEUE } }, server: { watchMaxBufferedBytes: MAX_BYTES } });
});
afterAll(async () => {
  await s?.stop();
});

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
const openWatchesGauge = async () => {
  const text = (await apiRequest(s, 'GET', '/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith('apiserver_open_watches{resource="configmaps"}'));
  return line ? Number(line.split(' ')[1]) : 0;
};
async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a watcher that stops reading is dropped with 410 past its queue bound; a reading watcher misses nothing', { timeout: 120_000 }, async () => {
  await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'slow' } });
  const created = await apiRequest(s, 'POST', '/api/v1/namespaces/slow/configmaps', { metadata: { name: 'big' }, data: { v: '0' } });
  expect(created.status).toBe(201);
  const path = `/api/v1/namespaces/slow/configmaps?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`;
  const before = subscribers();
  const slow = await openRawWatch(path, false);
  const fast = await openRawWatch(path, true);
  expect(subscribers()).toBe(before + 2);

  // ~100 KB per event: the loopback buffers take a few MB, then the server stops writing
  // to the slow watcher, its queue grows past MAX_QUEUE and it is dropped.
  const filler = 'x'.repeat(100 * 1024);
  let writes = 0;
  for (; writes < 1000 && subscribers() > before + 1; writes++) {
    const r = await apiRequest(s, 'PUT', '/api/v1/namespaces/slow/configmaps/big', { metadata: { name: 'big' }, data: { v: String(writes + 1), filler } });
    expect(r.status).toBe(200);
  }
  await until(() => subscribers() === before + 1, 'the slow watcher is dropped');
  expect(writes).toBeGreaterThan(MAX_QUEUE);

  // The reading watcher got every write, in order, and is still subscribed.
  await until(() => fast.lines.length >= writes, `the fast watcher gets all ${writes} events`);
  const values = fast.lines.map((l) => (JSON.parse(l) as { object: { data: { v: string } } }).object.data.v);
  expect(values).toEqual(Array.from({ length: writes }, (_, i) => String(i + 1)));

  // Reading again, the slow watcher finds an in-order prefix, then a 410 Expired ERROR
  // (its cue to relist), then the end of the stream.
  slow.resume();
  await slow.ended;
  const evs = slow.lines.map((l) => JSON.parse(l) as { type: string; object: { code?: number; reason?: string; data?: { v: string } } });
  const last = evs[evs.length - 1]!;
  expect(last.type).toBe('ERROR');
  expect(last.object).toMatchObject({ code: 410, reason: 'Expired' });
  const got = evs.slice(0, -1).map((e) => e.object.data!.v);
  expect(got).toEqual(Array.from({ length: got.length }, (_, i) => String(i + 1)));
  expect(got.length).toBeLessThan(writes);
  await until(async () => (await openWatchesGauge()) === 1, 'the open-watches gauge counts only the fast watcher');
  fast.close();
  slow.close();
});

test('a burst bigger than the byte bound for a watcher that does not read cuts its connection', { timeout: 60_000 }, async () => {
  await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'burst' } });
  const filler = 'y'.repeat(100 * 1024);
  // The initial ADDED events of a resourceVersion=0 watch are written in one go:
  // 40 × 100 KB = 4 MB against a 256 KB bound.
  for (let i = 0; i < 40; i++) {
    const r = await apiRequest(s, 'POST', '/api/v1/namespaces/burst/configmaps', { metadata: { name: `cm-${i}` }, data: { filler } });
    expect(r.status).toBe(201);
  }
  const before = subscribers();
  const gaugeBefore = await openWatchesGauge();
  const w = await openRawWatch('/api/v1/namespaces/burst/configmaps?watch=true&resourceVersion=0', false);
  await until(async () => (await openWatchesGauge()) === gaugeBefore && subscribers() === before, 'the server closes the watch');
  w.resume();
  await w.ended;
  // Whatever arrived is whole lines of ADDED events, fewer than all 40.
  const types = w.lines.map((l) => (JSON.parse(l) as { type: string }).type);
  expect(types.every((t) => t === 'ADDED')).toBe(true);
  expect(types.length).toBeLessThan(40);
  w.close();
});
