import { beforeEach, describe, expect, it } from 'vitest';
import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { DeploymentController } from './controller.js';
import { maxSurge, maxUnavailable, newRSNewReplicas, resolveFenceposts } from './math.js';
import { equalIgnoreHash, REVISION_ANNOTATION, REVISION_HISTORY_ANNOTATION, templateHash } from './util.js';

function deployment(replicas: number, image = 'web:1', strategy: Deployment['spec']['strategy'] = {}, extra: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      strategy,
      ...extra,
    },
  };
}

describe('surge / unavailable arithmetic', () => {
  it.each([
    // maxSurge, maxUnavailable, replicas → surge, unavailable
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    ['50%', '0%', 3, 2, 0],
    ['0%', '0%', 10, 0, 1],
    [0, 0, 5, 0, 1],
    [2, '33%', 10, 2, 3],
    ['1%', '99%', 10, 1, 9],
    [undefined, undefined, 8, 2, 2],
  ] as const)('maxSurge %s maxUnavailable %s of %i → %i / %i', (s, u, n, es, eu) => {
    expect(resolveFenceposts(s, u, n)).toEqual({ surge: es, unavailable: eu });
  });

  it('caps unavailable at replicas and is zero for Recreate', () => {
    expect(maxUnavailable(deployment(2, 'x', { rollingUpdate: { maxUnavailable: 5 } }))).toBe(2);
    expect(maxUnavailable(deployment(2, 'x', { type: 'Recreate' }))).toBe(0);
    expect(maxSurge(deployment(2, 'x', { type: 'Recreate' }))).toBe(0);
  });

  it('new ReplicaSet grows only as far as replicas + maxSurge allows', () => {
    const d = deployment(10, 'x', { rollingUpdate: { maxSurge: 3 } });
    const rsOf = (n: number) => ({ metadata: {}, spec: { replicas: n } }) as ReplicaSet;
    const newRS = rsOf(0);
    expect(newRSNewReplicas(d, [rsOf(10), newRS], newRS)).toBe(3);
    const grown = rsOf(3);
    expect(newRSNewReplicas(d, [rsOf(10), grown], grown)).toBe(3);
    expect(newRSNewReplicas(d, [rsOf(8), grown], grown)).toBe(5);
    expect(newRSNewReplicas(d, [rsOf(0), rsOf(9)], rsOf(9))).toBe(10);
  });
});

describe('pod-template-hash', () => {
  it('is pinned: a fixed template hashes to the same literal in every release', () => {
    // A new value for the same template would give every Deployment a "new" ReplicaSet
    // (and a rollout) after an upgrade.
    const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'orch.local/web:latest', ports: [{ containerPort: 8080 }] }] } } as Deployment['spec']['template'];
    expect(templateHash(t)).toBe('n8x6kckpzg');
    expect(templateHash(t, 1)).toBe('x47xgz5jjk'); // after a hash collision
    // The template's own hash label is not part of its hash.
    expect(templateHash({ ...t, metadata: { labels: { app: 'web', 'pod-template-hash': 'n8x6kckpzg' } } })).toBe('n8x6kckpzg');
  });
});

describe('template equality', () => {
  it('ignores the hash label and what Go clients send for unset fields (kubectl rollout undo)', () => {
    const t = deployment(1).spec.template;
    const fromKubectl = {
      metadata: { creationTimestamp: null, labels: { app: 'web', 'pod-template-hash': 'abc' } },
      spec: { containers: [{ name: 'c', image: 'web:1', resources: {} }] },
    } as unknown as typeof t;
    expect(equalIgnoreHash(t, fromKubectl)).toBe(true);
    expect(templateHash(t)).toBe(templateHash(fromKubectl));
    const other = { ...t, spec: { containers: [{ name: 'c', image: 'web:2' }] } };
    expect(equalIgnoreHash(t, other)).toBe(false);
    expect(templateHash(t)).not.toBe(templateHash(other));
    expect(templateHash(t, 1)).not.toBe(templateHash(t));
  });
});

