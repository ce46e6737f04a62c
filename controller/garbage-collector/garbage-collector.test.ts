import { beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod, ReplicaSet } from '../../api/types.js';
import { RESOURCES } from '../../api/resources.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, syncInformer } from '../testing/doubles.js';
import { FOREGROUND, GarbageCollector, ORPHAN } from './controller.js';

const rs = (name: string, extra: Partial<ReplicaSet['metadata']> = {}): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra },
  spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
});
const pod = (name: string, ownerName: string, ownerUid: string, block = true, nodeName?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: ownerName, uid: ownerUid, controller: true, blockOwnerDeletion: block }] },
  spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) },
});

describe('GarbageCollector', () => {
  let client: FakeClient;
  let queue: RecordingQueue;
  let gc: GarbageCollector;
  const infs = new Map<string, MemoryInformer<KubeObject>>();
  const sync = async () => {
    for (const [plural, inf] of infs) await syncInformer(client, plural, inf);
  };
  const drain = async () => {
    for (let i = 0; i < 5; i++) {
      await sync();
      for (const k of queue.take()) await gc.reconcile(k);
    }
    await sync();
  };

  beforeEach(() => {
    const clock = new FakeClock();
    client = new FakeClient({ clock });
    queue = new RecordingQueue();
    infs.clear();
    for (const p of ['deployments', 'replicasets', 'pods']) infs.set(p, new MemoryInformer());
    gc = new GarbageCollector({
      client,
      clock,
      logger: silentLogger(),
      queue,
      resources: [...infs].map(([plural, informer]) => ({ info: RESOURCES.find((r) => r.plural === plural)!, informer })),
    });
  });

  it('deletes dependents whose owner is gone or has another uid, keeps those with a live owner', async () => {
    client.seed([rs('live'), pod('kept', 'live', 'uid-live'), pod('dangling', 'gone', 'uid-gone'), pod('recreated', 'live', 'uid-old-incarnation')]);
    await drain();
    expect(client.actionsFor('delete', 'pods').map((a) => a.name).sort()).toEqual(['dangling', 'recreated']);
    expect(client.peek('pods', 'kept', 'default')).toBeDefined();
  });

  it('confirms with a live GET before deleting when the owner is only missing from the cache', async () => {
    client.seed([rs('fresh'), pod('child', 'fresh', 'uid-fresh')]);
    // owner's informer lags: only pods are synced
    await syncInformer(client, 'pods', infs.get('pods')!);
    for (const k of queue.take()) await gc.reconcile(k);
    expect(client.actionsFor('delete', 'pods')).toHaveLength(0);
    expect(client.actionsFor('get', 'replicasets')).toHaveLength(1);
  });

  it('custom owners: deleted through the lookup when gone or of another uid; kept when present or their kind is unknown', async () => {
    const owners = new Map<string, KubeObject | null | undefined>([
      ['alive', { apiVersion: 'example.orch.io/v1', kind: 'WebApp', metadata: { name: 'alive', namespace: 'default', uid: 'uid-alive' } }],
      ['gone', null],
      ['unknown', undefined],
      ['again', { apiVersion: 'example.orch.io/v1', kind: 'WebApp', metadata: { name: 'again', namespace: 'default', uid: 'uid-new' } }],
    ]);
    const byCustom = (name: string, owner: string, uid: string): Pod => ({ ...pod(name, owner, uid), metadata: { ...pod(name, owner, uid).metadata, ownerReferences: [{ apiVersion: 'example.orch.io/v1', kind: 'WebApp', name: owner, uid, controller: true }] } });
    gc = new GarbageCollector({
      client,
      clock: new FakeClock(),
      logger: silentLogger(),
      queue,
      customOwners: { get: async (_ns, ref) => owners.get(ref.name) },
      resources: [...infs].map(([plural, informer]) => ({ info: RESOURCES.find((r) => r.plural === plural)!, informer })),
    });
    client.seed([byCustom('p-alive', 'alive', 'uid-alive'), byCustom('p-gone', 'gone', 'uid-gone'), byCustom('p-unknown', 'unknown', 'uid-unknown'), byCustom('p-again', 'again', 'uid-old')]);
    await drain();
    expect(client.actionsFor('delete', 'pods').map((a) => a.name).sort()).toEqual(['p-again', 'p-gone']);
    // The owner goes: the collector is told its uid and looks at its dependents again.
    owners.set('alive', null);
    gc.ownerDeleted('uid-alive');
    for (const k of queue.take()) await gc.reconcile(k);
    expect(client.actionsFor('delete', 'pods').map((a) => a.name).sort()).toEqual(['p-again', 'p-alive', 'p-gone']);
  });

  it('orphan: removes the ownerReference from dependents, then the finalizer', async () => {
    client.seed([rs('owner', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: [ORPHAN] }), pod('a', 'owner', 'uid-owner'), pod('b', 'owner', 'uid-owner')]);
    await drain();
    expect(client.peek<Pod>('pods', 'a', 'default')!.metadata.ownerReferences).toBeUndefined(); // empty: omitted, as Kubernetes stores it
    expect(client.peek<Pod>('pods', 'b', 'default')!.metadata.ownerReferences).toBeUndefined();
    // Its last finalizer gone, the owner being deleted is removed (as the apiserver does).
    expect(client.peek<ReplicaSet>('replicasets', 'owner', 'default')).toBeUndefined();
    expect(client.actionsFor('delete', 'pods')).toHaveLength(0);
  });

  it('foreground: deletes dependents first and removes the finalizer only when blocking dependents are gone', async () => {
    // The pod runs on a node: its deletion is graceful, so it stays "terminating" and the finalizer must stay.
    client.seed([rs('owner', { deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: [FOREGROUND] }), pod('a', 'owner', 'uid-owner', true, 'n1')]);
    await sync();
    for (const k of queue.take()) await gc.reconcile(k);
    expect(client.actionsFor('delete', 'pods').map((a) => a.name)).toEqual(['a']);
    expect(client.peek<Pod>('pods', 'a', 'default')!.metadata.deletionTimestamp).toBeDefined();
    await sync();
    for (const k of queue.take()) await gc.reconcile(k);
    expect(client.peek<ReplicaSet>('replicasets', 'owner', 'default')!.metadata.finalizers).toEqual([FOREGROUND]);
    // The agent confirms: the pod disappears → the owner is looked at again and released
    // (and, its last finalizer gone, removed).
    await client.pods.delete('a', 'default', { gracePeriodSeconds: 0 });
    await sync();
    for (const k of queue.take()) await gc.reconcile(k);
    expect(client.peek<ReplicaSet>('replicasets', 'owner', 'default')).toBeUndefined();
  });
});
