// Unit tests of storage-follower.ts against a scripted Storage (only list and watch are
// used): each list is a promise the test settles, each watch records its handlers. The
// ported caches run over real etcd in the e2e tests (apiserver-rbac-etcd-restart,
// node-authorization, service-account-tokens, apiserver-namespaces).

import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { silentLogger } from '../foundation/logger.js';
import { eventually } from '../test/helpers/eventually.js';
import { StorageFollower, type StorageFollowerOptions } from './storage-follower.js';
import type { ListResult, Storage, StorageEvent, StorageWatchHandlers } from './storage/types.js';

const obj = (name: string, rv: number): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: String(rv) } }) as KubeObject;

interface PendingList {
  prefix: string;
  resolve(r: ListResult): void;
  reject(e: Error): void;
}

interface OpenWatch {
  prefix: string;
  revision: number;
  handlers: StorageWatchHandlers;
  closed: boolean;
}

class ScriptedStorage {
  readonly lists: PendingList[] = [];
  readonly watches: OpenWatch[] = [];
  asStorage(): Storage {
    return {
      list: (prefix: string) => new Promise<ListResult>((resolve, reject) => this.lists.push({ prefix, resolve, reject })),
      watch: (prefix: string, revision: number, handlers: StorageWatchHandlers) => {
        const w: OpenWatch = { prefix, revision, handlers, closed: false };
        this.watches.push(w);
        return { close: () => (w.closed = true) };
      },
    } as unknown as Storage;
  }
  async nextList(n: number): Promise<PendingList> {
    return eventually(`list #${n}`, () => this.lists[n - 1]);
  }
}

function follow(store: ScriptedStorage, extra: Partial<StorageFollowerOptions> = {}) {
  const seen: string[] = [];
  let syncedCalls = 0;
  const f = new StorageFollower({
    storage: store.asStorage(),
    prefix: '/registry/namespaces/',
    logger: silentLogger(),
    name: 'test follower',
    retryDelayMs: 5,
    onList: (items, revision) => seen.push(`list@${revision}:${items.map((i) => i.metadata.name).join(',')}`),
    onEvent: (ev) => seen.push(`${ev.type}:${ev.object.metadata.name}@${ev.revision}`),
    onSynced: () => syncedCalls++,
    ...extra,
  });
  return { f, seen, syncedCalls: () => syncedCalls };
}

const ev = (type: StorageEvent['type'], name: string, revision: number): StorageEvent => ({ type, object: obj(name, revision), revision });

