import { describe, expect, it } from 'vitest';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../api/storage/types.js';
import type { Node, Pod } from '../api/types.js';
import { FitError } from './fit-error.js';
import { planPodVolumes, type VolumeListers } from './volume-binding.js';

const node = (name: string, annotations?: Record<string, string>): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name }, annotations }, spec: {} });
const pod = (...claims: string[]): Pod => ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [], volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })) } });
const claim = (name: string, o: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  metadata: { name, namespace: 'ns', uid: name, annotations },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...o },
});
const pinned = (name: string, host: string, o: Partial<PersistentVolume['spec']> = {}): PersistentVolume => ({
  metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/x' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } }, ...o },
  status: { phase: 'Available' },
});
const classes: Record<string, StorageClass> = {
  'local-path': { metadata: { name: 'local-path' }, provisioner: 'orch.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' },
  manual: { metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'WaitForFirstConsumer' },
  now: { metadata: { name: 'now' }, provisioner: 'x/y', volumeBindingMode: 'Immediate' },
};
const listers = (claims: PersistentVolumeClaim[], volumes: PersistentVolume[] = []): VolumeListers => ({
  claim: (ns, n) => claims.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
  volume: (n) => volumes.find((v) => v.metadata.name === n),
  volumes: () => volumes,
  storageClass: (n) => classes[n],
});

describe('volume binding at scheduling time', () => {
  it('a pod without claims has no plan', () => {
    expect(planPodVolumes(pod(), listers([]), 2)).toBeUndefined();
  });

  it('refuses before any node is tried: missing claim, unbound Immediate claim', () => {
    const missing = planPodVolumes(pod('nope'), listers([]), 3);
    expect(missing).toBeInstanceOf(FitError);
    expect((missing as FitError).message).toBe('0/3 nodes are available: persistentvolumeclaim "nope" not found.');
    const immediate = planPodVolumes(pod('c'), listers([claim('c', { storageClassName: 'now' })]), 3) as FitError;
    expect(immediate.message).toBe('0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims (claim "c").');
  });

  it('a bound claim: only the nodes its volume allows', () => {
    const plan = planPodVolumes(pod('c'), listers([claim('c', { volumeName: 'v' })], [pinned('v', 'h1')]), 2);
    if (!plan || plan instanceof FitError) throw new Error('no plan');
    expect(plan.check(node('h1'))).toBeUndefined();
    expect(plan.check(node('h2'))).toBe('node(s) had volume node affinity conflict (claim "c", volume "v")');
    expect(plan.toSelect).toEqual([]);
  });

  it('a WaitForFirstConsumer claim: nodes with a matching volume, or a local-path directory; the claim is to be given the node', () => {
    const withVolume = planPodVolumes(pod('c'), listers([claim('c', { storageClassName: 'manual' })], [pinned('v', 'h2', { storageClassName: 'manual' })]), 2);
    if (!withVolume || withVolume instanceof FitError) throw new Error('no plan');
    expect(withVolume.check(node('h1'))).toBe(`node(s) didn't find available persistent volumes to bind (claim "c")`);
    expect(withVolume.check(node('h2'))).toBeUndefined();
    expect(withVolume.toSelect.map((c) => c.metadata.name)).toEqual(['c']);
    const provisioned = planPodVolumes(pod('c'), listers([claim('c', { storageClassName: 'local-path' })]), 2);
    if (!provisioned || provisioned instanceof FitError) throw new Error('no plan');
    expect(provisioned.check(node('h1', { 'storage.orch.io/local-path-root': '/var/lib/orch/storage' }))).toBeUndefined();
    expect(provisioned.check(node('h2'))).toMatch(/didn't find available persistent volumes/);
    // Already given a node by an earlier pod: that node only.
    const selected = planPodVolumes(pod('c'), listers([claim('c', { storageClassName: 'local-path' }, { 'volume.kubernetes.io/selected-node': 'h1' })]), 2);
    if (!selected || selected instanceof FitError) throw new Error('no plan');
    expect(selected.check(node('h1'))).toBeUndefined();
    expect(selected.check(node('h2'))).toMatch(/selected for claim "c"/);
  });
});
