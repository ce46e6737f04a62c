// JSON merge patch (RFC 7386): objects merge recursively, null deletes, anything else
// (arrays included) replaces. Inputs are never mutated.

import { errors } from '../errors.js';
import { deepClone } from '../meta.js';
import { UNSAFE_KEYS } from '../validation/unsafe-keys.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepClone(patch);
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    // Assigning "__proto__" would replace the result's prototype rather than add a key.
    if (UNSAFE_KEYS.has(key)) throw errors.badRequest(`forbidden key "${key}" in patch`);
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
    }
  }
  // Untouched members are shared with target by the spread above; clone so the result
  // owns all of its data and later mutation cannot leak back into the caller's object.
  for (const key of Object.keys(result)) {
    if (!Object.prototype.hasOwnProperty.call(patch, key)) result[key] = deepClone(result[key]);
  }
  return result;
}
