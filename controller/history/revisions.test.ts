// Revision history's pure rules: names and hashes, ordering, truncation.

import { describe, expect, it } from 'vitest';
import type { ControllerRevision } from '../../api/daemonset-types.js';
import { CONTROLLER_REVISION_HASH, equalRevisions, hashRevision, maxRevision, newControllerRevision, revisionName, revisionsToTruncate } from './revisions.js';

const rev = (name: string, revision: number, data: unknown = { n: name }): ControllerRevision => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, namespace: 'ns' }, data, revision });

describe('revisions', () => {
  it('hash depends on data and collision count; name is parent-hash', () => {
    expect(hashRevision({ a: 1 })).toBe(hashRevision({ a: 1 }));
    expect(hashRevision({ a: 1 })).not.toBe(hashRevision({ a: 2 }));
    expect(hashRevision({ a: 1 }, 1)).not.toBe(hashRevision({ a: 1 }));
    expect(revisionName('x'.repeat(300), 'h')).toHaveLength(225);
    const cr = newControllerRevision({ parent: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'ns', uid: 'u', annotations: { 'kubernetes.io/change-cause': 'why' } } }, parentApiVersion: 'apps/v1', parentKind: 'DaemonSet', templateLabels: { app: 'x' }, data: { a: 1 }, revision: 4 });
    const h = hashRevision({ a: 1 });
    expect(cr.metadata).toMatchObject({ name: `d-${h}`, labels: { app: 'x', [CONTROLLER_REVISION_HASH]: h }, annotations: { 'kubernetes.io/change-cause': 'why' } });
    expect(cr.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u', controller: true, blockOwnerDeletion: true }]);
    expect(cr.revision).toBe(4);
  });

  it('finds equal data, the highest number, and what to truncate (never current or live ones)', () => {
    const rs = [rev('r3', 3), rev('r1', 1), rev('r2', 2, { same: true }), rev('r5', 5, { same: true }), rev('r4', 4)];
    expect(equalRevisions(rs, { same: true }).map((r) => r.metadata.name)).toEqual(['r2', 'r5']);
    expect(maxRevision(rs)).toBe(5);
    expect(revisionsToTruncate(rs, new Set(['r1']), 'r5', 1).map((r) => r.metadata.name)).toEqual(['r2', 'r3']);
    expect(revisionsToTruncate(rs, new Set(), 'r5', 10)).toEqual([]);
    expect(revisionsToTruncate(rs, new Set(), 'r5', 0).map((r) => r.metadata.name)).toEqual(['r1', 'r2', 'r3', 'r4']);
  });
});
