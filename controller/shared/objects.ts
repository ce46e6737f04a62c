// Small pure helpers over API objects that every controller needs. The api/ package is
// getting shared versions of some of these; until then the controllers keep private,
// dependency-free copies here so they never break on a half-written shared module.

import { createHash } from 'node:crypto';
import type { KubeObject, LabelSelector, OwnerReference, Pod } from '../../api/types.js';

export function deepClone<T>(v: T): T {
  return structuredClone(v);
}

/** JSON with sorted keys: equal values give equal strings whatever the key order. */
export function stableStringify(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

// Kubernetes renders hashes with consonants and digits only so names never spell words.
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Short, stable, DNS-safe hash of any JSON value (the pod-template-hash). */
export function shortHash(v: unknown, length = 10): string {
  const digest = createHash('sha256').update(stableStringify(v)).digest();
  let out = '';
  for (let i = 0; i < length; i++) out += SAFE_ALPHABET[digest[i]! % SAFE_ALPHABET.length];
  return out;
}

/** metav1.Time style: RFC 3339, second precision. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function parseTime(t: string | undefined | null): number | undefined {
  if (!t) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function keyOf(obj: { metadata: { namespace?: string; name?: string } }): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** True when `labels` satisfy the selector. An empty selector matches everything (callers guard). */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const req of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, req.key);
    const vals = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !vals.includes(l[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && vals.includes(l[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

export function isEmptySelector(sel: LabelSelector | undefined): boolean {
  return !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
}

/** Not terminating, not finished: counts towards a ReplicaSet's replicas. */
export function isPodActive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

export function podReadyCondition(p: Pod) {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(p: Pod): boolean {
  return podReadyCondition(p)?.status === 'True';
}

/**
 * Ready for at least minReadySeconds. Returns the ms still to wait when ready but not yet
 * available (so the caller can requeue), 0 when available, undefined when not ready.
 */
export function podAvailableIn(p: Pod, minReadySeconds: number, now: number): number | undefined {
  const c = podReadyCondition(p);
  if (c?.status !== 'True') return undefined;
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
