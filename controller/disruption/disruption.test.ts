import { beforeEach, describe, expect, it } from 'vitest';
import { isConflict } from '../../api/errors.js';
import type { Deployment, OwnerReference, Pod, PodDisruptionBudget, ReplicaSet } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { computeBudgetStatus, failSafeStatus, type ScaleFinder } from './budget-status.js';
import { DisruptionController } from './controller.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const NOW_ISO = '2026-01-01T00:10:00Z';

const ref = (kind: string, name: string, apiVersion = 'apps/v1'): OwnerReference => ({ apiVersion, kind, name, uid: `uid-${name}`, controller: true });

function pod(name: string, opts: { ready?: boolean; owner?: OwnerReference; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: opts.labels ?? { app: 'web' },
      ...(opts.owner ? { ownerReferences: [opts.owner] } : {}),
      ...(opts.deleting ? { deletionTimestamp: NOW_ISO } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function pdb(spec: Partial<PodDisruptionBudget['spec']>, status?: Partial<PodDisruptionBudget['status']>): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status ? { status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status } } : {}),
  };
}

/** A Deployment `web` of `replicas` behind ReplicaSet `web-1`. */
const deploymentScale = (replicas: number): ScaleFinder => (r) => (r.kind === 'ReplicaSet' && r.name === 'web-1' ? { uid: 'uid-web', replicas } : undefined);

describe('computeBudgetStatus', () => {
  it('integer minAvailable: every covered pod is expected, healthy ones above the minimum may go', () => {
    const { status } = computeBudgetStatus(pdb({ minAvailable: 2 }), [pod('a'), pod('b'), pod('c'), pod('d', { ready: false })], deploymentScale(9), NOW, NOW_ISO);
    expect(status).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 3, disruptionsAllowed: 1, observedGeneration: 2 });
    expect(status.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 2, lastTransitionTime: NOW_ISO }]);
  });

  it('percentages are of the owning Deployment\'s replicas, rounded up (a missing pod still counts as expected)', () => {
    const owner = ref('ReplicaSet', 'web-1');
    const pods = [pod('a', { owner }), pod('b', { owner })];
    // maxUnavailable 34% of 3 → ceil(1.02) = 2 may be unavailable → desired 1
    const max = computeBudgetStatus(pdb({ maxUnavailable: '34%' }), pods, deploymentScale(3), NOW, NOW_ISO).status;
    expect(max).toMatchObject({ expectedPods: 3, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
    // minAvailable 50% of 4 → 2; two healthy: nothing may go
    const min = computeBudgetStatus(pdb({ minAvailable: '50%' }), pods, deploymentScale(4), NOW, NOW_ISO).status;
    expect(min).toMatchObject({ expectedPods: 4, desiredHealthy: 2, currentHealthy: 2, disruptionsAllowed: 0 });
    expect(min.conditions?.[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
  });

  it('a pod whose controller is unknown makes a percentage uncomputable (the controller then fails safe)', () => {
    const pods = [pod('a', { owner: ref('StatefulSet', 'db') })];
    expect(() => computeBudgetStatus(pdb({ minAvailable: '50%' }), pods, deploymentScale(3), NOW, NOW_ISO)).toThrow('found no controllers for pod "a"');
    const safe = failSafeStatus(pdb({ minAvailable: '50%' }, { disruptionsAllowed: 3, currentHealthy: 4 }), new Error('boom'), NOW_ISO);
    expect(safe).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 4 });
    expect(safe.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'boom', observedGeneration: 0, lastTransitionTime: NOW_ISO }]);
  });

  it('pods without a controller are reported and do not count toward a percentage', () => {
    const r = computeBudgetStatus(pdb({ maxUnavailable: 1 }), [pod('a', { owner: ref('ReplicaSet', 'web-1') }), pod('bare')], deploymentScale(2), NOW, NOW_ISO);
    expect(r.unmanagedPods).toEqual(['bare']);
    expect(r.status).toMatchObject({ expectedPods: 2, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 });
  });

  it('no pods: nothing expected, nothing allowed', () => {
    expect(computeBudgetStatus(pdb({ minAvailable: 0 }), [], deploymentScale(1), NOW, NOW_ISO).status).toMatchObject({ expectedPods: 0, disruptionsAllowed: 0 });
  });

  it('pods being deleted, and pods an eviction let go (until the timeout), are not healthy; the timeout is a recheck', () => {
    const evictedAt = '2026-01-01T00:09:00Z'; // one minute ago: one more minute to go
    const budget = pdb({ minAvailable: 1 }, { disruptedPods: { b: evictedAt, gone: evictedAt } });
    const r = computeBudgetStatus(budget, [pod('a'), pod('b'), pod('c', { deleting: true })], deploymentScale(3), NOW, NOW_ISO);
    expect(r.status).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { b: evictedAt } });
    expect(r.recheckAfterMs).toBe(60_000);
    const later = computeBudgetStatus(budget, [pod('a'), pod('b')], deploymentScale(3), NOW + 61_000, NOW_ISO);
    expect(later.status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
    expect(later.status.disruptedPods).toBeUndefined();
    expect(later.notDeleted.map((p) => p.metadata.name)).toEqual(['b']);
  });
});

