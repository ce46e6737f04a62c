// Small pure helpers over API objects that every controller needs: the generic ones come
// from api/ (re-exported under the names the controllers use), the rest are specific to
// controllers (pod-template-hash, availability with minReadySeconds).

import { createHash } from 'node:crypto';
import { canonicalJson } from '../../api/meta.js';
import type { KubeObject, LabelSelector, Pod } from '../../api/types.js';
import { PROXIES_ROUTED_CONDITION } from '../../api/proxy-sync.js';

export { deepClone, deepEqual, isPodActive, isPodReady, canonicalJson as stableStringify } from '../../api/meta.js';
export { controllerRef as controllerRefOf } from '../../api/meta.js';
export { objectKey as keyOf } from '../../api/resources.js';
export { matchesLabelSelector as selectorMatches } from '../../api/selectors/labels.js';

// Kubernetes renders hashes with consonants and digits only so names never spell words.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Short, stable, DNS-safe hash of any JSON value (the pod-template-hash). */
export function shortHash(v: unknown, length = 10): string {
  const digest = createHash('sha256').update(canonicalJson(v)).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[digest[i]! % SAFE_ALPHABET.length];
  return out;
}

export function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The controller of `obj` when it is of `kind` and in `cache` with the same uid (a
 * same-named successor is not the owner).
 */
export function cachedController<T extends KubeObject>(obj: KubeObject, kind: string, cache: { get(key: string): T | undefined }): T | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== kind) return undefined;
  const owner = cache.get(`${obj.metadata.namespace}/${ref.name}`);
  return owner && owner.metadata.uid === ref.uid ? owner : undefined;
}

export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

export function podReadyCondition(p: Pod) {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * Ready for at least minReadySeconds, and routed: a pod whose `orch.io/ProxiesRouted`
 * condition is False (the agent waits until every live proxy routes to it, bounded by its
 * --proxy-drain-timeout) is not available yet; the agent's status update that turns it
 * True requeues the ReplicaSet like any pod update. Returns the ms still to wait when ready
 * but not yet available for minReadySeconds (so the caller can requeue), 0 when available,
 * undefined when not ready or not routed.
 */
export function podAvailableIn(p: Pod, minReadySeconds: number, now: number): number | undefined {
  const c = podReadyCondition(p);
  if (c?.status !== 'True') return undefined;
  if (p.status?.conditions?.some((x) => x.type === PROXIES_ROUTED_CONDITION && x.status === 'False')) return undefined;
  if (!minReadySeconds) return 0;
  const since = parseTime(c.lastTransitionTime);
  if (since === undefined) return 0;
  const left = since + minReadySeconds * 1000 - now;
  return left < 0 ? 0 : left === 0 ? 1 : left;
}

export function isPodAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  return podAvailableIn(p, minReadySeconds, now) === 0;
}

export function creationMs(o: KubeObject): number {
  return parseTime(o.metadata.creationTimestamp) ?? 0;
}
