// Watch fan-out against a real etcd: exactness (every event after the start revision,
// in order, once), sharing, compaction, slow watchers, progress and etcd outages.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage, type EtcdStorageOptions } from './etcd-storage.js';
import type { StorageEvent, StorageWatcher } from './types.js';
import { Etcd3 } from 'etcd3';
import { eventually } from '../../test/helpers/eventually.js';

let etcd: TestEtcd;
let tenant = 0;

async function newStorage(extra: Partial<EtcdStorageOptions> = {}): Promise<EtcdStorage> {
  tenant++;
  return createEtcdStorage({ endpoints: [etcd.endpoint], prefix: `/w${tenant}/registry`, ...extra });
}

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await etcd?.stop();
});

interface Collector {
  from: number;
  events: StorageEvent[];
  errors: Error[];
  progress: { rev: number; received: number }[];
  watcher: StorageWatcher;
  closed: boolean;
}

function collect(s: EtcdStorage, prefix: string, from: number, opts: { progress?: boolean; onEvent?: (ev: StorageEvent) => unknown } = {}): Collector {
  const c: Collector = { from, events: [], errors: [], progress: [], watcher: undefined as unknown as StorageWatcher, closed: false };
  c.watcher = s.watch(prefix, from, {
    onEvent: (ev) => {
      c.events.push(ev);
      return opts.onEvent?.(ev) as void;
    },
    onError: (err) => {
      c.errors.push(err);
    },
    ...(opts.progress ? { onProgress: (rev: number) => c.progress.push({ rev, received: c.events.length }) } : {}),
  });
  return c;
}

function cm(name: string, n: number): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: String(n) } };
}

/** What a watcher must see: one record per write, in revision order. */
interface Write {
  rev: number;
  type: StorageEvent['type'];
  name: string;
}

function expectedAfter(writes: Write[], from: number): Write[] {
  return writes.filter((w) => w.rev > from).sort((a, b) => a.rev - b.rev);
}

function checkExact(c: Collector, writes: Write[], complete: boolean): void {
  const exp = expectedAfter(writes, c.from);
  const got = c.events.map((e) => ({ rev: e.revision, type: e.type, name: e.object.metadata.name! }));
  for (let i = 1; i < got.length; i++) expect(got[i]!.rev).toBeGreaterThan(got[i - 1]!.rev);
  // A closed watcher saw a prefix of the history (no gap, no duplicate); an open one all of it.
  expect(got).toEqual(complete ? exp : exp.slice(0, got.length));
  for (const e of c.events) expect(e.object.metadata.resourceVersion).toBe(String(e.revision));
}

