// The status conditions of a Terminating namespace, as Kubernetes' namespace controller
// writes them (pkg/controller/namespace/deletion/namespace_condition_utils.go): after
// every cleanup pass each type is present, True with the reason while something is wrong,
// False with an "okay" reason once it is resolved. lastTransitionTime moves only when the
// status flips, so a stuck namespace shows since when it is stuck.
//
// orch sets four of Kubernetes' five types (NamespaceDeletionGVParsingFailure is about
// parsing discovery's group versions, which orch does not have). orch's resource table is
// fixed, so there is no discovery call that can fail; what can fail is finding out what a
// namespace holds of one kind, the list. That is reported as
// NamespaceDeletionDiscoveryFailure (that kind's content is unknown, so not deleted), and
// a failed delete of one object as NamespaceDeletionContentFailure.

import type { NamespaceCondition } from '../api/types.js';

export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

export type NamespaceConditionType = (typeof NAMESPACE_CONDITION_TYPES)[number];

const OKAY: Record<NamespaceConditionType, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** What one cleanup pass over a namespace found. */
export interface CleanupReport {
  /** One message per kind whose list failed ("pods: etcdserver: request timed out"). */
  discoveryErrors: string[];
  /** One message per failed delete ("pods/web-1: etcdserver: request timed out"). */
  contentErrors: string[];
  /** Objects still present after the pass, per group-resource ("pods", "deployments.apps"). */
  remaining: Map<string, number>;
  /** Objects still present per finalizer they carry. */
  finalizers: Map<string, number>;
}

export function emptyReport(): CleanupReport {
  return { discoveryErrors: [], contentErrors: [], remaining: new Map(), finalizers: new Map() };
}

export function countInto(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

/** Kubernetes' GroupResource.String(): "pods", "deployments.apps". */
export function groupResource(r: { group: string; plural: string }): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

function counted(m: Map<string, number>, suffix: string): string {
  return [...m.entries()].map(([k, n]) => `${k} ${suffix.replace('%d', String(n))}`).sort().join(', ');
}

/** The failing conditions of a report (status True); types not listed are okay. */
export function failingConditions(r: CleanupReport): { type: NamespaceConditionType; reason: string; message: string }[] {
  const out: { type: NamespaceConditionType; reason: string; message: string }[] = [];
  if (r.discoveryErrors.length) {
    const msgs = [...r.discoveryErrors].sort();
    out.push({ type: 'NamespaceDeletionDiscoveryFailure', reason: 'DiscoveryFailed', message: `Discovery failed for some groups, ${msgs.length} failing: ${msgs.join(', ')}` });
  }
  if (r.contentErrors.length) {
    const msgs = [...r.contentErrors].sort();
    out.push({ type: 'NamespaceDeletionContentFailure', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}` });
  }
  if (r.remaining.size) {
    out.push({ type: 'NamespaceContentRemaining', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${counted(r.remaining, 'has %d resource instances')}` });
  }
  if (r.finalizers.size) {
    out.push({ type: 'NamespaceFinalizersRemaining', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${counted(r.finalizers, 'in %d resource instances')}` });
  }
  return out;
}

/**
 * The namespace's conditions after a pass: every orch type present, True or False;
 * conditions of other types (set by someone else) kept as they are. Returns undefined
 * when nothing changed, so an unchanged stuck namespace is not rewritten every pass.
 */
export function nextConditions(current: NamespaceCondition[] | undefined, report: CleanupReport, nowIso: string): NamespaceCondition[] | undefined {
  const failing = failingConditions(report);
  const next = (current ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of NAMESPACE_CONDITION_TYPES) {
    const bad = failing.find((f) => f.type === type);
    const want = bad ? { type, status: 'True' as const, reason: bad.reason, message: bad.message } : { type, status: 'False' as const, ...OKAY[type] };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push({ ...want, lastTransitionTime: nowIso });
      changed = true;
    } else if (old.status !== want.status || old.reason !== want.reason || old.message !== want.message) {
      if (old.status !== want.status) old.lastTransitionTime = nowIso;
      Object.assign(old, want);
      changed = true;
    }
  }
  return changed ? next : undefined;
}
