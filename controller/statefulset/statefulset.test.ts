// Unit tests of the StatefulSet controller's pure parts: ordinal identity, the plan
// (OrderedReady / Parallel, scale down, partitioned rolling update, maxUnavailable,
// OnDelete), claim owners per retention policy, and status.

import { describe, expect, it } from 'vitest';
import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../../api/storage/types.js';
import type { Pod } from '../../api/types.js';
import { claimOwnerRefs } from './claims.js';
import { claimsFor, isMemberOf, newStatefulPod, parseOrdinal } from './identity.js';
import { planStatefulSet, type PlanInput } from './plan.js';
import { computeStatus } from './status.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');

function sts(o: Partial<StatefulSet['spec']> = {}): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 3 },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }], volumes: [{ name: 'data', emptyDir: {} }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...o,
    },
  };
}

function pod(ord: number, rev: string, state: 'ready' | 'pending' | 'failed' | 'terminating' = 'ready'): Pod {
  return {
    metadata: {
      name: `web-${ord}`,
      namespace: 'ns',
      uid: `pod-${ord}`,
      labels: { app: 'web', 'controller-revision-hash': rev },
      ...(state === 'terminating' ? { deletionTimestamp: '2026-12-01T00:00:00Z' } : {}),
    },
    spec: { containers: [] },
    status:
      state === 'ready' || state === 'terminating'
        ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-11-30T00:00:00Z' }] }
        : { phase: state === 'failed' ? 'Failed' : 'Pending' },
  };
}

const input = (pods: Pod[], o: Partial<PlanInput> = {}): PlanInput => ({
  replicas: 3,
  pods: new Map(pods.map((p) => [parseOrdinal(p.metadata.name)!.ordinal, p])),
  monotonic: true,
  strategy: 'RollingUpdate',
  partition: 0,
  updateRevision: 'new',
  minReadySeconds: 0,
  now: NOW,
  ...o,
});

const summary = (i: PlanInput) => planStatefulSet(i).actions.map((a) => `${a.type} ${a.ordinal}${a.type === 'create' ? ` ${a.revision}` : ` ${a.reason}`}`);