describe('DisruptionController.reconcile', () => {
  let client: FakeClient;
  let budgets: MemoryInformer<PodDisruptionBudget>;
  let pods: MemoryInformer<Pod>;
  let rss: MemoryInformer<ReplicaSet>;
  let deps: MemoryInformer<Deployment>;
  let queue: RecordingQueue;
  let ctrl: DisruptionController;
  const sync = async () => {
    await syncInformer(client, 'poddisruptionbudgets', budgets);
    await syncInformer(client, 'pods', pods);
    await syncInformer(client, 'replicasets', rss);
    await syncInformer(client, 'deployments', deps);
  };
  const stored = async () => client.resource<PodDisruptionBudget>('poddisruptionbudgets').get('web', 'default');

  beforeEach(() => {
    const clock = new FakeClock(NOW);
    client = new FakeClient({ clock });
    budgets = new MemoryInformer();
    pods = new MemoryInformer();
    rss = new MemoryInformer();
    deps = new MemoryInformer();
    queue = new RecordingQueue();
    ctrl = new DisruptionController({ client, budgets, pods, replicaSets: rss, deployments: deps, recorder: new RecordingRecorder(), clock, logger: silentLogger(), queue });
  });

  const deployment = (replicas: number): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  const replicaSet = (): ReplicaSet => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-1', namespace: 'default', uid: 'uid-web-1', ownerReferences: [ref('Deployment', 'web')] },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });

  it('writes the status from the Deployment behind the pods, and enqueues the budget when a covered pod changes', async () => {
    const owner = ref('ReplicaSet', 'web-1');
    client.seed([deployment(3), replicaSet(), pod('a', { owner }), pod('b', { owner }), pod('c', { owner }), pdb({ maxUnavailable: '34%' })]);
    await sync();
    await ctrl.reconcile('default/web');
    expect((await stored()).status).toMatchObject({ expectedPods: 3, desiredHealthy: 1, currentHealthy: 3, disruptionsAllowed: 2, observedGeneration: 2 });
    queue.take();
    const p = await client.pods.get('c', 'default');
    p.metadata.labels = { app: 'other' };
    await client.pods.update(p);
    await syncInformer(client, 'pods', pods);
    expect(queue.take()).toEqual(['default/web']); // the pod left the budget
    await syncInformer(client, 'poddisruptionbudgets', budgets);
    await ctrl.reconcile('default/web');
    expect((await stored()).status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
  });

  it('never overwrites an eviction that spent the budget after its cache was read: 409, then recompute', async () => {
    client.seed([pod('a'), pod('b'), pdb({ minAvailable: 1 })]);
    await sync();
    await ctrl.reconcile('default/web');
    await syncInformer(client, 'poddisruptionbudgets', budgets);
    expect((await stored()).status?.disruptionsAllowed).toBe(1);
    // An eviction spends the budget (as the apiserver does) and a pod turns unready; the cache has neither.
    const spent = await stored();
    spent.status = { ...spent.status!, disruptionsAllowed: 0, disruptedPods: { a: NOW_ISO } };
    await client.resource<PodDisruptionBudget>('poddisruptionbudgets').updateStatus(spent);
    const b = await client.pods.get('b', 'default');
    b.status!.conditions = [{ type: 'Ready', status: 'False' }];
    await client.pods.updateStatus(b);
    await syncInformer(client, 'pods', pods);
    const err = await ctrl.reconcile('default/web').catch((e: unknown) => e);
    expect(isConflict(err)).toBe(true);
    expect((await stored()).status?.disruptionsAllowed).toBe(0);
    await syncInformer(client, 'poddisruptionbudgets', budgets);
    await ctrl.reconcile('default/web');
    expect((await stored()).status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 0, disruptedPods: { a: NOW_ISO } });
  });

  it('fails safe: a budget over pods of an unknown controller allows nothing and says why', async () => {
    client.seed([pod('a', { owner: ref('StatefulSet', 'db') }), pdb({ minAvailable: '50%' })]);
    await sync();
    await ctrl.reconcile('default/web');
    const st = (await stored()).status!;
    expect(st.disruptionsAllowed).toBe(0);
    expect(st.conditions).toContainEqual(expect.objectContaining({ type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "a"' }));
  });
});
