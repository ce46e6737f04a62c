// The one key that could reach Object.prototype when a body is merged into plain objects:
// `__proto__` (assigning it replaces an object's prototype instead of adding a key). The
// apiserver refuses a body containing it with 400, before anything else runs. Every other
// key — `constructor`, `prototype`, `toString`, `hasOwnProperty` ... in data, labels,
// annotations or any map — is an ordinary key: JSON.parse makes own properties of them,
// and every merge (api/patch/, api/managed-fields/) reads keys as own properties only
// (api/validation/prototype-keys.test.ts sends them through every write path).
// Kubernetes would accept `__proto__` as a ConfigMap data key; orch does not (docs/security/admission.md).

import { errors } from '../errors.js';

export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__']);

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

/**
 * How deeply a value nests (a scalar 0, `{}` 1, `{"a":[]}` 2), counted without recursion so
 * any value can be measured; stops early once past `limit`. With `at`, also says where the
 * deepest point seen starts (the first three path segments), for messages.
 */
export function jsonDepth(value: unknown, limit = Infinity): { depth: number; at: string } {
  let depth = 0;
  let at = '';
  const stack: { v: unknown; d: number; p: string[] }[] = [{ v: value, d: 1, p: [] }];
  while (stack.length > 0) {
    const { v, d, p } = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d > depth) {
      depth = d;
      at = p.join('.');
      if (depth > limit) break;
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [`[${i}]`, x]) : Object.entries(v);
    for (const [k, child] of entries) stack.push({ v: child, d: d + 1, p: p.length < 3 ? [...p, k] : p });
  }
  return { depth, at: at.replace(/\.\[/g, '[') };
}

/** 400 naming where the body holds `__proto__`. */
export function forbiddenKey(at: string): Error {
  return errors.badRequest(`request body contains the forbidden key at ${at}: orch refuses "__proto__" as a key anywhere in an object (it could replace an object's prototype)`);
}

/** Cheap text test: can this JSON text contain an unsafe key or nest too deeply? */
function needsWalk(text: string): boolean {
  // A \u escape could spell a forbidden key, so escaped texts always get the full walk.
  if (text.includes('\\u') || text.includes('__proto__')) return true;
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
    if (bad.length > 0) throw forbiddenKey(bad[0]!);
  }
  return parsed;
}
