// Several events at one revision: an etcd transaction over several keys, or a lease
// expiring and deleting every key attached to it (Events share leases). Every watcher
// gets all of them, live, from the ring and on its own catch-up watch; only the first
// used to get through (the others were taken for repeats of the same revision).

import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import type { StorageEvent } from './types.js';
import { eventually } from '../../test/helpers/eventually.js';

let etcd: TestEtcd;
let raw: Etcd3;
let s: EtcdStorage;
let tiny: EtcdStorage;

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
  s = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/shared/registry' });
  // A ring of 2 events, so a watcher from before the transaction needs its own etcd watch.
  tiny = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/shared/registry', watch: { bufferSize: 2 } });
});

afterAll(async () => {
  await s?.close();
  await tiny?.close();
  raw?.close();
  await etcd?.stop();
});

test('every event of a multi-key transaction reaches live, ring and catch-up watchers', async () => {
  const start = await s.currentRevision();
  const live: StorageEvent[] = [];
  s.watch('/registry/configmaps/', start, { onEvent: (ev) => void live.push(ev), onError: () => undefined });
  const tinyLive: StorageEvent[] = [];
  tiny.watch('/registry/configmaps/', start, { onEvent: (ev) => void tinyLive.push(ev), onError: () => undefined });
  const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } });
  const put = (name: string) => raw.put(`/shared/registry/configmaps/default/${name}`).value(cm(name));
  await put('before');
  const txn = await raw.if('/shared/registry/configmaps/default/x', 'Version', '==', 0).then(put('x'), put('y'), put('z')).commit();
  const rev = Number(txn.header.revision);
  await eventually('the live watcher', () => live.length === 4, 10_000);
  expect(live.map((e) => [e.object.metadata.name, e.revision])).toEqual([['before', rev - 1], ['x', rev], ['y', rev], ['z', rev]]);

  await eventually('the live watcher with a small ring', () => tinyLive.length === 4, 10_000);

  // From the revision before the transaction: from the ring of `s`, and from a dedicated
  // etcd watch on `tiny` (its ring of 2 no longer holds all 3).
  for (const [store, how] of [[s, 'ring'], [tiny, 'dedicated']] as const) {
    const got: StorageEvent[] = [];
    const w = store.watch('/registry/configmaps/', rev - 1, { onEvent: (ev) => void got.push(ev), onError: () => undefined });
    await eventually(`the ${how} watcher`, () => got.length === 3, 10_000);
    expect(got.map((e) => e.object.metadata.name)).toEqual(['x', 'y', 'z']);
    w.close();
  }
  expect(tiny.watchStats().dedicated).toBe(0); // handed over, closed
  // After the transaction: nothing of it again.
  const after: StorageEvent[] = [];
  s.watch('/registry/configmaps/', rev, { onEvent: (ev) => void after.push(ev), onError: () => undefined });
  await put('later');
  await eventually('the watcher from the transaction', () => after.length === 1, 10_000);
  expect(after[0]!.object.metadata.name).toBe('later');
});