describe('statefulset identity', () => {
  it('parses ordinals and membership by name', () => {
    expect(parseOrdinal('web-12')).toEqual({ parent: 'web', ordinal: 12 });
    expect(parseOrdinal('my-db-0')).toEqual({ parent: 'my-db', ordinal: 0 });
    expect(parseOrdinal('web-01')).toBeUndefined();
    expect(parseOrdinal('web')).toBeUndefined();
    expect(isMemberOf(sts(), pod(1, 'x'))).toBe(true);
    expect(isMemberOf(sts(), { ...pod(1, 'x'), metadata: { name: 'webby-1' } })).toBe(false);
  });

  it('makes pod NAME-ORDINAL with hostname, subdomain, labels and its claim as the template volume', () => {
    const s = sts();
    const p = newStatefulPod(s, 2, s.spec.template, 'web-abc', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid', controller: true });
    expect(p.metadata.name).toBe('web-2');
    expect(p.spec.hostname).toBe('web-2');
    expect(p.spec.subdomain).toBe('web');
    expect(p.metadata.labels).toEqual({ app: 'web', 'controller-revision-hash': 'web-abc', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2' });
    expect(p.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }]);
    const [c] = claimsFor(s, 2);
    expect(c!.metadata.name).toBe('data-web-2');
    expect(c!.metadata.labels).toEqual({ app: 'web' });
    expect(c!.spec.resources?.requests?.storage).toBe('1Gi');
  });
});

describe('statefulset plan', () => {
  it('OrderedReady creates one pod at a time and waits for each to be Running and Ready', () => {
    expect(summary(input([]))).toEqual(['create 0 update']);
    expect(summary(input([pod(0, 'new', 'pending')]))).toEqual([]);
    expect(summary(input([pod(0, 'new')]))).toEqual(['create 1 update']);
    expect(summary(input([pod(0, 'new'), pod(1, 'new')]))).toEqual(['create 2 update']);
  });

  it('Parallel creates every missing pod at once', () => {
    expect(summary(input([pod(1, 'new', 'pending')], { monotonic: false }))).toEqual(['create 0 update', 'create 2 update']);
  });

  it('waits minReadySeconds and says when to look again', () => {
    const p = pod(0, 'new');
    p.status!.conditions![0]!.lastTransitionTime = new Date(NOW - 2000).toISOString();
    const plan = planStatefulSet(input([p], { minReadySeconds: 5 }));
    expect(plan.actions).toEqual([]);
    expect(plan.recheckMs).toBe(3000);
  });

  it('replaces a failed pod under the same ordinal', () => {
    expect(summary(input([pod(0, 'new'), pod(1, 'new', 'failed'), pod(2, 'new')]))).toEqual(['delete 1 failed']);
  });

  it('scales down from the highest ordinal, one at a time with OrderedReady, all at once with Parallel', () => {
    const pods = [pod(0, 'new'), pod(1, 'new'), pod(2, 'new'), pod(3, 'new')];
    expect(summary(input(pods, { replicas: 1 }))).toEqual(['delete 3 condemned']);
    expect(summary(input([pod(0, 'new'), pod(1, 'new'), pod(2, 'new', 'terminating')], { replicas: 1 }))).toEqual([]);
    expect(summary(input(pods, { replicas: 1, monotonic: false }))).toEqual(['delete 3 condemned', 'delete 2 condemned', 'delete 1 condemned']);
  });

  it('rolls from the highest ordinal down to the partition, waiting for each to be healthy', () => {
    const old = [pod(0, 'old'), pod(1, 'old'), pod(2, 'old')];
    expect(summary(input(old))).toEqual(['delete 2 update']);
    expect(summary(input([pod(0, 'old'), pod(1, 'old'), pod(2, 'new', 'pending')]))).toEqual([]);
    expect(summary(input([pod(0, 'old'), pod(1, 'old'), pod(2, 'new')]))).toEqual(['delete 1 update']);
    // partition 2: ordinals 0 and 1 keep the old revision; a missing one comes back as current.
    expect(summary(input([pod(0, 'old'), pod(1, 'old'), pod(2, 'new')], { partition: 2 }))).toEqual([]);
    expect(summary(input([pod(0, 'old'), pod(2, 'new')], { partition: 2 }))).toEqual(['create 1 current']);
  });

  it('maxUnavailable deletes several outdated pods at once, counting unavailable ones', () => {
    const old = [pod(0, 'old'), pod(1, 'old'), pod(2, 'old')];
    expect(summary(input(old, { maxUnavailable: 2 }))).toEqual(['delete 2 update', 'delete 1 update']);
    expect(summary(input([pod(0, 'old'), pod(1, 'old'), pod(2, 'new', 'pending')], { maxUnavailable: 2, monotonic: false }))).toEqual(['delete 1 update']);
  });

  it('OnDelete never deletes for an update; a deleted pod comes back from the update revision', () => {
    expect(summary(input([pod(0, 'old'), pod(1, 'old'), pod(2, 'old')], { strategy: 'OnDelete' }))).toEqual([]);
    expect(summary(input([pod(0, 'old'), pod(2, 'old')], { strategy: 'OnDelete', monotonic: false }))).toEqual(['create 1 update']);
  });
});

describe('claim owners per persistentVolumeClaimRetentionPolicy', () => {
  const claim = (refs: PersistentVolumeClaim['metadata']['ownerReferences'] = undefined): PersistentVolumeClaim => ({ metadata: { name: 'data-web-1', namespace: 'ns', ownerReferences: refs }, spec: {} });
  const p = pod(1, 'new');
  it('Retain/Retain: no owners (stale ones dropped)', () => {
    expect(claimOwnerRefs(claim(), sts(), p, true)).toBeUndefined();
    expect(claimOwnerRefs(claim([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'older' }]), sts(), p, true)).toEqual([]);
  });
  it('whenDeleted Delete: owned by the set', () => {
    const s = sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    expect(claimOwnerRefs(claim(), s, p, true)).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'set-uid' }]);
  });
  it('whenScaled Delete: owned by the pod once scaled away, by nothing while in range', () => {
    const s = sts({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    expect(claimOwnerRefs(claim(), s, p, false)).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'pod-1' }]);
    expect(claimOwnerRefs(claim([{ apiVersion: 'v1', kind: 'Pod', name: 'web-1', uid: 'pod-1' }]), s, p, true)).toEqual([]);
  });
});

describe('statefulset status', () => {
  it('counts pods by readiness and revision; a finished rolling update makes the update revision current', () => {
    const s = sts();
    const st = computeStatus({ sts: s, pods: [pod(0, 'old'), pod(1, 'old'), pod(2, 'new', 'pending')], currentRevision: 'old', updateRevision: 'new', collisionCount: undefined, now: NOW });
    expect(st).toMatchObject({ observedGeneration: 3, replicas: 3, readyReplicas: 2, availableReplicas: 2, currentReplicas: 2, updatedReplicas: 1, currentRevision: 'old', updateRevision: 'new', collisionCount: 0 });
    const fin = computeStatus({ sts: s, pods: [pod(0, 'new'), pod(1, 'new'), pod(2, 'new')], currentRevision: 'old', updateRevision: 'new', collisionCount: 1, now: NOW });
    expect(fin).toMatchObject({ currentReplicas: 3, updatedReplicas: 3, currentRevision: 'new', collisionCount: 1 });
  });
});
