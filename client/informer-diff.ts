// What changed between an informer's cache and a fresh list: after a 410 the informer
// relists and must tell its handlers exactly what it missed. Pure, so it is unit-tested
// without a server.

import { objectKey } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';

export interface ListDiff<T extends KubeObject> {
  added: T[];
  /** Objects whose resourceVersion differs from the cached one. */
  updated: Array<{ oldObj: T; newObj: T }>;
  /** Cached objects absent from the fresh list, in their last known state. */
  deleted: T[];
}

/**
 * Compare the cache (key → object) with a full list. Objects with an unchanged
 * resourceVersion are neither added nor updated: handlers never see the same
 * (object, resourceVersion) twice.
 */
export function diffList<T extends KubeObject>(cache: ReadonlyMap<string, T>, fresh: readonly T[]): ListDiff<T> {
  const diff: ListDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const obj of fresh) {
    const key = objectKey(obj);
    seen.add(key);
    const old = cache.get(key);
    if (!old) diff.added.push(obj);
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion || old.metadata.uid !== obj.metadata.uid) {
      diff.updated.push({ oldObj: old, newObj: obj });
    }
  }
  for (const [key, old] of cache) if (!seen.has(key)) diff.deleted.push(old);
  return diff;
}

/** Deep-freeze an object tree (cached objects are shared by every consumer: read-only). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}
