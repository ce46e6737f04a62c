// Strategic merge patch, the subset kubectl needs (`kubectl apply`, `edit`, `patch`,
// `set image`, `scale`). Lists of objects at well-known fields merge by a key (containers
// by name, ...) instead of being replaced; `$patch: replace|delete` directives work on maps
// and list elements; `$deleteFromPrimitiveList/<field>` removes scalars from set-merged
// lists (finalizers); `$retainKeys: [...]` clears the map's other keys (kubectl sends it
// for union fields such as a Deployment's strategy or a volume's source, so switching
// RollingUpdate → Recreate drops rollingUpdate). `$setElementOrder/*` is accepted and
// ignored: orch keeps the existing order, which only affects how lists are printed.
// Everything else behaves as a JSON merge patch. Inputs are never mutated.
//
// Directives are checked before anything is applied, wherever they sit (also inside
// values that replace whole maps or lists, where they would otherwise be dropped
// silently): an unknown `$patch` value or `$`-key, or a directive of the wrong shape, is
// 400, as are keys the patch sets but `$retainKeys` leaves out (Kubernetes' answers).

import { errors } from '../errors.js';
import { deepClone, deepEqual } from '../meta.js';
import { UNSAFE_KEYS } from '../validation/unsafe-keys.js';
import { text } from '../validation/field-errors.js';

type Obj = Record<string, unknown>;
type ListStrategy = { kind: 'merge'; key: string } | { kind: 'set' } | { kind: 'replace' };

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

// Kept equal to the patch extensions orch publishes (apiserver/routes/openapi-model.test.ts
// compares them for every list field of every kind): kubectl computes its patches from those.
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
  // A ServiceAccount's secrets (the only `secrets` list of a served kind).
  secrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  schedulingGates: 'name',
  resourceClaims: 'name',
  resourceClaimStatuses: 'name',
  allocatedResourcesStatus: 'name',
  podIPs: 'ip',
  hostIPs: 'ip',
};

/** How the list at `path` (field names only, list indexes skipped) is patched. */
export function listStrategy(path: readonly string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  const parent = path[path.length - 2] ?? '';
  if (field === 'finalizers' && parent === 'metadata') return { kind: 'set' };
  if (field === 'podCIDRs' && parent === 'spec') return { kind: 'set' };
  if (field === 'ports') {
    // Container ports merge by containerPort, a Service's by port; Endpoints' and
    // EndpointSlices' ports (and load-balancer ingress ports) are replaced whole.
    if (CONTAINER_LISTS.has(parent)) return { kind: 'merge', key: 'containerPort' };
    return parent === 'spec' ? { kind: 'merge', key: 'port' } : { kind: 'replace' };
  }
  // A Node's status addresses merge by type; an endpoint's addresses are replaced whole.
  if (field === 'addresses') return parent === 'status' ? { kind: 'merge', key: 'type' } : { kind: 'replace' };
  const key = MERGE_KEYS[field];
  return key ? { kind: 'merge', key } : { kind: 'replace' };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const PATCH_VALUES = new Set(['replace', 'merge', 'delete']);

function isDirectiveKey(k: string): boolean {
  return k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE);
}

const where = (path: readonly string[]) => path.join('.') || '<root>';
const badPatch = (message: string) => errors.badRequest(`invalid strategic merge patch: ${message}`);

/** Every directive of the patch well-formed, before any of it is applied. */
function checkDirectives(v: unknown, path: string[]): void {
  if (Array.isArray(v)) {
    for (const el of v) checkDirectives(el, path);
    return;
  }
  if (!isObj(v)) return;
  for (const [k, val] of Object.entries(v)) {
    if (!k.startsWith('$')) {
      checkDirectives(val, [...path, k]);
      continue;
    }
    if (k === '$patch') {
      if (typeof val !== 'string' || !PATCH_VALUES.has(val)) throw badPatch(`unknown patch directive "$patch: ${text(val)}" at ${where(path)}`);
    } else if (k === '$retainKeys') {
      if (!Array.isArray(val) || !val.every((x) => typeof x === 'string')) throw badPatch(`$retainKeys must be a list of strings at ${where(path)}`);
      // As Kubernetes: keys set to null (removals) do not count.
      const outside = Object.keys(v).filter((key) => !key.startsWith('$') && v[key] !== null && !val.includes(key));
      if (outside.length > 0) throw badPatch(`$retainKeys at ${where(path)} does not list ${outside.map((x) => `"${x}"`).join(', ')}, which the patch sets`);
    } else if (k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(k.indexOf('/') + 1);
      if (!field || !Array.isArray(val)) throw badPatch(`${k} at ${where(path)} must be a list`);
      if (k.startsWith(SET_ORDER) && v[field] !== undefined && v[field] !== null && !Array.isArray(v[field]))
        throw badPatch(`${k} at ${where(path)} orders "${field}", which is not a list in the patch`);
      if (k.startsWith(DELETE_PRIMITIVE) && val.some((x) => typeof x === 'object' && x !== null))
        throw badPatch(`${k} at ${where(path)} must list primitive values`);
    } else throw badPatch(`unknown patch directive "${k}" at ${where(path)}`);
  }
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
    // 'merge' is the default; other values were refused by checkDirectives.
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
    const merged = mergeValue(Object.hasOwn(result, key) ? result[key] : undefined, value, [...path, key]);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  // Shapes were checked by checkDirectives; what is left depends on the object patched.
  const retain = patch.$retainKeys as string[] | undefined;
  if (retain !== undefined) for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  for (const [key, value] of Object.entries(patch)) {
    const del = key.startsWith(DELETE_PRIMITIVE);
    if (!del && !key.startsWith(SET_ORDER)) continue;
    const field = key.slice(key.indexOf('/') + 1);
    const cur = result[field];
    if (cur !== undefined && !Array.isArray(cur)) throw badPatch(`${key} at ${where(path)}: "${field}" is not a list`);
    if (del && cur) result[field] = cur.filter((x) => !(value as unknown[]).some((d) => deepEqual(d, x)));
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
  checkDirectives(patch, []);
  if (!isObj(patch)) {
    if (Array.isArray(patch)) return clean(patch);
    throw errors.badRequest('a strategic merge patch must be a JSON object');
  }
  return mergeMap(target, patch, []) ?? {};
}