describe('watch events', () => {
  test('ADDED / MODIFIED / DELETED carry object, prevObject and revisions like Kubernetes', async () => {
    const s = await newStorage();
    try {
      const c = collect(s, '/registry/configmaps/', await s.currentRevision());
      const a = await s.create('/registry/configmaps/default/a', cm('a', 1));
      const b = await s.guaranteedUpdate('/registry/configmaps/default/a', (cur) => ({ ...cur!, data: { n: '2' } }));
      const d = await s.delete('/registry/configmaps/default/a');
      await s.create('/registry/configmapsX/default/other', cm('other', 1)); // not under the prefix
      await eventually('3 events', () => c.events.length >= 3, 30_000);
      expect(c.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
      expect(c.events[0]!.object).toEqual(a);
      expect(c.events[0]!.prevObject).toBeUndefined();
      expect(c.events[1]!.object).toEqual(b.object);
      expect(c.events[1]!.prevObject).toEqual(a);
      expect(c.events[2]!.object).toEqual(d); // last state, resourceVersion = delete revision
      expect(c.events[2]!.revision).toBe(Number(d!.metadata.resourceVersion));
      expect(c.events[2]!.prevObject).toEqual(b.object);
      // Events arrive in revision order: once a later write under the prefix is seen, the
      // write outside it (an earlier revision) would have been delivered before it.
      await s.create('/registry/configmaps/default/marker', cm('marker', 1));
      await eventually('the marker', () => c.events.some((e) => e.keyInPrefix === 'default/marker'), 30_000);
      expect(c.events.map((e) => `${e.type} ${e.keyInPrefix}`)).toEqual(['ADDED default/a', 'MODIFIED default/a', 'DELETED default/a', 'ADDED default/marker']);
      expect(c.errors).toEqual([]);
      c.watcher.close();
    } finally {
      await s.close();
    }
  });

  test('events carry their key below the prefix and their JSON bytes, equal to the decoded object; undecodable values are skipped', async () => {
    const s = await newStorage();
    const raw = new Etcd3({ hosts: etcd.endpoint });
    try {
      const c = collect(s, '/registry/configmaps/', await s.currentRevision());
      await s.create('/registry/configmaps/default/a', cm('a', 1));
      await s.guaranteedUpdate('/registry/configmaps/default/a', (cur) => ({ ...cur!, data: { n: 'naïve ✓' } }));
      // Written by someone else: no metadata (the byte path declines, decoded instead), then not JSON at all.
      await raw.put(`/w${tenant}/registry/configmaps/kube-system/odd`).value('{"kind":"X"}');
      await raw.put(`/w${tenant}/registry/configmaps/kube-system/junk`).value('not json');
      await s.delete('/registry/configmaps/default/a');
      // A later write, seen last: everything before it (the junk value included) was
      // delivered or skipped by then, in revision order.
      await s.create('/registry/configmaps/default/marker', cm('marker', 1));
      await eventually('the marker', () => c.events.some((e) => e.keyInPrefix === 'default/marker'), 30_000);
      expect(c.events.map((e) => `${e.type} ${e.keyInPrefix}`)).toEqual(['ADDED default/a', 'MODIFIED default/a', 'ADDED kube-system/odd', 'DELETED default/a', 'ADDED default/marker']);
      // The byte path serves what the store wrote; the odd value is left to stringify.
      expect(c.events.map((e) => e.objectJson !== undefined)).toEqual([true, true, false, true, true]);
      for (const e of c.events) {
        if (e.objectJson) expect(Buffer.concat(e.objectJson()).toString('utf8')).toBe(JSON.stringify(e.object));
        expect(e.object.metadata.resourceVersion).toBe(String(e.revision));
      }
      expect(c.events[1]!.object.data).toEqual({ n: 'naïve ✓' });
      c.watcher.close();
    } finally {
      raw.close();
      await s.close();
    }
  });

  test('from 0 means from now; one etcd watch per prefix, shared and reference-counted', async () => {
    const s = await newStorage();
    try {
      await s.create('/registry/configmaps/default/old', cm('old', 1));
      const cs = Array.from({ length: 5 }, () => collect(s, '/registry/configmaps/', 0));
      const other = collect(s, '/registry/secrets/', 0);
      expect(s.watchStats()).toEqual({ feeds: 2, subscribers: 6, dedicated: 0 });
      await new Promise((r) => setTimeout(r, 300));
      const x = await s.create('/registry/configmaps/default/x', cm('x', 1));
      await eventually('all 5 see x', () => cs.every((c) => c.events.length === 1), 30_000);
      for (const c of cs) expect(c.events[0]!.object).toEqual(x);
      expect(other.events).toEqual([]);
      for (const c of cs) c.watcher.close();
      expect(s.watchStats()).toEqual({ feeds: 1, subscribers: 1, dedicated: 0 });
      other.watcher.close();
      expect(s.watchStats()).toEqual({ feeds: 0, subscribers: 0, dedicated: 0 });
      // Closing twice is harmless.
      other.watcher.close();
    } finally {
      await s.close();
    }
  });
  test('a from-now watcher joining a feed that starts in the past gets only later events', async () => {
    const s = await newStorage();
    try {
      const r1 = await s.currentRevision();
      await s.create('/registry/configmaps/default/before', cm('before', 1));
      const old = collect(s, '/registry/configmaps/', r1); // starts the feed at r1
      const fresh = collect(s, '/registry/configmaps/', 0); // joins while it starts
      await eventually('old sees before', () => old.events.length === 1, 30_000);
      await new Promise((r) => setTimeout(r, 200));
      const after = await s.create('/registry/configmaps/default/after', cm('after', 1));
      await eventually('both see after', () => old.events.length === 2 && fresh.events.length === 1, 30_000);
      expect(fresh.events[0]!.object).toEqual(after);
      expect(s.watchStats().dedicated).toBe(0);
      old.watcher.close();
      fresh.watcher.close();
    } finally {
      await s.close();
    }
  });
});

describe('watch exactness', () => {
  test('3,000 writes while watchers come, go and resume from random revisions: nothing missing, nothing twice', async () => {
    // A small ring so that many watchers start before it and take the dedicated + handover path.
    const s = await newStorage({ watch: { bufferSize: 200 } });
    try {
      const prefix = '/registry/configmaps/';
      const start = await s.currentRevision();
      const writes: Write[] = [];
      const live = new Map<string, number>(); // name → n
      const names = Array.from({ length: 15 }, (_, i) => `k${i}`);
      const open: Collector[] = [];
      const done: Collector[] = [];
      open.push(collect(s, prefix, start));

      let stop = false;
      let maxDedicated = 0;
      const chaos = (async () => {
        let i = 0;
        while (!stop) {
          await new Promise((r) => setTimeout(r, 15));
          i++;
          maxDedicated = Math.max(maxDedicated, s.watchStats().dedicated);
          const known = writes.length > 0 ? Math.max(...writes.slice(-50).map((w) => w.rev)) : start;
          if (open.length < 12) {
            // Start from a random revision of the past (possibly older than the ring).
            const from = start + Math.floor(Math.random() * (known - start + 1));
            open.push(collect(s, prefix, from));
          }
          if (i % 3 === 0 && open.length > 2) {
            const idx = 1 + Math.floor(Math.random() * (open.length - 1));
            const c = open.splice(idx, 1)[0]!;
            c.watcher.close();
            c.closed = true;
            done.push(c);
            // Resume where it stopped, like an informer reconnecting.
            const resumeFrom = c.events.length > 0 ? c.events[c.events.length - 1]!.revision : c.from;
            if (Math.random() < 0.7) open.push(collect(s, prefix, resumeFrom));
          }
        }
      })();

      // Eight concurrent writers, each owning its own keys (so its creates/deletes never race).
      const perWriter = 8;
      const writerFor = async (w: number) => {
        const mine = names.filter((_, i) => i % perWriter === w);
        for (let i = 0; i < 375; i++) {
          const name = mine[i % mine.length]!;
          const key = `/registry/configmaps/default/${name}`;
          if (!live.has(name)) {
            live.set(name, 0);
            const o = await s.create(key, cm(name, 0));
            writes.push({ rev: Number(o.metadata.resourceVersion), type: 'ADDED', name });
          } else if (i % 11 === 10) {
            live.delete(name);
            const o = await s.delete(key);
            if (!o) throw new Error(`lost ${name}`);
            writes.push({ rev: Number(o.metadata.resourceVersion), type: 'DELETED', name });
          } else {
            const r = await s.guaranteedUpdate(key, (cur) => ({ ...cur!, data: { n: String(Number((cur!.data as { n: string }).n) + 1) } }));
            expect(r.changed).toBe(true);
            writes.push({ rev: Number(r.object!.metadata.resourceVersion), type: 'MODIFIED', name });
          }
        }
      };
      await Promise.all(Array.from({ length: perWriter }, (_, w) => writerFor(w)));
      stop = true;
      await chaos;
      expect(writes).toHaveLength(3000);
      const final = Math.max(...writes.map((w) => w.rev));

      await eventually('open watchers to catch up', () => open.every((c) => c.errors.length > 0 || (c.events.length > 0 ? c.events[c.events.length - 1]!.revision : c.from) >= final), 120_000);
      for (const c of open) {
        expect(c.errors).toEqual([]);
        checkExact(c, writes, true);
      }
      for (const c of done) {
        expect(c.errors).toEqual([]);
        checkExact(c, writes, false);
      }
      expect(open.length + done.length).toBeGreaterThan(20);
      expect(maxDedicated).toBeGreaterThan(0); // the catch-up + handover path was exercised
      for (const c of open) c.watcher.close();
      await eventually('feeds closed', () => s.watchStats().feeds === 0, 5000);
    } finally {
      await s.close();
    }
  }, 240_000);

  test('a watcher older than the ring gets its own etcd watch, then is handed over to the shared one', async () => {
    const s = await newStorage({ watch: { bufferSize: 20 } });
    try {
      const prefix = '/registry/configmaps/';
      const start = await s.currentRevision();
      const writes: Write[] = [];
      const a = collect(s, prefix, start);
      for (let i = 0; i < 100; i++) {
        const o = await s.create(`/registry/configmaps/default/c${i}`, cm(`c${i}`, i));
        writes.push({ rev: Number(o.metadata.resourceVersion), type: 'ADDED', name: `c${i}` });
      }
      await eventually('a caught up', () => a.events.length === 100, 30_000);
      const b = collect(s, prefix, start + 10);
      // Attached synchronously: older than the ring, so on its own etcd watch for now.
      expect(s.watchStats().dedicated).toBe(1);
      for (let i = 0; i < 50; i++) {
        const r = await s.guaranteedUpdate(`/registry/configmaps/default/c${i}`, (cur) => ({ ...cur!, data: { n: 'x' } }));
        writes.push({ rev: Number(r.object!.metadata.resourceVersion), type: 'MODIFIED', name: `c${i}` });
      }
      await eventually('b caught up', () => b.events.length === expectedAfter(writes, b.from).length, 30_000);
      await eventually('handover', () => s.watchStats().dedicated === 0, 10_000);
      for (let i = 50; i < 60; i++) {
        const r = await s.guaranteedUpdate(`/registry/configmaps/default/c${i}`, (cur) => ({ ...cur!, data: { n: 'y' } }));
        writes.push({ rev: Number(r.object!.metadata.resourceVersion), type: 'MODIFIED', name: `c${i}` });
      }
      await eventually('both caught up', () => a.events.length === 160 && b.events.length === expectedAfter(writes, b.from).length, 30_000);
      checkExact(a, writes, true);
      checkExact(b, writes, true);
      expect(s.watchStats()).toEqual({ feeds: 1, subscribers: 2, dedicated: 0 });
      a.watcher.close();
      b.watcher.close();
    } finally {
      await s.close();
    }
  });
});

describe('watch failures', () => {
  test('a compacted start revision is 410 Expired, for a new feed and for a dedicated watcher', async () => {
    const s = await newStorage({ watch: { bufferSize: 5 } });
    try {
      const start = await s.currentRevision();
      for (let i = 0; i < 10; i++) await s.create(`/registry/configmaps/default/c${i}`, cm(`c${i}`, i));
      await s.compact(await s.currentRevision());
      // New feed, started at a compacted revision.
      const c1 = collect(s, '/registry/configmaps/', start);
      await eventually('410', () => c1.errors.length > 0, 30_000);
      expect(c1.errors[0]).toBeInstanceOf(ApiError);
      expect((c1.errors[0] as ApiError).code).toBe(410);
      expect((c1.errors[0] as ApiError).reason).toBe('Expired');
      expect(c1.errors[0]!.message).toMatch(/^too old resource version: \d+/);
      expect(c1.events).toEqual([]);
      // An existing healthy feed, and a newcomer from before the compaction.
      const live = collect(s, '/registry/configmaps/', 0);
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 10; i < 20; i++) await s.create(`/registry/configmaps/default/c${i}`, cm(`c${i}`, i));
      const c2 = collect(s, '/registry/configmaps/', start + 1);
      await eventually('410 for c2', () => c2.errors.length > 0, 30_000);
      expect((c2.errors[0] as ApiError).code).toBe(410);
      await s.create('/registry/configmaps/default/after', cm('after', 1));
      await eventually('live sees 11', () => live.events.length === 11, 30_000);
      expect(live.errors).toEqual([]);
      live.watcher.close();
      await eventually('cleanup', () => s.watchStats().feeds === 0, 5000);
    } finally {
      await s.close();
    }
  });

  test('a slow watcher is dropped with 410 once its queue is full; others are unaffected', async () => {
    const s = await newStorage({ watch: { maxQueue: 50 } });
    try {
      const from = await s.currentRevision();
      // onEvent returns a promise that never settles: the consumer is stuck.
      const slow = collect(s, '/registry/configmaps/', from, { onEvent: () => new Promise(() => undefined) });
      const fast = collect(s, '/registry/configmaps/', from);
      // Keep writing until the stuck watcher is cut off (its backlog passes 50 events).
      let n = 0;
      while (n < 120 || (slow.errors.length === 0 && n < 2000)) {
        await s.create(`/registry/configmaps/default/c${n}`, cm(`c${n}`, n));
        n++;
      }
      await eventually('slow dropped', () => slow.errors.length > 0, 30_000);
      expect((slow.errors[0] as ApiError).code).toBe(410);
      expect(slow.errors[0]!.message).toBe('watcher too slow, relist');
      // At most the one it is stuck on (etcd may batch more than maxQueue events into one
      // response, and then it is dropped before the first delivery).
      expect(slow.events.length).toBeLessThanOrEqual(1);
      await eventually('fast got all', () => fast.events.length === n, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}: fast has ${fast.events.length} events, errors ${fast.errors.map((e) => e.message).join()}, stats ${JSON.stringify(s.watchStats())}`);
      });
      expect(fast.errors).toEqual([]);
      expect(s.watchStats().subscribers).toBe(1);
      fast.watcher.close();
    } finally {
      await s.close();
    }
  });

  test('a watcher whose handler applies backpressure (promise) is paused, not dropped, under its limit', async () => {
    const s = await newStorage({ watch: { maxQueue: 1000 } });
    try {
      const from = await s.currentRevision();
      let inFlight = 0;
      let maxInFlight = 0;
      const c = collect(s, '/registry/configmaps/', from, {
        onEvent: async () => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await new Promise((r) => setTimeout(r, 2));
          inFlight--;
        },
      });
      for (let i = 0; i < 100; i++) await s.create(`/registry/configmaps/default/c${i}`, cm(`c${i}`, i));
      await eventually('all delivered', () => c.events.length === 100, 30_000);
      expect(maxInFlight).toBe(1);
      expect(c.errors).toEqual([]);
      c.watcher.close();
    } finally {
      await s.close();
    }
  });

  test('progress (bookmark) revisions never run ahead of an undelivered event', async () => {
    const s = await newStorage({ watch: { progressIntervalMs: 50 } });
    try {
      const from = await s.currentRevision();
      const c = collect(s, '/registry/configmaps/', from, { progress: true });
      const d = collect(s, '/registry/configmaps/', from, { progress: true, onEvent: () => new Promise((r) => setTimeout(r, 1)) });
      const writes: Write[] = [];
      for (let burst = 0; burst < 5; burst++) {
        for (let i = 0; i < 20; i++) {
          const o = await s.create(`/registry/configmaps/default/b${burst}-${i}`, cm(`b${burst}-${i}`, i));
          writes.push({ rev: Number(o.metadata.resourceVersion), type: 'ADDED', name: o.metadata.name! });
        }
        // Writes elsewhere move the global revision but not this prefix.
        await s.create(`/registry/secrets/default/s${burst}`, cm(`s${burst}`, 1));
        await new Promise((r) => setTimeout(r, 150));
      }
      const last = Math.max(...writes.map((w) => w.rev));
      await eventually('progress at the last event', () => c.progress.some((p) => p.rev >= last) && d.progress.some((p) => p.rev >= last), 30_000);
      for (const col of [c, d]) {
        expect(col.progress.length).toBeGreaterThan(3);
        for (const p of col.progress) {
          // Everything up to p.rev had been delivered when progress was reported.
          expect(p.received).toBeGreaterThanOrEqual(expectedAfter(writes, from).filter((w) => w.rev <= p.rev).length);
        }
        checkExact(col, writes, true);
        col.watcher.close();
      }
    } finally {
      await s.close();
    }
  });

  test('etcd outage in the middle of a history replay: the watch resumes after the last delivered event', async () => {
    // etcd replays old history in batches; etcd3 on its own would resume after the
    // *header* revision (the store's current one) and silently skip the rest.
    const s = await newStorage({ requestTimeoutMs: 2000 });
    try {
      const start = await s.currentRevision();
      const writes: Write[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; i < 400; i++) {
            const name = `w${w}-${i}`;
            const o = await s.create(`/registry/configmaps/default/${name}`, { ...cm(name, i), pad: 'x'.repeat(200) });
            writes.push({ rev: Number(o.metadata.resourceVersion), type: 'ADDED', name });
          }
        }),
      );
      const c = collect(s, '/registry/configmaps/', start);
      await eventually('replay started', () => c.events.length > 0, 30_000);
      const atPause = c.events.length;
      await etcd.pause();
      await new Promise((r) => setTimeout(r, 500));
      await etcd.resume();
      const final = Math.max(...writes.map((w) => w.rev));
      await eventually('replay finished', () => c.events.at(-1)!.revision >= final || c.errors.length > 0, 120_000);
      // A duplicate or late event would arrive before one for a later write: wait for that.
      const marker = await s.create('/registry/configmaps/default/marker', cm('marker', 0));
      writes.push({ rev: Number(marker.metadata.resourceVersion), type: 'ADDED', name: 'marker' });
      await eventually('the marker after the replay', () => c.events.some((e) => e.object.metadata.name === 'marker') || c.errors.length > 0, 60_000);
      expect(atPause).toBeLessThan(writes.length - 1); // the outage did interrupt the replay
      expect(c.errors).toEqual([]);
      checkExact(c, writes, true);
      c.watcher.close();
    } finally {
      await s.close();
    }
  }, 240_000);

  test('watching while etcd is down: "from now" is 503; from a revision waits and then delivers', async () => {
    const s = await newStorage({ requestTimeoutMs: 1500 });
    try {
      const from = await s.currentRevision();
      await etcd.pause();
      let a: Collector;
      let b: Collector;
      try {
        a = collect(s, '/registry/configmaps/', 0);
        b = collect(s, '/registry/configmaps/', from);
        await eventually('503 for the from-now watcher', () => a.errors.length > 0, 15_000);
        expect((a.errors[0] as ApiError).code).toBe(503);
        expect(b.errors).toEqual([]);
      } finally {
        await etcd.resume();
      }
      const created = await eventually('a create to succeed once etcd is back', () => s.create('/registry/configmaps/default/later', cm('later', 1)), 20_000, 200);
      await eventually('b gets the event', () => b.events.length === 1, 30_000);
      expect(b.events[0]!.object).toEqual(created);
      expect(b.errors).toEqual([]);
      b.watcher.close();
    } finally {
      await s.close();
    }
  });

  test('a watcher from a far-future revision does not push others onto dedicated watches', async () => {
    const s = await newStorage();
    try {
      const now = await s.currentRevision();
      const future = collect(s, '/registry/configmaps/', now + 1_000_000);
      await new Promise((r) => setTimeout(r, 200));
      const normal = collect(s, '/registry/configmaps/', now);
      expect(s.watchStats()).toEqual({ feeds: 1, subscribers: 2, dedicated: 0 });
      await s.create('/registry/configmaps/default/x', cm('x', 1));
      await eventually('normal sees x', () => normal.events.length === 1, 30_000);
      expect(future.events).toEqual([]);
      future.watcher.close();
      normal.watcher.close();
    } finally {
      await s.close();
    }
  });

  test('closing the storage ends every watcher with 503 and cancels the etcd watches', async () => {
    const s = await newStorage();
    const a = collect(s, '/registry/configmaps/', 0);
    const b = collect(s, '/registry/secrets/', 0);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.watchStats().feeds).toBe(2);
    await s.close();
    await eventually('errors', () => a.errors.length === 1 && b.errors.length === 1, 5000);
    expect((a.errors[0] as ApiError).code).toBe(503);
    expect(s.watchStats()).toEqual({ feeds: 0, subscribers: 0, dedicated: 0 });
    const late = collect(s, '/registry/configmaps/', 0);
    await eventually('late error', () => late.errors.length === 1, 5000);
    expect((late.errors[0] as ApiError).code).toBe(503);
    expect((await s.get('/registry/configmaps/default/x').catch((e: ApiError) => e)) as ApiError).toMatchObject({ code: 503 });
  });

  test('etcd outage: watchers resume exactly where they were when etcd returns', async () => {
    const s = await newStorage({ watch: { bufferSize: 10 }, requestTimeoutMs: 2000 });
    try {
      const start = await s.currentRevision();
      const writes: Write[] = [];
      const write = async (name: string) => {
        const o = await s.create(`/registry/configmaps/default/${name}`, cm(name, 1));
        writes.push({ rev: Number(o.metadata.resourceVersion), type: 'ADDED', name });
      };
      const a = collect(s, '/registry/configmaps/', start);
      for (let i = 0; i < 30; i++) await write(`before${i}`);
      await eventually('a caught up', () => a.events.length === 30, 30_000);
      const b = collect(s, '/registry/configmaps/', start + 2); // older than the ring: dedicated
      await eventually('b caught up', () => b.events.length === 28, 30_000);
      await etcd.pause();
      await new Promise((r) => setTimeout(r, 1500));
      await etcd.resume();
      const deadline = Date.now() + 20_000;
      for (let i = 0; i < 30; ) {
        try {
          await write(`after${i}`);
          i++;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      const c = collect(s, '/registry/configmaps/', start + 40);
      await eventually('all caught up after the outage', () => a.events.length === 60 && b.events.length === 58 && c.events.length === expectedAfter(writes, c.from).length, 30_000);
      for (const col of [a, b, c]) {
        expect(col.errors).toEqual([]);
        checkExact(col, writes, true);
        col.watcher.close();
      }
    } finally {
      await s.close();
    }
  });
});
