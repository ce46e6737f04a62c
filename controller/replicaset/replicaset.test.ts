import { describe, expect, it, beforeEach } from 'vitest';
import type { Pod, ReplicaSet } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { ReplicaSetController, SLOW_START_AFTER_FAILURE_MS } from './controller.js';
import { podsToDelete } from './pods-to-delete.js';
import { calculateReplicaSetStatus } from './status.js';

function pod(name: string, opts: { node?: string; phase?: Pod['status'] extends infer S ? S extends { phase?: infer P } ? P : never : never; ready?: boolean; created?: string; readySince?: string; labels?: Record<string, string>; owner?: ReplicaSet } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: opts.labels ?? { app: 'web' },
      creationTimestamp: opts.created ?? '2026-01-01T00:00:00Z',
      ...(opts.owner
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner.metadata.name!, uid: opts.owner.metadata.uid!, controller: true, blockOwnerDeletion: true }] }
        : {}),
    },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(opts.node ? { nodeName: opts.node } : {}) },
    status: {
      phase: opts.phase ?? 'Pending',
      conditions: opts.ready !== undefined ? [{ type: 'Ready', status: opts.ready ? 'True' : 'False', lastTransitionTime: opts.readySince ?? '2026-01-01T00:00:00Z' }] : [],
    },
  };
}

function rs(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      ...extra,
    },
  };
}

describe('podsToDelete', () => {
  it('deletes unscheduled, then pending, then not ready, then newest ready first', () => {
    const pods = [
      pod('ready-old', { node: 'n1', phase: 'Running', ready: true, created: '2026-01-01T00:00:00Z' }),
      pod('ready-new', { node: 'n1', phase: 'Running', ready: true, created: '2026-01-01T00:05:00Z' }),
      pod('notready', { node: 'n1', phase: 'Running', ready: false }),
      pod('pending', { node: 'n1', phase: 'Pending' }),
      pod('unscheduled', {}),
    ];
    expect(podsToDelete(pods, 5).map((p) => p.metadata.name)).toEqual(['unscheduled', 'pending', 'notready', 'ready-new', 'ready-old']);
    expect(podsToDelete(pods, 2).map((p) => p.metadata.name)).toEqual(['unscheduled', 'pending']);
    expect(podsToDelete(pods, 0)).toEqual([]);
  });
});

describe('calculateReplicaSetStatus', () => {
  it('counts ready and available pods with minReadySeconds and says when to look again', () => {
    const r = rs('web', 3, { minReadySeconds: 10 });
    const now = Date.parse('2026-01-01T00:00:30Z');
    const pods = [
      pod('a', { node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:00:00Z' }),
      pod('b', { node: 'n', phase: 'Running', ready: true, readySince: '2026-01-01T00:00:25Z' }),
      pod('c', { node: 'n', phase: 'Running', ready: false, labels: { app: 'web', extra: 'x' } }),
    ];
    const { status, recheckAfterMs } = calculateReplicaSetStatus(r, pods, now);
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 2, availableReplicas: 1, fullyLabeledReplicas: 3, observedGeneration: 1 });
    expect(recheckAfterMs).toBe(5000);
  });
});

describe('availability waits for the proxies (orch.io/ProxiesRouted)', () => {
  it('a ready pod whose ProxiesRouted is False is not available; True (Routed or Timeout) is; a pod without the condition is', () => {
    const r = rs('web', 3);
    const now = Date.parse('2026-01-01T00:00:30Z');
    const routed = (name: string, status: 'True' | 'False', reason: string): Pod => {
      const p = pod(name, { node: 'n', phase: 'Running', ready: true });
      p.status!.conditions!.push({ type: 'orch.io/ProxiesRouted', status, reason });
      return p;
    };
    const pods = [routed('waiting', 'False', 'WaitingForProxies'), routed('routed', 'True', 'Routed'), routed('timeout', 'True', 'Timeout'), pod('plain', { node: 'n', phase: 'Running', ready: true })];
    const { status } = calculateReplicaSetStatus(r, pods, now);
    expect(status).toMatchObject({ replicas: 4, readyReplicas: 4, availableReplicas: 3 });
  });
});

