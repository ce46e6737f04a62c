// Informer over FakeClient: fast checks of the list/watch/relist logic. The same
// behaviour against the real apiserver is covered in test/e2e/client-informer.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import { FakeClient } from './testing/fake-client.js';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { Informer } from './informer.js';
import { eventually } from '../test/helpers/eventually.js';

const pod = (name: string, node = '', ns = 'default'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(node ? { nodeName: node } : {}) },
});

type Rec = { log: string[] };
function recorder(inf: Informer<Pod>): Rec {
  const rec: Rec = { log: [] };
  inf.addEventHandler({
    onAdd: (o) => rec.log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    onUpdate: (a, b) => rec.log.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    onDelete: (o) => rec.log.push(`delete ${o.metadata.name}`),
  });
  return rec;
}

const informers: Informer<Pod>[] = [];
function make(client: FakeClient, opts: ConstructorParameters<typeof Informer<Pod>>[1] = {}): Informer<Pod> {
  const inf = new Informer<Pod>(client.pods, { backoff: { initialMs: 1, maxMs: 5 }, ...opts });
  informers.push(inf);
  return inf;
}
afterEach(async () => {
  for (const i of informers.splice(0)) {
    i.stop();
    await i.stopped();
  }
});

describe('Informer (FakeClient)', () => {
  it('lists, syncs, then follows watch events into a frozen cache', async () => {
    const client = new FakeClient();
    client.seed([pod('a'), pod('b')]);
    const inf = make(client);
    const rec = recorder(inf);
    expect(inf.hasSynced()).toBe(false);
    inf.start();
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.list().map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    expect(Object.isFrozen(inf.get('default/a')!.spec.containers[0])).toBe(true);
    expect(inf.get('default/a')!.kind).toBe('Pod');

    await client.pods.create(pod('c'));
    await client.pods.patch('a', 'default', { metadata: { labels: { app: 'x' } } });
    await client.pods.delete('b', 'default');
    await eventually('events', () => rec.log.length === 5, 5000);
    expect(rec.log.slice(0, 2).sort()).toEqual(['add a@2', 'add b@3']);
    expect(rec.log.slice(2)).toEqual(['add c@4', 'update a@2->5', 'delete b']);
    expect(inf.get('default/a')!.metadata.labels).toEqual({ app: 'x' });
    expect(inf.get('default/b')).toBeUndefined();
    expect(inf.lastSyncResourceVersion()).toBe('6');
  });

  it('a transform reshapes listed and watched objects before they are cached and frozen', async () => {
    const client = new FakeClient();
    client.seed([pod('a')]);
    const inf = make(client, { transform: (p) => ({ ...p, metadata: { name: p.metadata.name, namespace: p.metadata.namespace, resourceVersion: p.metadata.resourceVersion } }) });
    const rec = recorder(inf);
    inf.start();
    await inf.waitForSync();
    expect(inf.get('default/a')!.metadata.labels).toBeUndefined();
    expect(Object.isFrozen(inf.get('default/a')!.metadata)).toBe(true);
    await client.pods.create(pod('b'));
    await eventually('b added', () => rec.log.includes('add b@3'), 5000);
    expect(inf.get('default/b')!.metadata).toEqual({ name: 'b', namespace: 'default', resourceVersion: '3' });
  });

  it('relists after 410 and emits exactly the differences', async () => {
    const client = new FakeClient();
    client.seed([pod('keep'), pod('change'), pod('remove')]);
    const inf = make(client);
    const rec = recorder(inf);
    inf.start();
    await inf.waitForSync();
    rec.log.length = 0;
    // Changes happen while the watch is down; then history is compacted away. All of it
    // runs synchronously (FakeClient applies writes at call time), before any reconnect.
    client.breakWatches();
    const cur = client.peek<Pod>('pods', 'change', 'default')!;
    const writes = [
      client.pods.update({ ...cur, metadata: { ...cur.metadata, labels: { v: '2' } } }),
      client.pods.delete('remove', 'default'),
      client.pods.create(pod('new')),
    ];
    client.compact();
    await Promise.all(writes);
    await eventually('relist diff', () => rec.log.length >= 3, 5000);
    // A later write must be delivered after anything the relist still had to emit: once
    // its event is in, the log is complete (no sleeping to "let nothing more arrive").
    await client.pods.create(pod('marker'));
    await eventually('the marker after the relist', () => rec.log.includes('add marker@8'), 5000);
    expect(rec.log.filter((l) => l !== 'add marker@8').sort()).toEqual(['add new@7', 'delete remove', 'update change@3->5']);
    expect(inf.list().map((p) => p.metadata.name).sort()).toEqual(['change', 'keep', 'marker', 'new']);
    expect(client.actionsFor('list', 'pods').length).toBe(2);
  });

  it('resumes from the last resourceVersion after a dropped connection without relisting', async () => {
    const client = new FakeClient();
    const inf = make(client);
    const rec = recorder(inf);
    inf.start();
    await inf.waitForSync();
    await client.pods.create(pod('a'));
    await eventually('first add', () => rec.log.length === 1, 5000);
    client.breakWatches();
    await client.pods.create(pod('b'));
    await eventually('add after reconnect', () => rec.log.length === 2, 5000);
    expect(rec.log).toEqual(['add a@2', 'add b@3']);
    const watches = client.actionsFor('watch', 'pods').map((a) => (a.object as { resourceVersion?: string }).resourceVersion);
    expect(watches[0]).toBe('1');
    expect(watches[1]).toBe('2');
    expect(client.actionsFor('list', 'pods')).toHaveLength(1);
  });

  it('keeps retrying while the list fails, then syncs', async () => {
    const client = new FakeClient();
    client.seed([pod('a')]);
    const err = new Error('down');
    client.failNext('list', 'pods', err);
    client.failNext('list', 'pods', err);
    client.failNext('list', 'pods', err);
    const inf = make(client);
    inf.start();
    await inf.waitForSync();
    expect(client.actionsFor('list', 'pods')).toHaveLength(4);
    expect(inf.list()).toHaveLength(1);
  });

  it('a throwing handler is isolated; late handlers get synthetic adds; indexes follow changes', async () => {
    const client = new FakeClient();
    client.seed([pod('a', 'n1'), pod('b', 'n1'), pod('c', 'n2')]);
    const inf = make(client);
    inf.addIndex('node', (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    inf.addEventHandler({
      onAdd: () => {
        throw new Error('boom');
      },
    });
    inf.start();
    await inf.waitForSync();
    const late = recorder(inf);
    expect(late.log.length).toBe(3);
    expect(inf.byIndex('node', 'n1').map((p) => p.metadata.name).sort()).toEqual(['a', 'b']);
    await client.pods.delete('a', 'default', { gracePeriodSeconds: 0 }); // bound to a node: removed only when forced
    await client.pods.create(pod('d', 'n2'));
    await eventually('events after throw', () => late.log.length === 5, 5000);
    expect(inf.byIndex('node', 'n1').map((p) => p.metadata.name)).toEqual(['b']);
    expect(inf.byIndex('node', 'n2').map((p) => p.metadata.name).sort()).toEqual(['c', 'd']);
    expect(inf.byIndex('node', 'none')).toEqual([]);
    expect(() => inf.byIndex('nope', 'x')).toThrow(/no index/);
  });

  it('never delivers the same resourceVersion twice as an update', async () => {
    const client = new FakeClient();
    client.seed([pod('a')]);
    const inf = make(client);
    const rec = recorder(inf);
    inf.start();
    await inf.waitForSync();
    // A replayed MODIFIED with the cached RV (e.g. after a reconnect) must be ignored.
    const current = client.peek<Pod>('pods', 'a', 'default')!;
    const w = (inf as unknown as { handleEvent(ev: unknown): void });
    w.handleEvent({ type: 'MODIFIED', object: current });
    w.handleEvent({ type: 'ADDED', object: current });
    expect(rec.log).toEqual(['add a@2']);
  });

  it('filters by namespace and selectors', async () => {
    const client = new FakeClient();
    client.seed([pod('a', 'n1'), pod('b', '', 'other'), pod('c', '')]);
    const inf = make(client, { namespace: 'default', fieldSelector: 'spec.nodeName=' });
    inf.start();
    await inf.waitForSync();
    expect(inf.list().map((p) => p.metadata.name)).toEqual(['c']);
    // A pod that stops matching (gets bound) leaves the cache.
    await client.pods.bind({ metadata: { name: 'c', namespace: 'default' }, target: { name: 'n1' } });
    await eventually('bound pod to leave', () => inf.list().length === 0, 5000);
  });

  it('resync re-delivers updates for every cached object', async () => {
    const client = new FakeClient();
    client.seed([pod('a'), pod('b')]);
    const inf = make(client, { resyncMs: 20 });
    let resyncs = 0;
    inf.addEventHandler({ onUpdate: (a, b) => void (a === b && resyncs++) });
    inf.start();
    await inf.waitForSync();
    await eventually('two resync rounds', () => resyncs >= 4, 5000);
  });

  it('waitForSync rejects when stopped or aborted before sync', async () => {
    const client = new FakeClient();
    client.prependReactor('list', 'pods', () => {
      throw new Error('never');
    });
    const inf = make(client);
    inf.start();
    const ac = new AbortController();
    const p1 = inf.waitForSync(ac.signal);
    const p2 = inf.waitForSync();
    ac.abort(new Error('gave up'));
    await expect(p1).rejects.toThrow('gave up');
    inf.stop();
    await expect(p2).rejects.toThrow(/stopped/);
  });

  it('reconnects at once after a watch that timed out normally, but backs off when watches end instantly', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const inf = new Informer<Pod>(client.pods, { clock, random: () => 0.5, backoff: { initialMs: 100, maxMs: 1000 } });
    informers.push(inf);
    inf.start();
    await inf.waitForSync();
    await flushMicrotasks();
    const watches = () => client.actionsFor('watch', 'pods').length;
    expect(watches()).toBe(1);
    await clock.advance(60_000); // an idle watch, later ended by the server
    client.endWatches();
    await flushMicrotasks();
    expect(watches()).toBe(2); // no backoff
    client.endWatches(); // ended at once: suspicious, back off
    await flushMicrotasks();
    expect(watches()).toBe(2);
    await clock.advance(99);
    expect(watches()).toBe(2);
    await clock.advance(1);
    expect(watches()).toBe(3);
    client.endWatches();
    await clock.advance(199);
    expect(watches()).toBe(3); // doubled
    await clock.advance(1);
    expect(watches()).toBe(4);
  });

  it('backs off exponentially with a cap while the API is down, and logs one warning per failure streak', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    client.prependReactor('list', 'pods', () => {
      throw new Error('connection refused');
    });
    const warnings: string[] = [];
    const logger = { warn: (_o: unknown, m: string) => warnings.push(m), debug: () => {}, info: () => {}, error: () => {} } as unknown as import('../foundation/logger.js').Logger;
    const inf = new Informer<Pod>(client.pods, { clock, logger, random: () => 0.5, backoff: { initialMs: 100, maxMs: 1000 } });
    informers.push(inf);
    inf.start();
    await flushMicrotasks();
    const times: number[] = [];
    const start = clock.now();
    let lists = client.actionsFor('list', 'pods').length;
    for (let i = 0; i < 7; i++) {
      while (client.actionsFor('list', 'pods').length === lists) await clock.advance(10);
      lists = client.actionsFor('list', 'pods').length;
      times.push(clock.now() - start);
    }
    const gaps = times.map((t, i) => t - (i ? times[i - 1]! : 0));
    expect(gaps).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(warnings).toEqual(['list/watch failed; retrying with backoff']);
  });
});
