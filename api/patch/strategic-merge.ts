// Strategic merge patch, the subset kubectl needs (`kubectl apply`, `edit`, `patch`,
// `set image`, `scale`). Lists of objects at well-known fields merge by a key (containers
// by name, ...) instead of being replaced; `$patch: replace|delete` directives work on maps
// and list elements; `$deleteFromPrimitiveList/<field>` removes scalars from set-merged
// lists (finalizers); `$retainKeys: [...]` clears the map's other keys (kubectl sends it
// for union fields such as a Deployment's strategy or a volume's source, so switching
// RollingUpdate → Recreate drops rollingUpdate). `$setElementOrder/*` is accepted and
// ignored: orch keeps the existing order, which only affects how lists are printed.
// Everything else behaves as a JSON merge patch. Inputs are never mutated.

import { errors } from '../errors.js';
import { deepClone, deepEqual } from '../meta.js';
import { UNSAFE_KEYS } from '../validation/unsafe-keys.js';

type Obj = Record<string, unknown>;
type ListStrategy = { kind: 'merge'; key: string } | { kind: 'set' } | { kind: 'replace' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ownerReferences: 'uid',
  conditions: 'type',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  addresses: 'type',
};

/** How the list at `path` (field names only, list indexes skipped) is patched. */
export function listStrategy(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (field === 'finalizers' && parent === 'metadata') return { kind: 'set' };
  if (field === 'ports') {
    // Container ports merge by containerPort; Service ports by port.
    return CONTAINER_LISTS.has(parent) ? { kind: 'merge', key: 'containerPort' } : { kind: 'merge', key: 'port' };
  }
  const key = MERGE_KEYS[field];
  return key ? { kind: 'merge', key } : { kind: 'replace' };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDirectiveKey(k: string): boolean {
  return k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/');
}

/** A patch value used as-is (replacement): directives removed, nulls in maps dropped. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((e) => !(isObj(e) && (e.$patch === 'replace' || e.$patch === 'delete'))).map(clean);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (isDirectiveKey(k) || val === null) continue;
    out[k] = clean(val);
  }
  return out;
}

function mergeMap(orig: unknown, patch: Obj, path: string[]): Obj | undefined {
  const directive = patch.$patch;
  if (directive !== undefined) {
    if (directive === 'delete') return undefined;
    if (directive === 'replace') return clean(patch) as Obj;
    if (directive !== 'merge') throw errors.badRequest(`unknown patch directive "$patch: ${String(directive)}" at ${path.join('.') || '<root>'}`);
  }
  const result: Obj = isObj(orig) ? deepClone(orig) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    // Assigning "__proto__" would replace the result's prototype rather than add a key.
    if (UNSAFE_KEYS.has(key)) throw errors.badRequest(`forbidden key "${key}" in patch`);
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeValue(result[key], value, [...path, key]);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === 'string')) throw errors.badRequest(`$retainKeys must be a list of strings at ${path.join('.') || '<root>'}`);
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$deleteFromPrimitiveList/')) continue;
    const field = key.slice('$deleteFromPrimitiveList/'.length);
    if (!Array.isArray(value)) throw errors.badRequest(`${key} must be a list`);
    const cur = result[field];
    if (Array.isArray(cur)) result[field] = cur.filter((x) => !value.some((d) => deepEqual(d, x)));
  }
  return result;
}

function mergeList(orig: unknown, patch: unknown[], path: string[]): unknown[] {
  if (patch.some((e) => isObj(e) && e.$patch === 'replace')) return clean(patch) as unknown[];
  const strategy = listStrategy(path);
  if (strategy.kind === 'replace' || !Array.isArray(orig)) {
    if (strategy.kind === 'merge') {
      // Merging into nothing: still honour per-element directives and drop deletes.
      return mergeList([], patch, path);
    }
    return clean(patch) as unknown[];
  }
  if (strategy.kind === 'set') {
    const out = deepClone(orig);
    for (const v of patch) if (!out.some((x) => deepEqual(x, v))) out.push(deepClone(v));
    return out;
  }
  const { key } = strategy;
  const out = deepClone(orig);
  for (const el of patch) {
    if (!isObj(el)) throw errors.badRequest(`${path.join('.')}: list elements must be objects with merge key "${key}"`);
    if (!Object.prototype.hasOwnProperty.call(el, key)) {
      throw errors.badRequest(`${path.join('.')}: map in list does not contain the merge key "${key}"`);
    }
    const idx = out.findIndex((x) => isObj(x) && deepEqual(x[key], el[key]));
    if (el.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    const merged = mergeMap(idx >= 0 ? out[idx] : undefined, el, path);
    if (idx >= 0) {
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else if (merged !== undefined) out.push(merged);
  }
  return out;
}

function mergeValue(orig: unknown, patch: unknown, path: string[]): unknown {
  if (Array.isArray(patch)) return mergeList(orig, patch, path);
  if (isObj(patch)) return mergeMap(orig, patch, path);
  return patch;
}

export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) {
    if (Array.isArray(patch)) return clean(patch);
    throw errors.badRequest('a strategic merge patch must be a JSON object');
  }
  return mergeMap(target, patch, []) ?? {};
}
