// Field sets as Kubernetes writes them in metadata.managedFields[].fieldsV1: a tree whose
// keys are path elements — `f:<field>`, `k:<json of the key fields>` for an element of a
// map-like list, `v:<json>` for an element of a set, `.` for "this element itself" — and
// whose leaves are `{}`. Atomic lists, scalars and empty maps are leaves: owned whole.
// The tree is kept in exactly that JSON shape, so what is stored is what is computed.

import { deepEqual } from '../meta.js';
import { KEY_DEFAULTS, type ListTypes } from './list-types.js';

export type FieldSet = { [element: string]: FieldSet };
export type FieldPath = string[];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields nobody owns: identity and bookkeeping the server sets (as upstream strips them). */
const UNTRACKED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']);

/** The path element of one element of a map-like list. */
export function elementKey(el: unknown, keys: readonly string[]): string {
  if (!isObj(el)) return `v:${JSON.stringify(el)}`;
  const k: Obj = {};
  for (const name of [...keys].sort()) {
    const v = el[name] ?? KEY_DEFAULTS[name];
    if (v !== undefined) k[name] = v;
  }
  return `k:${JSON.stringify(k)}`;
}

/**
 * Calls `leaf` for every owned leaf of `obj` with its path and value (the `.` of a list
 * element gets the element). Top-level apiVersion/kind and server-set metadata are skipped.
 */
export function forEachLeaf(obj: unknown, lists: ListTypes, leaf: (path: FieldPath, value: unknown) => void): void {
  if (!isObj(obj)) return;
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (mv === undefined || UNTRACKED_META.has(mk)) continue;
        walkValue(mv, ['metadata', mk], ['f:metadata', `f:${mk}`], lists, leaf);
      }
      continue;
    }
    walkValue(v, [k], [`f:${k}`], lists, leaf);
  }
}

function walkValue(v: unknown, fieldPath: string[], path: FieldPath, lists: ListTypes, leaf: (path: FieldPath, value: unknown) => void): void {
  if (Array.isArray(v)) {
    const lt = lists(fieldPath);
    if (lt.type === 'atomic' || v.length === 0) return leaf(path, v);
    for (const el of v) {
      if (lt.type === 'set') {
        leaf([...path, `v:${JSON.stringify(el)}`], el);
        continue;
      }
      const elPath = [...path, elementKey(el, lt.keys)];
      leaf([...elPath, '.'], el);
      if (isObj(el)) for (const [k, ev] of Object.entries(el)) if (ev !== undefined) walkValue(ev, [...fieldPath, k], [...elPath, `f:${k}`], lists, leaf);
    }
    return;
  }
  if (isObj(v) && Object.keys(v).length > 0) {
    for (const [k, cv] of Object.entries(v)) if (cv !== undefined) walkValue(cv, [...fieldPath, k], [...path, `f:${k}`], lists, leaf);
    return;
  }
  leaf(path, v);
}

/** Every owned leaf of an object, as a field set. */
export function fieldsOf(obj: unknown, lists: ListTypes): FieldSet {
  const set: FieldSet = {};
  forEachLeaf(obj, lists, (p) => addPath(set, p));
  return set;
}

export function addPath(set: FieldSet, path: FieldPath): void {
  let node = set;
  for (const el of path) node = node[el] ??= {};
}

/** Removes a leaf (or a whole subtree) and the parents it leaves empty. */
export function removePath(set: FieldSet, path: FieldPath): void {
  const trail: FieldSet[] = [set];
  for (const el of path.slice(0, -1)) {
    const next = trail[trail.length - 1]![el];
    if (!next) return;
    trail.push(next);
  }
  delete trail[trail.length - 1]![path[path.length - 1]!];
  for (let i = trail.length - 1; i > 0 && Object.keys(trail[i]!).length === 0; i--) delete trail[i - 1]![path[i - 1]!];
}

/** Paths of the leaves of a set. */
export function leafPaths(set: FieldSet, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  for (const [el, child] of Object.entries(set)) {
    const p = [...prefix, el];
    if (Object.keys(child).length === 0) out.push(p);
    else out.push(...leafPaths(child, p));
  }
  return out;
}

/** True when the set owns `path`, an ancestor of it (owned whole) or anything below it. */
export function touches(set: FieldSet, path: FieldPath): boolean {
  let node = set;
  for (const el of path) {
    const next = node[el];
    if (!next) return false;
    if (Object.keys(next).length === 0) return true;
    node = next;
  }
  return true;
}

/** True when the set owns exactly this leaf, or an ancestor of it as a leaf. */
export function owns(set: FieldSet, path: FieldPath): boolean {
  let node: FieldSet | undefined = set;
  for (const el of path) {
    node = node[el];
    if (!node) return false;
    if (Object.keys(node).length === 0) return true;
  }
  return false;
}

export function isEmptySet(set: FieldSet): boolean {
  return Object.keys(set).length === 0;
}

/** `.spec.template.spec.containers[name="web"].image`, as Kubernetes names fields in conflicts. */
export function describePath(path: FieldPath): string {
  let out = '';
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) out += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const k = JSON.parse(el.slice(2)) as Obj;
      out += `[${Object.entries(k)
        .map(([n, v]) => `${n}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${el.slice(2)}]`;
  }
  return out;
}

/** The value at a path of an object (undefined when absent). */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) cur = isObj(cur) ? cur[el.slice(2)] : undefined;
    else cur = Array.isArray(cur) ? cur.find((x) => matches(x, el)) : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Whether a list element is the one a `k:`/`v:` path element names. */
export function matches(el: unknown, pathElement: string): boolean {
  if (pathElement.startsWith('v:')) return deepEqual(el, JSON.parse(pathElement.slice(2)));
  if (!pathElement.startsWith('k:') || !isObj(el)) return false;
  const k = JSON.parse(pathElement.slice(2)) as Obj;
  return Object.entries(k).every(([n, v]) => deepEqual(el[n] ?? KEY_DEFAULTS[n], v));
}

/** Removes the field or list element at `path` from an object (mutates). */
export function removeAt(obj: unknown, path: FieldPath): void {
  const p = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  if (p.length === 0) return;
  const parent = valueAt(obj, p.slice(0, -1));
  const last = p[p.length - 1]!;
  if (last.startsWith('f:')) {
    if (isObj(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const i = parent.findIndex((x) => matches(x, last));
    if (i >= 0) parent.splice(i, 1);
  }
}