describe('StorageFollower', () => {
  test('lists, then watches from the list revision and hands events on in order; firstSync resolves', async () => {
    const store = new ScriptedStorage();
    const { f, seen, syncedCalls } = follow(store);
    f.start();
    expect(f.synced).toBe(false);
    const l = await store.nextList(1);
    expect(l.prefix).toBe('/registry/namespaces/');
    l.resolve({ items: [obj('a', 3), obj('b', 4)], revision: 7 });
    await f.firstSync;
    expect(f.synced).toBe(true);
    expect(syncedCalls()).toBe(1);
    expect(store.watches).toHaveLength(1);
    expect(store.watches[0]).toMatchObject({ prefix: '/registry/namespaces/', revision: 7 });
    const h = store.watches[0].handlers;
    h.onEvent(ev('ADDED', 'c', 8));
    h.onEvent(ev('MODIFIED', 'a', 9));
    h.onEvent(ev('DELETED', 'b', 10));
    expect(seen).toEqual(['list@7:a,b', 'ADDED:c@8', 'MODIFIED:a@9', 'DELETED:b@10']);
    f.stop();
    expect(store.watches[0].closed).toBe(true);
    expect(f.synced).toBe(false);
  });

  test('a watch error closes the watch and relists after the delay; the old watch is ignored from then on', async () => {
    const store = new ScriptedStorage();
    const { f, seen, syncedCalls } = follow(store);
    f.start();
    (await store.nextList(1)).resolve({ items: [obj('a', 3)], revision: 5 });
    await f.firstSync;
    const first = store.watches[0];
    first.handlers.onError(new Error('compacted'));
    expect(first.closed).toBe(true);
    expect(f.synced).toBe(false);
    // A late event or error from the replaced watch changes nothing.
    first.handlers.onEvent(ev('ADDED', 'late', 6));
    first.handlers.onError(new Error('again'));
    const l2 = await store.nextList(2);
    expect(store.lists).toHaveLength(2);
    l2.resolve({ items: [obj('a', 3), obj('z', 20)], revision: 21 });
    await eventually('synced again', () => f.synced);
    expect(syncedCalls()).toBe(2);
    expect(store.watches).toHaveLength(2);
    expect(store.watches[1].revision).toBe(21);
    expect(seen).toEqual(['list@5:a', 'list@21:a,z']);
    f.stop();
  });

  test('a failed list is retried after the delay', async () => {
    const store = new ScriptedStorage();
    const { f, seen } = follow(store);
    f.start();
    (await store.nextList(1)).reject(new Error('etcd unavailable'));
    const l2 = await store.nextList(2);
    expect(f.synced).toBe(false);
    expect(store.watches).toHaveLength(0);
    l2.resolve({ items: [], revision: 2 });
    await f.firstSync;
    expect(f.synced).toBe(true);
    expect(seen).toEqual(['list@2:']);
    f.stop();
  });

  test('stop during a list: its result is dropped, no watch opens, no retry follows', async () => {
    const store = new ScriptedStorage();
    const { f, seen } = follow(store);
    f.start();
    const l = await store.nextList(1);
    f.stop();
    l.resolve({ items: [obj('a', 1)], revision: 1 });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    expect(store.watches).toHaveLength(0);
    expect(f.synced).toBe(false);
    // A failed list after stop schedules nothing either.
    const store2 = new ScriptedStorage();
    const g = follow(store2);
    g.f.start();
    const m = await store2.nextList(1);
    g.f.stop();
    m.reject(new Error('boom'));
    await new Promise((r) => setTimeout(r, 30));
    expect(store2.lists).toHaveLength(1);
  });

  test('start again while an old list is in flight: only the new round applies', async () => {
    const store = new ScriptedStorage();
    const { f, seen } = follow(store);
    f.start();
    const old = await store.nextList(1);
    f.stop();
    f.start();
    const fresh = await store.nextList(2);
    fresh.resolve({ items: [obj('new', 9)], revision: 9 });
    await f.firstSync;
    old.resolve({ items: [obj('old', 1)], revision: 1 });
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['list@9:new']);
    expect(store.watches).toHaveLength(1);
    f.stop();
  });

  test('keepSyncedWhileRelisting: stays synced through a watch error and a failed relist', async () => {
    const store = new ScriptedStorage();
    const { f } = follow(store, { keepSyncedWhileRelisting: true });
    f.start();
    (await store.nextList(1)).resolve({ items: [], revision: 1 });
    await f.firstSync;
    store.watches[0].handlers.onError(new Error('cut off'));
    expect(f.synced).toBe(true);
    (await store.nextList(2)).reject(new Error('etcd down'));
    const l3 = await store.nextList(3);
    expect(f.synced).toBe(true);
    l3.resolve({ items: [], revision: 4 });
    await eventually('third watch', () => store.watches.length === 2);
    f.stop();
    expect(f.synced).toBe(true);
  });

  test('a watch that fails while being opened is closed and relisted, not reported synced', async () => {
    const store = new ScriptedStorage();
    const storage = store.asStorage();
    let failNext = true;
    const realWatch = storage.watch.bind(storage);
    storage.watch = (prefix, revision, handlers) => {
      const w = realWatch(prefix, revision, handlers);
      if (failNext) {
        failNext = false;
        handlers.onError(new Error('compacted'));
      }
      return w;
    };
    const { f, syncedCalls } = follow(store, { storage });
    f.start();
    (await store.nextList(1)).resolve({ items: [], revision: 1 });
    const l2 = await store.nextList(2);
    expect(store.watches[0].closed).toBe(true);
    expect(syncedCalls()).toBe(0);
    l2.resolve({ items: [], revision: 2 });
    await f.firstSync;
    expect(syncedCalls()).toBe(1);
    f.stop();
  });
});