describe('ReplicaSetController.reconcile', () => {
  let client: FakeClient;
  let pods: MemoryInformer<Pod>;
  let rss: MemoryInformer<ReplicaSet>;
  let recorder: RecordingRecorder;
  let queue: RecordingQueue;
  let ctrl: ReplicaSetController;
  let clock: FakeClock;
  const sync = async () => {
    await syncInformer(client, 'pods', pods);
    await syncInformer(client, 'replicasets', rss);
  };

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    client = new FakeClient({ clock });
    pods = new MemoryInformer();
    rss = new MemoryInformer();
    recorder = new RecordingRecorder();
    queue = new RecordingQueue();
    ctrl = new ReplicaSetController({ client, pods, replicaSets: rss, recorder, clock, logger: silentLogger(), queue });
  });

  it('creates the missing pods with a controller ownerReference and generateName, in slow-start batches', async () => {
    client.seed([rs('web', 5)]);
    await sync();
    const owner = rss.get('default/web')!;
    await ctrl.reconcile('default/web');
    const creates = client.actionsFor('create', 'pods');
    expect(creates).toHaveLength(5);
    const created = creates[0]!.object as Pod;
    expect(created.metadata.generateName).toBe('web-');
    expect(created.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(recorder.reasons().filter((r) => r === 'SuccessfulCreate')).toHaveLength(5);
  });

  it('does not create again while its cache lags behind its own creates (expectations)', async () => {
    client.seed([rs('web', 3)]);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(3);
    // The pod informer has not seen the new pods yet: a second sync must not create more.
    await syncInformer(client, 'replicasets', rss);
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(3);
    expect(ctrl.expectations.pending('default/web')).toEqual({ adds: 3, dels: 0 });
    await sync(); // the informer catches up and lowers the expectations
    expect(ctrl.expectations.satisfied('default/web')).toBe(true);
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(3);
  });

  it('expectations expire after 5 minutes so a lost event cannot wedge the controller', async () => {
    client.seed([rs('web', 2)]);
    await sync();
    await ctrl.reconcile('default/web');
    // Simulate the creates being lost: delete them in the store before the cache sees them.
    const list = await client.pods.list();
    for (const p of list.items) await client.pods.delete(p.metadata.name!, 'default');
    await syncInformer(client, 'replicasets', rss);
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(2);
    await clock.advance(5 * 60 * 1000 + 1);
    await syncInformer(client, 'replicasets', rss);
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(4);
  });

  it('creates one pod first, then the rest at once; stops at the first failing batch', async () => {
    client.seed([rs('web', 10)]);
    await sync();
    let n = 0;
    client.prependReactor('create', 'pods', () => {
      n++;
      if (n >= 3) throw new Error('quota exceeded');
      return undefined;
    });
    await expect(ctrl.reconcile('default/web')).rejects.toThrow(/quota/);
    // The probe (ok), then the 9 others in one batch (1 ok, 8 refused).
    expect(n).toBe(10);
    expect(recorder.reasons()).toContain('FailedCreate');
    expect(ctrl.expectations.pending('default/web')).toEqual({ adds: 2, dels: 0 });
  });

  it('after a failed create, slow-start batches (1, 2, 4, ...) for a while, then the fast start again', async () => {
    client.seed([rs('web', 12)]);
    await sync();
    let fail = true;
    client.prependReactor('create', 'pods', () => {
      if (fail) throw new Error('admission says no');
      return undefined;
    });
    await expect(ctrl.reconcile('default/web')).rejects.toThrow(/admission/);
    let calls = 0;
    client.prependReactor('create', 'pods', () => {
      calls++;
      if (calls >= 5) throw new Error('quota exceeded');
      return undefined;
    });
    fail = false;
    await sync();
    await expect(ctrl.reconcile('default/web')).rejects.toThrow(/quota/);
    // 1 ok, 2 ok, 4: 1 ok and 3 refused → stop (the fast start would have sent 12).
    expect(calls).toBe(7);
    await clock.advance(SLOW_START_AFTER_FAILURE_MS + 1);
    calls = -1000;
    await sync();
    await ctrl.reconcile('default/web');
    expect((await client.pods.list()).items).toHaveLength(12);
  });

  it('scales down by deleting the least valuable pods and reports status', async () => {
    const r = rs('web', 2);
    client.seed([r]);
    const owner = (await client.replicasets.get('web', 'default'));
    client.seed([
      pod('a', { node: 'n', phase: 'Running', ready: true, owner }),
      pod('b', { node: 'n', phase: 'Running', ready: true, owner, created: '2026-01-01T00:01:00Z' }),
      pod('c', { node: 'n', phase: 'Running', ready: false, owner }),
      pod('d', { owner }),
    ]);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('delete', 'pods').map((a) => a.name).sort()).toEqual(['c', 'd']);
    const st = client.peek<ReplicaSet>('replicasets', 'web', 'default')!.status!;
    expect(st).toMatchObject({ replicas: 4, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.peek<ReplicaSet>('replicasets', 'web', 'default')!.status!.replicas).toBe(2);
    expect(client.actionsFor('delete', 'pods')).toHaveLength(2);
  });

  it('replaces Failed pods and ignores terminating ones', async () => {
    client.seed([rs('web', 2)]);
    const owner = await client.replicasets.get('web', 'default');
    const failed = pod('f', { node: 'n', phase: 'Failed', owner });
    const terminating = pod('t', { node: 'n', phase: 'Running', ready: true, owner });
    terminating.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    client.seed([failed, terminating, pod('ok', { node: 'n', phase: 'Running', ready: true, owner })]);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('create', 'pods')).toHaveLength(1);
  });

  it('adopts matching orphans with a uid-checked patch and releases pods that stopped matching', async () => {
    client.seed([rs('web', 2)]);
    const owner = await client.replicasets.get('web', 'default');
    client.seed([pod('orphan', { node: 'n', phase: 'Running', ready: true }), pod('moved', { node: 'n', phase: 'Running', ready: true, owner, labels: { app: 'other' } })]);
    await sync();
    await ctrl.reconcile('default/web');
    const patches = client.actionsFor('patch', 'pods');
    expect(patches.map((p) => p.name).sort()).toEqual(['moved', 'orphan']);
    expect((patches.find((p) => p.name === 'orphan')!.object as unknown[])[0]).toMatchObject({ op: 'test', path: '/metadata/uid' });
    expect(client.peek<Pod>('pods', 'orphan', 'default')!.metadata.ownerReferences![0]!.uid).toBe(owner.metadata.uid);
    expect(client.peek<Pod>('pods', 'moved', 'default')!.metadata.ownerReferences).toBeUndefined(); // empty: omitted, as Kubernetes stores it
    // one adopted + one to create
    expect(client.actionsFor('create', 'pods')).toHaveLength(1);
  });

  it('looks again when ready pods will become available after minReadySeconds', async () => {
    client.seed([rs('web', 1, { minReadySeconds: 30 })]);
    const owner = await client.replicasets.get('web', 'default');
    client.seed([pod('a', { node: 'n', phase: 'Running', ready: true, owner, readySince: '2026-01-01T00:00:00Z' })]);
    await sync();
    await clock.advance(10_000);
    const result = await ctrl.reconcile('default/web');
    expect(client.peek<ReplicaSet>('replicasets', 'web', 'default')!.status).toMatchObject({ readyReplicas: 1, availableReplicas: 0 });
    expect(Math.round(result.requeueAfterMs! / 1000)).toBe(20);
    await clock.advance(20_001);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.peek<ReplicaSet>('replicasets', 'web', 'default')!.status).toMatchObject({ availableReplicas: 1 });
  });

  it('does not write status when nothing changed', async () => {
    client.seed([rs('web', 0)]);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('updateStatus', 'replicasets')).toHaveLength(1);
    await sync();
    await ctrl.reconcile('default/web');
    expect(client.actionsFor('updateStatus', 'replicasets')).toHaveLength(1);
  });
});
