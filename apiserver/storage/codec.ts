// How objects live in etcd: JSON without metadata.resourceVersion (the mod revision is
// the version, storing it would make every value stale the moment it is written).

import type { KubeObject } from '../../api/types.js';

/** JSON text of obj as stored: resourceVersion stripped, key order preserved. */
export function encodeObject(obj: KubeObject): string {
  const meta = obj.metadata ?? {};
  if (meta.resourceVersion === undefined) return JSON.stringify(obj);
  const { resourceVersion: _rv, ...rest } = meta;
  return JSON.stringify({ ...obj, metadata: rest });
}

/** Parses a stored value and stamps the revision it was read at. */
export function decodeObject(value: Buffer | string, modRevision: number | string): KubeObject {
  const obj = JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as KubeObject;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = {};
  obj.metadata.resourceVersion = String(modRevision);
  return obj;
}

/** A copy of obj whose metadata.resourceVersion is rv (shallow: the rest is shared). */
export function withResourceVersion(obj: KubeObject, rv: number | string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}

/** Structural equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  // undefined-valued keys vanish in JSON, so they do not count as differences.
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  if (ak.length !== bk.length) return false;
  for (const k of ak) if (!Object.prototype.hasOwnProperty.call(bo, k) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}
