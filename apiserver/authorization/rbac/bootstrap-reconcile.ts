// Reconciles the default roles and bindings (bootstrap-policy.ts) on every apiserver
// start, as Kubernetes' rbac/bootstrap-roles post-start hook: a missing object is
// created; an existing one annotated rbac.authorization.kubernetes.io/autoupdate=true
// gets the rules, subjects, labels and annotations it lacks (an aggregated role: its
// aggregationRule's selectors) and never loses what users added. An object whose
// annotation is not "true" is the user's: left alone. Several apiservers may race:
// AlreadyExists and conflicts are retried by the next start, never fatal.

import { isAlreadyExists, isConflict } from '../../../api/errors.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding, type Subject } from '../../../api/rbac-types.js';
import { findResource } from '../../../api/resources.js';
import type { KubeObject } from '../../../api/types.js';
import type { Store } from '../../registry/store.js';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** `have` plus every element of `want` it lacks (compared as JSON), or undefined when nothing is missing. */
function addMissing<T>(have: T[] | undefined, want: T[]): T[] | undefined {
  const cur = have ?? [];
  const missing = want.filter((w) => !cur.some((h) => sameJson(h, w)));
  return missing.length ? [...cur, ...missing] : undefined;
}

function mergeMeta(cur: KubeObject, want: KubeObject): boolean {
  let changed = false;
  for (const f of ['labels', 'annotations'] as const) {
    const have = { ...(cur.metadata[f] ?? {}) };
    for (const [k, v] of Object.entries(want.metadata[f] ?? {})) {
      if (!(k in have)) {
        have[k] = v;
        changed = true;
      }
    }
    if (changed) cur.metadata[f] = have;
  }
  return changed;
}

/** The object with what `want` adds, or undefined when nothing is to change. */
export function reconcileRole(cur: ClusterRole, want: ClusterRole): ClusterRole | undefined {
  if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'true') return undefined;
  const next = structuredClone(cur);
  let changed = mergeMeta(next, want);
  if (want.aggregationRule) {
    const sels = addMissing(next.aggregationRule?.clusterRoleSelectors, want.aggregationRule.clusterRoleSelectors ?? []);
    if (sels) {
      next.aggregationRule = { ...next.aggregationRule, clusterRoleSelectors: sels };
      changed = true;
    }
  } else {
    const rules = addMissing<PolicyRule>(next.rules ?? [], want.rules ?? []);
    if (rules) {
      next.rules = rules;
      changed = true;
    }
  }
  return changed ? next : undefined;
}

export function reconcileBinding(cur: RoleBinding, want: RoleBinding): RoleBinding | undefined {
  if (cur.metadata.annotations?.[AUTOUPDATE_ANNOTATION] !== 'true') return undefined;
  // A roleRef cannot change: a binding the user pointed elsewhere stays theirs.
  if (!sameJson(cur.roleRef, want.roleRef)) return undefined;
  const next = structuredClone(cur);
  let changed = mergeMeta(next, want);
  const subjects = addMissing<Subject>(next.subjects, want.subjects ?? []);
  if (subjects) {
    next.subjects = subjects;
    changed = true;
  }
  return changed ? next : undefined;
}

async function ensure<T extends KubeObject>(store: Store, plural: string, want: T, reconcile: (cur: T, want: T) => T | undefined): Promise<void> {
  const r = findResource(RBAC_GROUP, 'v1', plural)!;
  try {
    await store.create(r, undefined, structuredClone(want));
    return;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const cur = (await store.get(r, undefined, want.metadata.name!)) as T;
  const next = reconcile(cur, want);
  if (!next) return;
  try {
    await store.update(r, undefined, want.metadata.name!, next);
  } catch (err) {
    // Another apiserver (or a user) wrote it meanwhile: the next start looks again.
    if (!isConflict(err)) throw err;
  }
}

export async function reconcileBootstrapPolicy(store: Store): Promise<void> {
  for (const role of bootstrapClusterRoles()) await ensure(store, 'clusterroles', role, reconcileRole);
  for (const b of bootstrapClusterRoleBindings()) await ensure(store, 'clusterrolebindings', b, reconcileBinding);
}
