import { describe, expect, it } from 'vitest';
import type { Node } from '../types.js';
import { findMatchingVolume, podClaimNames, volumeAllowsNode, volumeMismatch } from './matching.js';
import type { PersistentVolume, PersistentVolumeClaim } from './types.js';

const pv = (name: string, size: string, o: Partial<PersistentVolume['spec']> = {}, labels?: Record<string, string>): PersistentVolume => ({
  metadata: { name, labels },
  spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'], storageClassName: 'fast', volumeMode: 'Filesystem', hostPath: { path: `/v/${name}` }, ...o },
  status: { phase: 'Available' },
});
const pvc = (o: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'ns', uid: 'u1' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast', ...o },
});
const node = (name: string, labels: Record<string, string> = {}): Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: {} });
const pinned = (host: string): Partial<PersistentVolume['spec']> => ({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] }] } } });

describe('volume matching (binder and scheduler)', () => {
  it('picks the smallest volume that is big enough, of the same class, with every access mode', () => {
    const vols = [pv('big', '10Gi'), pv('small', '512Mi'), pv('fits', '2Gi'), pv('other-class', '1Gi', { storageClassName: 'slow' }), pv('rwo-only', '1Gi', { accessModes: ['ReadWriteOnce'] })];
    expect(findMatchingVolume(pvc(), vols)?.metadata.name).toBe('rwo-only');
    expect(findMatchingVolume(pvc({ accessModes: ['ReadOnlyMany'] }), vols)?.metadata.name).toBe('fits');
    expect(findMatchingVolume(pvc({ accessModes: ['ReadWriteMany'] }), vols)).toBeUndefined();
    expect(findMatchingVolume(pvc({ resources: { requests: { storage: '20Gi' } } }), vols)).toBeUndefined();
  });

  it('says why a volume does not fit', () => {
    expect(volumeMismatch(pvc(), pv('a', '1Gi', { storageClassName: '' }))).toBe('storage class differs');
    expect(volumeMismatch(pvc(), pv('a', '1Mi'))).toBe('too small');
    expect(volumeMismatch(pvc({ selector: { matchLabels: { tier: 'db' } } }), pv('a', '1Gi', {}, { tier: 'web' }))).toBe('selector does not match');
    expect(volumeMismatch(pvc(), pv('a', '1Gi', { claimRef: { namespace: 'ns', name: 'other' } }))).toBe('bound to another claim');
    expect(volumeMismatch(pvc(), { ...pv('a', '1Gi'), status: { phase: 'Released' } })).toBe('phase Released');
    expect(volumeMismatch(pvc(), { ...pv('a', '1Gi'), metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } })).toBe('being deleted');
    expect(volumeMismatch(pvc(), pv('a', '1Gi'))).toBeUndefined();
  });

  it('prefers a volume pre-bound to the claim, and honours the claim\'s volumeName', () => {
    const vols = [pv('small', '1Gi'), pv('mine', '5Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'u1' } })];
    expect(findMatchingVolume(pvc(), vols)?.metadata.name).toBe('mine');
    // Pre-bound to an earlier claim of the same name (another uid): not ours.
    expect(findMatchingVolume(pvc(), [pv('stale', '1Gi', { claimRef: { namespace: 'ns', name: 'data', uid: 'old' } })])).toBeUndefined();
    expect(findMatchingVolume(pvc({ volumeName: 'small' }), [pv('other', '1Gi'), pv('small', '1Gi')])?.metadata.name).toBe('small');
  });

  it('checks node affinity against the node given (WaitForFirstConsumer)', () => {
    const vols = [pv('on-a', '1Gi', pinned('a')), pv('on-b', '2Gi', pinned('b'))];
    expect(volumeAllowsNode(vols[0]!, node('a'))).toBe(true);
    expect(volumeAllowsNode(vols[0]!, node('b'))).toBe(false);
    expect(volumeAllowsNode(pv('free', '1Gi'), node('z'))).toBe(true);
    expect(findMatchingVolume(pvc(), vols, node('b'))?.metadata.name).toBe('on-b');
    expect(findMatchingVolume(pvc(), vols, node('c'))).toBeUndefined();
    // matchFields on metadata.name, and an empty term matching nothing.
    expect(volumeAllowsNode(pv('f', '1Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] }] } } }), node('a'))).toBe(true);
    expect(volumeAllowsNode(pv('e', '1Gi', { nodeAffinity: { required: { nodeSelectorTerms: [{}] } } }), node('a'))).toBe(false);
  });

  it('lists the claims of a pod once each', () => {
    const names = podClaimNames({ metadata: {}, spec: { containers: [], volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'x' } }, { name: 'b', persistentVolumeClaim: { claimName: 'x' } }, { name: 'c', emptyDir: {} }] } });
    expect(names).toEqual(['x']);
  });
});
