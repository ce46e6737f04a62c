import { expect, test } from 'vitest';
import type { NamespaceCondition } from '../api/types.js';
import { countInto, emptyReport, groupResource, nextConditions, NAMESPACE_CONDITION_TYPES } from './namespace-conditions.js';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:00:05Z';
const T3 = '2026-01-01T00:00:09Z';

function stuckReport() {
  const r = emptyReport();
  r.contentErrors.push('pods "b": etcdserver: request timed out', 'deployments.apps "a": boom');
  countInto(r.remaining, 'pods');
  countInto(r.remaining, 'pods');
  countInto(r.remaining, 'configmaps');
  countInto(r.finalizers, 'example.com/hold');
  return r;
}

test('group-resource names as Kubernetes prints them', () => {
  expect(groupResource({ group: '', plural: 'pods' })).toBe('pods');
  expect(groupResource({ group: 'apps', plural: 'deployments' })).toBe('deployments.apps');
});

test('first pass: every type present, failures True with sorted messages, the rest False with the okay reason', () => {
  const conds = nextConditions(undefined, stuckReport(), T1)!;
  expect(conds.map((c) => c.type)).toEqual([...NAMESPACE_CONDITION_TYPES]);
  const by = (t: string) => conds.find((c) => c.type === t)!;
  expect(by('NamespaceDeletionDiscoveryFailure')).toEqual({ type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered', lastTransitionTime: T1 });
  expect(by('NamespaceDeletionContentFailure')).toMatchObject({
    status: 'True',
    reason: 'ContentDeletionFailed',
    message: 'Failed to delete all resource types, 2 remaining: deployments.apps "a": boom, pods "b": etcdserver: request timed out',
  });
  expect(by('NamespaceContentRemaining').message).toBe('Some resources are remaining: configmaps has 1 resource instances, pods has 2 resource instances');
  expect(by('NamespaceFinalizersRemaining').message).toBe('Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
});

test('an unchanged pass changes nothing (no write); lastTransitionTime moves only when the status flips', () => {
  const first = nextConditions(undefined, stuckReport(), T1)!;
  expect(nextConditions(first, stuckReport(), T2)).toBeUndefined();

  // Same status, new message (another object failing): message updated, time kept.
  const other = stuckReport();
  other.contentErrors.push('secrets "s": denied');
  const second = nextConditions(first, other, T2)!;
  const content = second.find((c) => c.type === 'NamespaceDeletionContentFailure')!;
  expect(content.message).toContain('3 remaining');
  expect(content.lastTransitionTime).toBe(T1);

  // Resolved: back to False with the okay reason, time moved; still-failing types keep theirs.
  const resolved = stuckReport();
  resolved.contentErrors = [];
  const third = nextConditions(second, resolved, T3)!;
  expect(third.find((c) => c.type === 'NamespaceDeletionContentFailure')).toEqual({
    type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization', lastTransitionTime: T3,
  });
  expect(third.find((c) => c.type === 'NamespaceContentRemaining')!.lastTransitionTime).toBe(T1);
  // The input was not mutated.
  expect(second.find((c) => c.type === 'NamespaceDeletionContentFailure')!.status).toBe('True');
});

test('conditions of other types are kept', () => {
  const foreign: NamespaceCondition = { type: 'example.com/Audited', status: 'True', lastTransitionTime: T1 };
  const conds = nextConditions([foreign], emptyReport(), T2)!;
  expect(conds[0]).toEqual(foreign);
  expect(conds).toHaveLength(1 + NAMESPACE_CONDITION_TYPES.length);
  expect(conds.filter((c) => c.type !== foreign.type).every((c) => c.status === 'False')).toBe(true);
});

test('a failed list is a discovery failure naming the kind', () => {
  const r = emptyReport();
  r.discoveryErrors.push('secrets: etcdserver: request timed out');
  const c = nextConditions(undefined, r, T1)!.find((x) => x.type === 'NamespaceDeletionDiscoveryFailure')!;
  expect(c).toMatchObject({ status: 'True', reason: 'DiscoveryFailed', message: 'Discovery failed for some groups, 1 failing: secrets: etcdserver: request timed out' });
});
