// metadata.managedFields: who set which field, and server-side apply on top of it.
//
// Written here rather than taken from a library: nothing on npm implements Kubernetes'
// structured-merge-diff semantics (field ownership per manager and operation, conflicts,
// removal of fields an applier stops applying), and those exact semantics are the point.
// How lists merge comes from the schema model (list-types.ts). Differences from Kubernetes
// are deliberate and listed in docs/api.md (Server-side apply): an object is tracked from its first write that
// names a field manager (kubectl always does) or its first apply; before that it carries
// no managedFields, and its fields then belong to "before-first-apply".

import { ApiError, makeStatus, type StatusCause } from '../errors.js';
import { deepClone, deepEqual } from '../meta.js';
import type { KubeObject } from '../types.js';
import { addPath, describePath, elementKey, fieldsOf, forEachLeaf, isEmptySet, leafPaths, owns, removeAt, removePath, touches, valueAt, type FieldPath, type FieldSet } from './field-set.js';
import type { ListTypes } from './list-types.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

/** Who is writing: the field manager, the API version it wrote in, when, through which subresource. */
export interface Writer {
  manager: string;
  apiVersion: string;
  time: string;
  subresource?: string;
  /** How the kind's lists merge (list-types.ts, from the schema model). */
  lists: ListTypes;
}

/** What Kubernetes calls the owner of fields that predate tracking. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function entriesOf(obj: KubeObject | undefined): ManagedFieldsEntry[] {
  const mf = (obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  return Array.isArray(mf) ? (deepClone(mf) as ManagedFieldsEntry[]).filter((e) => isObj(e) && isObj(e.fieldsV1)) : [];
}

function setEntries(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  const md = obj.metadata as { managedFields?: ManagedFieldsEntry[] };
  const kept = entries.filter((e) => !isEmptySet(e.fieldsV1));
  if (kept.length) md.managedFields = kept;
  else delete md.managedFields;
  return obj;
}

function entry(manager: string, operation: 'Apply' | 'Update', w: Writer, fields: FieldSet): ManagedFieldsEntry {
  const e: ManagedFieldsEntry = { manager, operation, apiVersion: w.apiVersion, time: w.time, fieldsType: 'FieldsV1', fieldsV1: fields };
  if (w.subresource && operation === 'Update') e.subresource = w.subresource;
  return e;
}

const sameEntry = (e: ManagedFieldsEntry, manager: string, operation: string, subresource?: string) =>
  e.manager === manager && e.operation === operation && (e.subresource ?? '') === (operation === 'Update' ? (subresource ?? '') : '');

function leafValues(obj: unknown, lists: ListTypes): Map<string, { path: FieldPath; value: unknown }> {
  const out = new Map<string, { path: FieldPath; value: unknown }>();
  forEachLeaf(obj, lists, (path, value) => out.set(JSON.stringify(path), { path, value }));
  return out;
}

/** Whether a request body asks to clear the object's managedFields (`[{}]`, as Kubernetes). */
export function asksToClear(body: unknown): boolean {
  const mf = (body as { metadata?: { managedFields?: unknown } } | undefined)?.metadata?.managedFields;
  return Array.isArray(mf) && mf.length === 1 && isObj(mf[0]) && Object.keys(mf[0]).length === 0;
}

/**
 * The managedFields of `next` after an Update (create, update, patch) by `w`: the fields
 * it changed become its own and nobody else's; fields it removed are nobody's. Objects
 * that are not tracked yet start being tracked when `start` (a manager was named).
 */
export function recordUpdate(old: KubeObject | undefined, next: KubeObject, w: Writer, start: boolean): KubeObject {
  let entries = entriesOf(old);
  if (entries.length === 0 && !start) return setEntries(next, []);
  if (old && entries.length === 0) entries = [entry(BEFORE_FIRST_APPLY, 'Update', w, fieldsOf(old, w.lists))];
  const before = leafValues(old, w.lists);
  const after = leafValues(next, w.lists);
  const changed: FieldPath[] = [];
  const gone: FieldPath[] = [];
  for (const [k, { path, value }] of after) if (!before.has(k) || !deepEqual(before.get(k)!.value, value)) changed.push(path);
  for (const [k, { path }] of before) if (!after.has(k)) gone.push(path);
  for (const e of entries) for (const p of [...changed, ...gone]) removePath(e.fieldsV1, p);
  if (changed.length) {
    let mine = entries.find((e) => sameEntry(e, w.manager, 'Update', w.subresource) && e.apiVersion === w.apiVersion);
    if (!mine) entries.push((mine = entry(w.manager, 'Update', w, {})));
    for (const p of changed) addPath(mine.fieldsV1, p);
    mine.time = w.time;
  }
  return setEntries(next, entries);
}

