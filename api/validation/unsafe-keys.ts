// Keys that could reach Object.prototype when a body is merged into plain objects.
// The apiserver rejects any body containing them with 400, before anything else runs.

import { errors } from '../errors.js';

export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Deepest nesting accepted in a body. Real objects stay under ~20 levels; much deeper
 * values overflow the stack of recursive steps later on (structuredClone, JSON.stringify
 * fail near 5,000 levels), which would turn a client's mistake into a 500.
 */
export const MAX_JSON_DEPTH = 500;

function tooDeep(): never {
  throw errors.badRequest(`request body is nested too deeply (more than ${MAX_JSON_DEPTH} levels)`);
}

/**
 * JSON-path-like locations ("metadata.labels.__proto__", "items[2].constructor") of unsafe
 * keys. Throws ApiError 400 when the value nests deeper than MAX_JSON_DEPTH.
 */
export function findUnsafeKeys(value: unknown, path = ''): string[] {
  const found: string[] = [];
  // Iterative walk: bodies are untrusted and may nest deeply enough to overflow the stack.
  const stack: { v: unknown; p: string; d: number }[] = [{ v: value, p: path, d: 0 }];
  while (stack.length > 0) {
    const { v, p, d } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d >= MAX_JSON_DEPTH) tooDeep();
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], p: `${p}[${i}]`, d: d + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const child = p ? `${p}.${k}` : k;
      if (UNSAFE_KEYS.has(k)) found.push(child);
      stack.push({ v: (v as Record<string, unknown>)[k], p: child, d: d + 1 });
    }
  }
  return found.sort();
}

/** Cheap text test: can this JSON text contain an unsafe key or nest too deeply? */
function needsWalk(text: string): boolean {
  // A \u escape could spell a forbidden key, so escaped texts always get the full walk.
  if (text.includes('\\u') || /__proto__|constructor|prototype/.test(text)) return true;
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c === 123 || c === 91) && ++openers >= MAX_JSON_DEPTH) return true; // '{' '['
  }
  return false;
}

/** JSON.parse that refuses unsafe keys, over-deep nesting and malformed JSON (ApiError 400). */
export function safeJsonParse(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`invalid JSON in request body: ${(err as Error).message}`);
  }
  // Most bodies mention none of the words and are shallow: skip the walk for them.
  if (needsWalk(text)) {
    const bad = findUnsafeKeys(parsed);
    if (bad.length > 0) throw errors.badRequest(`request body contains the forbidden key at ${bad[0]}`);
  }
  return parsed;
}
