// Reconciles the default roles and bindings (bootstrap-policy.ts) on every apiserver
// start, as Kubernetes' rbac/bootstrap-roles post-start hook: a missing object is
// created; an existing one annotated rbac.authorization.kubernetes.io/autoupdate=true
// gets the rules, subjects, labels and annotations it lacks (an aggregated role: its
// aggregationRule's selectors) and never loses what users added. An object whose
// annotation is not "true" is the user's: left alone. Several apiservers may race:
// AlreadyExists and conflicts are retried by the next start, never fatal.

import { isAlreadyExists, isConflict, isNotFound } from '../../../api/errors.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding, type Subject } from '../../../api/rbac-types.js';
import { findResource } from '../../../api/resources.js';
import type { KubeObject } from '../../../api/types.js';
import { collectionPrefix } from '../../registry/keys.js';
import type { Store } from '../../registry/store.js';
import type { Storage } from '../../storage/types.js';
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

/** Creates `want` when absent, else writes what reconcile adds to the stored object. */
async function ensure<T extends KubeObject>(store: Store, plural: string, cur: T | undefined, want: T, reconcile: (cur: T, want: T) => T | undefined): Promise<void> {
  const r = findResource(RBAC_GROUP, 'v1', plural)!;
  if (!cur) {
    try {
      await store.create(r, undefined, structuredClone(want));
    } catch (err) {
      // Another apiserver was first: the next start reconciles what it wrote.
      if (!isAlreadyExists(err)) throw err;
    }
    return;
  }
  const next = reconcile(cur, want);
  if (!next) return;
  try {
    await store.update(r, undefined, want.metadata.name!, next);
  } catch (err) {
    // Another apiserver (or a user) wrote it meanwhile: the next start looks again.
    if (!isConflict(err) && !isNotFound(err)) throw err;
  }
}

/**
 * One list per kind, then only the writes that change something, in parallel: a restart
 * of a cluster whose defaults are in place costs two reads.
 */
export async function reconcileBootstrapPolicy(store: Store, storage: Storage): Promise<void> {
  const existing = async (plural: string) => {
    const list = await storage.list(collectionPrefix(findResource(RBAC_GROUP, 'v1', plural)!));
    return new Map(list.items.map((o) => [o.metadata.name!, o]));
  };
  const [roles, bindings] = await Promise.all([existing('clusterroles'), existing('clusterrolebindings')]);
  await Promise.all([
    ...bootstrapClusterRoles().map((w) => ensure(store, 'clusterroles', roles.get(w.metadata.name!) as ClusterRole | undefined, w, reconcileRole)),
    ...bootstrapClusterRoleBindings().map((w) => ensure(store, 'clusterrolebindings', bindings.get(w.metadata.name!) as RoleBinding | undefined, w, reconcileBinding)),
  ]);
}
