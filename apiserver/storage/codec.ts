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

/**
 * The stored JSON bytes with metadata.resourceVersion = rv, as pieces to concatenate:
 * the stored value is sliced, not copied, and never becomes a string (lists of thousands
 * of objects would otherwise spend their time and memory in parse + stringify, or in
 * building strings as big as the list). Byte-identical to
 * JSON.stringify(decodeObject(value, rv)) for what encodeObject writes: the revision is
 * appended as the last key of the top-level metadata. Returns undefined for anything
 * unusual (no metadata object, a resourceVersion already in it, malformed text), where the
 * caller falls back to parse + stringify. Scanning bytes is safe for UTF-8: every byte of
 * a multi-byte character is >= 0x80, so it never looks like a quote, brace or backslash.
 */
export function stampResourceVersion(value: Buffer, rv: number | string): Buffer[] | undefined {
  const n = value.length;
  if (value[0] !== 0x7b /* { */) return undefined;
  let i = 1;
  while (i < n) {
    if (value[i] !== 0x22 /* " */) return undefined;
    const keyEnd = skipString(value, i);
    if (keyEnd < 0 || value[keyEnd] !== 0x3a /* : */) return undefined;
    const vStart = keyEnd + 1;
    const vEnd = skipValue(value, vStart);
    if (vEnd < 0) return undefined;
    if (keyEnd - i === METADATA_KEY.length && value.compare(METADATA_KEY, 0, METADATA_KEY.length, i, keyEnd) === 0) {
      if (value[vStart] !== 0x7b) return undefined;
      const close = vEnd - 1;
      const seen = value.lastIndexOf(RV_KEY, close);
      if (seen > vStart) return undefined;
      const sep = close === vStart + 1 ? '' : ',';
      return [value.subarray(0, close), Buffer.from(`${sep}"resourceVersion":"${rv}"`), value.subarray(close)];
    }
    if (value[vEnd] !== 0x2c /* , */) return undefined;
    i = vEnd + 1;
  }
  return undefined;
}

const METADATA_KEY = Buffer.from('"metadata"');
const RV_KEY = Buffer.from('"resourceVersion"');

/** Index just past the JSON string starting at i (a quote), or -1. */
function skipString(b: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = b.indexOf(0x22, j);
    if (q < 0) return -1;
    let bs = 0;
    for (let k = q - 1; b[k] === 0x5c /* \ */; k--) bs++;
    if (bs % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** Index just past the compact JSON value starting at i, or -1. */
function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === 0x22) return skipString(b, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < b.length; j++) {
      const ch = b[j];
      if (ch === 0x22) {
        j = skipString(b, j) - 1;
        if (j < 0) return -1;
      } else if (ch === 0x7b || ch === 0x5b) depth++;
      else if (ch === 0x7d || ch === 0x5d) {
        if (--depth === 0) return j + 1;
      }
    }
    return -1;
  }
  // number, true, false, null
  let j = i;
  while (j < b.length) {
    const ch = b[j];
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d) break;
    j++;
  }
  return j > i ? j : -1;
}