describe('DeploymentController', () => {
  let clock: FakeClock;
  let client: FakeClient;
  let deps: MemoryInformer<Deployment>;
  let rss: MemoryInformer<ReplicaSet>;
  let pods: MemoryInformer<Pod>;
  let recorder: RecordingRecorder;
  let ctrl: DeploymentController;

  const sync = async () => {
    await syncInformer(client, 'deployments', deps);
    await syncInformer(client, 'replicasets', rss);
    await syncInformer(client, 'pods', pods);
  };
  /** Stand-in for the ReplicaSet controller: each RS instantly has spec.replicas pods, `avail` of them available. */
  const settleReplicaSets = async (avail: (rs: ReplicaSet) => number = (rs) => rs.spec.replicas ?? 0) => {
    for (const rs of (await client.replicasets.list()).items) {
      const n = rs.spec.replicas ?? 0;
      const a = Math.min(n, avail(rs));
      const st = { replicas: n, readyReplicas: a, availableReplicas: a, fullyLabeledReplicas: n, observedGeneration: rs.metadata.generation };
      if (JSON.stringify(st) !== JSON.stringify(rs.status)) await client.replicasets.updateStatus({ ...rs, status: st });
    }
  };
  const reconcile = async () => {
    await sync();
    await ctrl.reconcile('default/web');
    await sync();
  };
  const listRS = async () => (await client.replicasets.list()).items;
  const dep = () => client.peek<Deployment>('deployments', 'web', 'default')!;

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    client = new FakeClient({ clock });
    deps = new MemoryInformer();
    rss = new MemoryInformer();
    pods = new MemoryInformer();
    recorder = new RecordingRecorder();
    ctrl = new DeploymentController({ client, deployments: deps, replicaSets: rss, pods, recorder, clock, logger: silentLogger(), queue: new RecordingQueue() });
  });

  it('creates a ReplicaSet named by the template hash, with the hash label, revision 1 and replica annotations', async () => {
    client.seed([deployment(3)]);
    await reconcile();
    const [rs] = await listRS();
    // The hash of the template as stored, with the server's defaults (as Kubernetes hashes it).
    const hash = templateHash(dep().spec.template);
    expect(rs!.metadata.name).toBe(`web-${hash}`);
    expect(rs!.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.spec.template.metadata!.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs!.metadata.labels!['pod-template-hash']).toBe(hash);
    expect(rs!.spec.replicas).toBe(3);
    expect(rs!.metadata.annotations).toMatchObject({ [REVISION_ANNOTATION]: '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    expect(rs!.metadata.ownerReferences![0]).toMatchObject({ kind: 'Deployment', name: 'web', controller: true, blockOwnerDeletion: true });
    expect(recorder.events.map((e) => e.message)).toContain(`Scaled up replica set web-${hash} to 3`);
    expect(dep().status!.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "web-${hash}"` });
    expect(dep().metadata.annotations![REVISION_ANNOTATION]).toBe('1');
  });

  it('reports status as kubectl rollout status reads it, through to NewReplicaSetAvailable', async () => {
    client.seed([deployment(3)]);
    await reconcile();
    await settleReplicaSets(() => 0);
    await reconcile();
    let st = dep().status!;
    expect(st).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 3 });
    expect(st.conditions!.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
    await settleReplicaSets();
    await reconcile();
    st = dep().status!;
    expect(st).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 0 });
    expect(st.conditions!.find((c) => c.type === 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    const rsName = (await listRS())[0]!.metadata.name;
    expect(st.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` });
    // steady state: no more writes
    client.clearActions();
    await reconcile();
    expect(client.actions.filter((a) => a.verb !== 'list')).toEqual([]);
  });

  /** Drive a rollout to completion, checking the bounds after every step. */
  async function rollOut(d: Deployment, availableOf: (rs: ReplicaSet) => number = (rs) => rs.spec.replicas ?? 0) {
    const surge = maxSurge(d);
    const unavailable = maxUnavailable(d);
    const replicas = d.spec.replicas!;
    for (let i = 0; i < 50; i++) {
      await reconcile();
      const all = await listRS();
      const total = all.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      expect(total).toBeLessThanOrEqual(replicas + surge);
      await settleReplicaSets(availableOf);
      const avail = (await listRS()).reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
      expect(avail).toBeGreaterThanOrEqual(replicas - unavailable);
      const st = dep().status;
      if (st?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable' && st.updatedReplicas === replicas && st.replicas === replicas) return i;
    }
    throw new Error('rollout did not finish');
  }

  it('rolls a new template out within maxSurge / maxUnavailable and keeps the old ReplicaSet at 0', async () => {
    client.seed([deployment(10, 'web:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: '30%', maxUnavailable: 2 } })]);
    await rollOut(dep());
    const d = dep();
    d.spec.template.spec.containers[0]!.image = 'web:2';
    await client.deployments.update(d);
    await rollOut(dep());
    const all = await listRS();
    expect(all).toHaveLength(2);
    const byRev = Object.fromEntries(all.map((rs) => [rs.metadata.annotations![REVISION_ANNOTATION], rs.spec.replicas]));
    expect(byRev).toEqual({ '1': 0, '2': 10 });
    expect(recorder.events.some((e) => /^Scaled down replica set web-\w+ to 0$/.test(e.message))).toBe(true);
  });

  it('Recreate scales the old ReplicaSet to 0 and waits for its pods before creating the new one', async () => {
    client.seed([deployment(3, 'web:1', { type: 'Recreate' })]);
    await reconcile();
    await settleReplicaSets();
    await reconcile();
    const oldRS = (await listRS())[0]!;
    // one old pod still exists (terminating)
    client.seed([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old-1', namespace: 'default', labels: { app: 'web' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: oldRS.metadata.name!, uid: oldRS.metadata.uid!, controller: true }] }, spec: { containers: [] }, status: { phase: 'Running' } } as Pod]);
    const d = dep();
    d.spec.template.spec.containers[0]!.image = 'web:2';
    await client.deployments.update(d);
    await reconcile();
    expect((await listRS()).map((rs) => rs.spec.replicas)).toEqual([0]);
    await settleReplicaSets();
    await reconcile();
    expect(await listRS()).toHaveLength(1); // pod old-1 still there: no new RS yet
    await client.pods.delete('old-1', 'default');
    await reconcile();
    const all = await listRS();
    expect(all.map((rs) => [rs.metadata.annotations![REVISION_ANNOTATION], rs.spec.replicas]).sort()).toEqual([['1', 0], ['2', 3]]);
  });

  it('rollback to an older template reuses its ReplicaSet, which gets the next revision and keeps its old one in history', async () => {
    client.seed([deployment(2, 'web:1')]);
    await rollOut(dep());
    const d1 = dep();
    d1.spec.template.spec.containers[0]!.image = 'web:2';
    await client.deployments.update(d1);
    await rollOut(dep());
    const d2 = dep();
    d2.spec.template.spec.containers[0]!.image = 'web:1';
    await client.deployments.update(d2);
    await rollOut(dep());
    const all = await listRS();
    expect(all).toHaveLength(2);
    const first = all.find((rs) => rs.spec.template.spec.containers[0]!.image === 'web:1')!;
    expect(first.metadata.annotations![REVISION_ANNOTATION]).toBe('3');
    expect(first.metadata.annotations![REVISION_HISTORY_ANNOTATION]).toBe('1');
    expect(first.spec.replicas).toBe(2);
    expect(dep().metadata.annotations![REVISION_ANNOTATION]).toBe('3');
  });

  it('scales proportionally when replicas change mid-rollout', async () => {
    client.seed([deployment(10, 'web:1', { rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } })]);
    await rollOut(dep());
    const d = dep();
    d.spec.template.spec.containers[0]!.image = 'web:2';
    await client.deployments.update(d);
    // sync 1: new RS created with 3 (surge), old 10 → 8 (maxUnavailable 2); sync 2: new 3 → 5. Nothing new gets available.
    await reconcile();
    await settleReplicaSets((rs) => (rs.spec.template.spec.containers[0]!.image === 'web:2' ? 0 : rs.spec.replicas ?? 0));
    await reconcile();
    await settleReplicaSets((rs) => (rs.spec.template.spec.containers[0]!.image === 'web:2' ? 0 : rs.spec.replicas ?? 0));
    const sizes = () => listRS().then((l) => Object.fromEntries(l.map((rs) => [rs.spec.template.spec.containers[0]!.image, rs.spec.replicas])));
    expect(await sizes()).toEqual({ 'web:1': 8, 'web:2': 5 });
    // Scale 10 → 20 while stuck: allowed 20+3 = 23, 10 extra; fractions against max-replicas 13:
    // old round(8·23/13)=14 (+6), new round(5·23/13)=9 (+4), no leftover.
    const d2 = dep();
    d2.spec.replicas = 20;
    await client.deployments.update(d2);
    await reconcile();
    expect(await sizes()).toEqual({ 'web:1': 14, 'web:2': 9 });
    for (const rs of await listRS()) expect(rs.metadata.annotations!['deployment.kubernetes.io/desired-replicas']).toBe('20');
    expect(recorder.events.some((e) => e.reason === 'ScalingReplicaSet')).toBe(true);
  });

  it('paused: scaling applies, the template does not roll out, Progressing says DeploymentPaused', async () => {
    client.seed([deployment(2, 'web:1')]);
    await rollOut(dep());
    const d = dep();
    d.spec.paused = true;
    d.spec.template.spec.containers[0]!.image = 'web:2';
    d.spec.replicas = 4;
    await client.deployments.update(d);
    await reconcile();
    const all = await listRS();
    expect(all).toHaveLength(1);
    expect(all[0]!.spec.replicas).toBe(4);
    expect(dep().status!.conditions!.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused' });
    const resumed = dep();
    resumed.spec.paused = false;
    await client.deployments.update(resumed);
    await rollOut(dep());
    expect((await listRS()).map((rs) => rs.spec.replicas).sort()).toEqual([0, 4]);
  });

  it('reports ProgressDeadlineExceeded when a rollout makes no progress within the deadline', async () => {
    client.seed([deployment(2, 'web:1', {}, { progressDeadlineSeconds: 30 })]);
    await rollOut(dep());
    const d = dep();
    d.spec.template.spec.containers[0]!.image = 'bad:1';
    await client.deployments.update(d);
    const stuck = (rs: ReplicaSet) => (rs.spec.template.spec.containers[0]!.image === 'bad:1' ? 0 : rs.spec.replicas ?? 0);
    for (let i = 0; i < 3; i++) {
      await reconcile();
      await settleReplicaSets(stuck);
    }
    expect(dep().status!.conditions!.find((c) => c.type === 'Progressing')!.reason).toBe('ReplicaSetUpdated');
    await clock.advance(31_000);
    await reconcile();
    const cond = dep().status!.conditions!.find((c) => c.type === 'Progressing')!;
    expect(cond).toMatchObject({ status: 'False', reason: 'ProgressDeadlineExceeded' });
    expect(cond.message).toMatch(/^ReplicaSet "web-\w+" has timed out progressing\.$/);
  });

  it('deletes old zero-sized ReplicaSets beyond revisionHistoryLimit, oldest first', async () => {
    client.seed([deployment(1, 'web:1', {}, { revisionHistoryLimit: 1 })]);
    await rollOut(dep());
    for (const img of ['web:2', 'web:3']) {
      const d = dep();
      d.spec.template.spec.containers[0]!.image = img;
      await client.deployments.update(d);
      await rollOut(dep());
      await reconcile();
    }
    const images = (await listRS()).map((rs) => rs.spec.template.spec.containers[0]!.image).sort();
    expect(images).toEqual(['web:2', 'web:3']);
  });

  it('bumps status.collisionCount when another object holds the hashed name, then uses a new name', async () => {
    client.seed([deployment(2)]);
    const hash = templateHash(dep().spec.template);
    client.seed([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: `web-${hash}`, namespace: 'default', labels: { other: 'x' } },
        spec: { replicas: 0, selector: { matchLabels: { other: 'x' } }, template: { metadata: { labels: { other: 'x' } }, spec: { containers: [{ name: 'z', image: 'z' }] } } },
      } as ReplicaSet,
    ]);
    await sync();
    await expect(ctrl.reconcile('default/web')).rejects.toThrow(/collision/);
    expect(dep().status!.collisionCount).toBe(1);
    await reconcile();
    const ours = (await listRS()).filter((rs) => rs.metadata.ownerReferences?.[0]?.kind === 'Deployment');
    expect(ours.map((rs) => rs.metadata.name)).toEqual([`web-${templateHash(dep().spec.template, 1)}`]);
  });

  it('adopts an orphan ReplicaSet whose template matches instead of creating one', async () => {
    client.seed([deployment(2)]);
    const hash = templateHash(dep().spec.template);
    client.seed([
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'web-orphan', namespace: 'default', labels: { app: 'web', 'pod-template-hash': hash } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web', 'pod-template-hash': hash } },
          template: { metadata: { labels: { app: 'web', 'pod-template-hash': hash } }, spec: dep().spec.template.spec },
        },
      } as ReplicaSet,
    ]);
    await reconcile();
    const all = await listRS();
    expect(all.map((rs) => rs.metadata.name)).toEqual(['web-orphan']);
    expect(all[0]!.metadata.ownerReferences![0]!.kind).toBe('Deployment');
  });
});
