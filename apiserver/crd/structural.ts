// Pruning and defaulting of custom resources by their structural schema, Kubernetes'
// way (apiextensions-apiserver pkg/apiserver/schema/pruning and defaulting): fields the
// schema does not name are dropped (kept under x-kubernetes-preserve-unknown-fields,
// checked by additionalProperties), nulls of non-nullable fields are dropped, then a
// missing field with a `default` gets it (a copy). apiVersion, kind and metadata at the
// root are the server's and never pruned here. The same walk, without writing, lists
// the fields pruning would drop (fieldValidation Strict / Warn). Hand-written: ajv's
// removeAdditional/useDefaults do not follow Kubernetes' rules (nullable, preserve,
// nested defaults of defaulted objects).

import { deepClone } from '../../api/meta.js';
import type { JSONSchemaProps } from '../../api/crd-types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const ROOT_KEEP = new Set(['apiVersion', 'kind', 'metadata']);

interface Walk {
  /** Mutate: prune and default. Otherwise only list what would be pruned. */
  write: boolean;
  defaults: boolean;
  unknown: string[];
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function walkValue(v: unknown, s: JSONSchemaProps | undefined, path: string, w: Walk): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (s.items) v.forEach((item, i) => walkValue(item, s.items, `${path}[${i}]`, w));
    return;
  }
  if (!isObj(v)) return;
  walkObject(v, s, path, w, false);
}

function walkObject(o: Obj, s: JSONSchemaProps, path: string, w: Walk, root: boolean): void {
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const props = s.properties;
  const extra = isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
  for (const k of Object.keys(o)) {
    if (root && ROOT_KEEP.has(k)) continue;
    const child = props?.[k] ?? extra;
    if (child === undefined) {
      if (preserve || s.additionalProperties === true) continue;
      w.unknown.push(join(path, k));
      if (w.write) delete o[k];
      continue;
    }
    if (o[k] === null && child.nullable !== true && !child['x-kubernetes-preserve-unknown-fields']) {
      if (w.write) delete o[k];
      continue;
    }
    walkValue(o[k], child, join(path, k), w);
  }
  if (w.write && w.defaults && props) {
    for (const [k, child] of Object.entries(props)) {
      if (o[k] !== undefined || child.default === undefined) continue;
      if (root && ROOT_KEEP.has(k)) continue;
      o[k] = deepClone(child.default);
      // A defaulted object is itself pruned and defaulted (its own properties' defaults).
      walkValue(o[k], child, join(path, k), w);
    }
  }
}

/** Prune and default `obj` in place (create, update, /status). */
export function pruneAndDefault(obj: Obj, schema: JSONSchemaProps): void {
  walkObject(obj, schema, '', { write: true, defaults: true, unknown: [] }, true);
}

/** Defaults only (objects read from etcd). Returns whether anything was added. */
export function applySchemaDefaults(obj: Obj, schema: JSONSchemaProps): void {
  walkDefaultsOnly(obj, schema, true);
}

function walkDefaultsOnly(o: Obj, s: JSONSchemaProps, root: boolean): void {
  const props = s.properties;
  const extra = isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
  for (const [k, v] of Object.entries(o)) {
    if (root && ROOT_KEEP.has(k)) continue;
    const child = props?.[k] ?? extra;
    if (!child) continue;
    if (Array.isArray(v) && child.items) for (const item of v) isObj(item) && walkDefaultsOnly(item, child.items, false);
    else if (isObj(v)) walkDefaultsOnly(v, child, false);
  }
  if (props)
    for (const [k, child] of Object.entries(props)) {
      if (o[k] !== undefined || child.default === undefined || (root && ROOT_KEEP.has(k))) continue;
      o[k] = deepClone(child.default);
      if (isObj(o[k])) walkDefaultsOnly(o[k] as Obj, child, false);
    }
}

/** Paths of the fields pruning would drop from `obj` (nothing changes). */
export function unknownFieldPaths(obj: unknown, schema: JSONSchemaProps): string[] {
  if (!isObj(obj)) return [];
  const w: Walk = { write: false, defaults: false, unknown: [] };
  walkObject(obj, schema, '', w, true);
  return w.unknown;
}

/** Whether the schema has a default anywhere (reads then need defaulting). */
export function hasDefaults(s: JSONSchemaProps | undefined): boolean {
  if (!s) return false;
  if (s.default !== undefined) return true;
  if (s.properties && Object.values(s.properties).some(hasDefaults)) return true;
  if (isObj(s.additionalProperties) && hasDefaults(s.additionalProperties as JSONSchemaProps)) return true;
  return hasDefaults(s.items);
}
