// Regression: an apiserver starting while clients reconnect watches at compacted
// resourceVersions died with an uncaught `ClientRuntimeError: Failed to find watcher for
// IWatchResponse` from etcd3's WatchManager. The race (etcd3 1.1.2, lib/watch.js): we
// cancel an etcd watch (its client went away, or its feed ended) while etcd is already
// sending the compaction cancel for it. etcd answers both: the library forgets the
// watcher on the first answer and throws on the second, inside the gRPC stream's 'data'
// handler. grpc-js calls that handler inside a promise callback, so it surfaces as an
// unhandled rejection, which Node turns into a crash. The stream must stay up (another watch keeps it
// open, as the namespace cache does in a real apiserver) for the second answer to arrive.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { silentLogger } from '../../foundation/logger.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import type { StorageEvent } from './types.js';
import { eventually } from '../../test/helpers/eventually.js';

let etcd: TestEtcd;
let seed: EtcdStorage;
let compactedAt = 0;

beforeAll(async () => {
  etcd = await startEtcd();
  seed = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/race/registry' });
  for (let i = 0; i < 60; i++) await seed.create(`/registry/pods/default/p${i}`, pod(`p${i}`));
  compactedAt = await seed.currentRevision();
  await seed.compact(compactedAt);
});

afterAll(async () => {
  await seed?.close();
  await etcd?.stop();
});

function pod(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' } };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('watches at compacted revisions opened and abandoned while the etcd watch stream connects never crash the process', async () => {
  const uncaught: Error[] = [];
  const onUncaught = (err: unknown) => void uncaught.push(err as Error);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  let contained = 0;
  try {
    for (let round = 0; round < 12; round++) {
      // A fresh client per round: a restarted apiserver, its watch stream not yet open.
      const s = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/race/registry', logger: silentLogger() });
      try {
        // A healthy watch on another resource keeps the shared gRPC stream open and must
        // receive every event, in order, whatever happens to the other watches.
        const from = await s.currentRevision();
        const healthy: StorageEvent[] = [];
        const healthyErrors: Error[] = [];
        const keep = s.watch('/registry/configmaps/', from, { onEvent: (ev) => void healthy.push(ev), onError: (e) => void healthyErrors.push(e) });
        // The first stale watch starts the pods feed at a compacted revision; the next
        // ones are older still, so each gets its own etcd watch (dedicated, catching up).
        const expired: Error[][] = [];
        const stale = (rev: number) => {
          const errs: Error[] = [];
          expired.push(errs);
          return s.watch('/registry/pods/', rev, { onEvent: () => undefined, onError: (e) => void errs.push(e) });
        };
        stale(compactedAt - 2);
        await sleep(2);
        const abandoned: (() => void)[] = [];
        for (let i = 0; i < 24; i++) {
          const w = stale(1 + ((i * 7 + round) % (compactedAt - 3)));
          // Half of the clients give up (disconnect) at some point while etcd decides.
          if (i % 2 === 1) abandoned.push(() => w.close());
        }
        const writes = (async () => {
          for (let i = 0; i < 10; i++) await s.create(`/registry/configmaps/default/r${round}-${i}`, pod(`r${round}-${i}`));
        })();
        for (const [i, close] of abandoned.entries()) setTimeout(close, (i * 13 + round * 5) % 150);
        await writes;
        // Every stale watch that was not abandoned ends with 410 Expired.
        const kept = expired.filter((_, i) => i === 0 || (i - 1) % 2 === 0);
        await eventually('410 for every stale watch', () => kept.every((errs) => errs.length > 0), 20_000);
        for (const errs of kept) expect((errs[0] as { code?: number }).code).toBe(410);
        expect(uncaught.map((e) => e.message)).toEqual([]);
        await eventually('the healthy watch to see all 10 writes', () => healthy.length >= 10 || healthyErrors.length > 0, 20_000);
        expect(healthyErrors).toEqual([]);
        expect(healthy.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: 10 }, (_, i) => `r${round}-${i}`));
        keep.close();
        await sleep(200); // let late answers for cancelled watches arrive while the stream is up
        contained += s.containedWatchErrors();
      } finally {
        await s.close();
      }
      expect(uncaught.map((e) => e.message)).toEqual([]);
    }
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  // The race really happened (and was contained) in these rounds: this test exercises it.
  expect(contained).toBeGreaterThan(0);
}, 120_000);

test('a stale watch that starts a feed does not make the current watchers that joined it relist', async () => {
  const s = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/race/registry', logger: silentLogger() });
  try {
    const now = await s.currentRevision();
    const staleErrors: Error[] = [];
    const currentErrors: Error[] = [];
    const seen: string[] = [];
    // Same tick: the feed starts at the oldest of the two, which etcd has compacted.
    s.watch('/registry/pods/', compactedAt - 5, { onEvent: () => undefined, onError: (e) => void staleErrors.push(e) });
    s.watch('/registry/pods/', now, { onEvent: (ev) => void seen.push(ev.object.metadata.name!), onError: (e) => void currentErrors.push(e) });
    await eventually('410 for the stale watch', () => staleErrors.length > 0, 20_000);
    expect((staleErrors[0] as { code?: number }).code).toBe(410);
    for (let i = 0; i < 3; i++) await s.create(`/registry/pods/default/after-${i}`, pod(`after-${i}`));
    await eventually('the current watch to see the 3 writes', () => seen.length >= 3 || currentErrors.length > 0, 20_000);
    expect(currentErrors).toEqual([]);
    expect(seen).toEqual(['after-0', 'after-1', 'after-2']);
    expect(s.watchStats()).toMatchObject({ feeds: 1, dedicated: 0 });
  } finally {
    await s.close();
  }
});