/** Merges an applied configuration into the live object: maps by key, lists by their type. */
export function mergeApplied(live: unknown, cfg: unknown, lists: ListTypes, fieldPath: string[] = []): unknown {
  if (cfg === null) return undefined;
  if (Array.isArray(cfg)) {
    const lt = lists(fieldPath);
    if (lt.type === 'atomic' || !Array.isArray(live)) return deepClone(cfg);
    const out = deepClone(live) as unknown[];
    for (const el of cfg) {
      if (lt.type === 'set') {
        if (!out.some((x) => deepEqual(x, el))) out.push(deepClone(el));
        continue;
      }
      const key = elementKey(el, lt.keys);
      const i = out.findIndex((x) => elementKey(x, lt.keys) === key);
      if (i >= 0) out[i] = mergeApplied(out[i], el, lists, fieldPath);
      else out.push(deepClone(el));
    }
    return out;
  }
  if (isObj(cfg)) {
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(cfg)) {
      const merged = mergeApplied(Object.hasOwn(out, k) ? out[k] : undefined, v, lists, [...fieldPath, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  return cfg;
}

interface Conflict {
  owner: ManagedFieldsEntry;
  path: FieldPath;
}

function conflictError(conflicts: Conflict[]): Error {
  const byOwner = new Map<ManagedFieldsEntry, FieldPath[]>();
  for (const c of conflicts) byOwner.set(c.owner, [...(byOwner.get(c.owner) ?? []), c.path]);
  const causes: StatusCause[] = [];
  const parts: string[] = [];
  for (const [owner, paths] of byOwner) {
    const who = `"${owner.manager}"${owner.subresource ? ` with subresource "${owner.subresource}"` : ''} using ${owner.apiVersion}`;
    for (const p of paths) causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field: describePath(p) });
    parts.push(paths.length === 1 ? `conflict with ${who}: ${describePath(paths[0]!)}` : `conflicts with ${who}:\n${paths.map((p) => `- ${describePath(p)}`).join('\n')}`);
  }
  const n = conflicts.length;
  return new ApiError(makeStatus(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${parts.join('\n')}`, { causes }));
}

/**
 * Server-side apply of `config` by `w.manager` to `live` (undefined: the object does not
 * exist yet). Conflicts — a field the config sets to a different value than another
 * manager gave it — are a 409 naming each, unless `force` takes the fields over. Fields
 * this manager applied before and no longer applies are removed when nobody else owns
 * them. Returns the merged object with its managedFields, before defaults and validation.
 */
export function applyConfig(live: KubeObject | undefined, config: KubeObject, w: Writer, force: boolean): KubeObject {
  let entries = entriesOf(live);
  if (live && entries.length === 0) entries = [entry(BEFORE_FIRST_APPLY, 'Update', w, fieldsOf(live, w.lists))];
  const cfg = deepClone(config);
  delete (cfg.metadata as { managedFields?: unknown }).managedFields;
  const applied = fieldsOf(cfg, w.lists);
  const mine = entries.find((e) => sameEntry(e, w.manager, 'Apply'));
  const others = entries.filter((e) => e !== mine);

  const conflicts: Conflict[] = [];
  if (live) {
    for (const p of leafPaths(applied)) {
      if (p[p.length - 1] === '.') continue;
      const current = valueAt(live, p);
      if (current === undefined || deepEqual(current, valueAt(cfg, p))) continue;
      for (const o of others) if (owns(o.fieldsV1, p)) conflicts.push({ owner: o, path: p });
    }
  }
  if (conflicts.length && !force) throw conflictError(conflicts);
  for (const c of conflicts) removePath(c.owner.fieldsV1, c.path);

  const merged = (live ? mergeApplied(deepClone(live), cfg, w.lists) : deepClone(cfg)) as KubeObject;
  // Nothing to change and nothing to take over: the object stays as it is (no new write).
  if (live && mine && conflicts.length === 0 && deepEqual(mine.fieldsV1, applied) && sameIgnoringManagedFields(merged, live)) return deepClone(live);
  if (mine) {
    for (const p of leafPaths(mine.fieldsV1)) {
      if (touches(applied, p[p.length - 1] === '.' ? p.slice(0, -1) : p)) continue;
      const owned = p[p.length - 1] === '.' ? p.slice(0, -1) : p;
      if (!others.some((o) => touches(o.fieldsV1, owned))) removeAt(merged, owned);
    }
    mine.fieldsV1 = applied;
    mine.time = w.time;
    mine.apiVersion = w.apiVersion;
  } else {
    entries.push(entry(w.manager, 'Apply', w, applied));
  }
  return setEntries(merged, entries);
}

function sameIgnoringManagedFields(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, managedFields: undefined } });
  return deepEqual(strip(a), strip(b));
}

/** The field set a manager last applied (to tell a no-op apply from a change of ownership). */
export function appliedFieldsOf(obj: KubeObject | undefined, manager: string): FieldSet | undefined {
  return entriesOf(obj).find((e) => sameEntry(e, manager, 'Apply'))?.fieldsV1;
}
