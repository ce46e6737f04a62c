// The three-way decision behind `orch apply`: given what was applied last time (kept in
// an annotation on the object, as kubectl does), what the manifest says now, and what
// the server has, compute a JSON merge patch that
//   - sets every field the manifest declares that differs on the server,
//   - removes fields the previous apply declared and this manifest no longer does,
//   - leaves everything else alone (fields set by controllers or other tools).
// An empty patch means "unchanged".

import type { KubeObject } from '../api/types.js';

/** Same annotation kubectl uses, so objects applied by either tool stay compatible. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** The object as it should be recorded in the annotation: the manifest minus the annotation itself. */
export function lastAppliedValue(desired: KubeObject): string {
  const copy = JSON.parse(JSON.stringify(desired)) as KubeObject;
  const ann = copy.metadata.annotations;
  if (ann) {
    delete ann[LAST_APPLIED_ANNOTATION];
    if (Object.keys(ann).length === 0) delete copy.metadata.annotations;
  }
  return JSON.stringify(copy);
}

function diff(last: Json | undefined, desired: Json, live: Json | undefined): Json | undefined {
  if (isObject(desired)) {
    const patch: JsonObject = {};
    const liveObj = isObject(live) ? live : undefined;
    const lastObj = isObject(last) ? last : undefined;
    for (const [k, v] of Object.entries(desired)) {
      // A null in the manifest means "remove", as in a merge patch.
      if (v === null) {
        if (liveObj && liveObj[k] !== undefined) patch[k] = null;
        continue;
      }
      if (!liveObj || liveObj[k] === undefined) {
        patch[k] = v;
        continue;
      }
      const sub = diff(lastObj?.[k], v, liveObj[k]);
      if (sub !== undefined) patch[k] = sub;
    }
    if (lastObj) {
      for (const k of Object.keys(lastObj)) {
        if (!(k in desired) && liveObj && liveObj[k] !== undefined) patch[k] = null;
      }
    }
    // The live value is not an object (or missing): replace it wholesale.
    if (!liveObj) return desired;
    return Object.keys(patch).length ? patch : undefined;
  }
  if (Array.isArray(desired)) {
    // A merge patch can only replace a list whole; decide whether it must. Elements are
    // compared like objects, so fields the server defaulted inside them (a port's
    // protocol, a container's imagePullPolicy) don't count as a change, while a field
    // dropped from an element since the last apply does.
    if (!Array.isArray(live) || live.length !== desired.length) return desired;
    const lastArr = Array.isArray(last) && last.length === desired.length ? last : undefined;
    const changed = desired.some((el, i) => diff(lastArr?.[i], el, live[i]) !== undefined);
    return changed ? desired : undefined;
  }
  return jsonEqual(desired, live) ? undefined : desired;
}

/**
 * The merge patch that makes `live` match `desired`, given the configuration applied
 * last time. Returns undefined when nothing would change. The annotation is updated in
 * the same patch whenever anything else changes or the recorded configuration differs.
 */
export function computeApplyPatch(desired: KubeObject, live: KubeObject): JsonObject | undefined {
  const recorded = live.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  let last: Json | undefined;
  if (recorded) {
    try {
      last = JSON.parse(recorded) as Json;
    } catch {
      last = undefined; // a corrupt annotation only loses deletions, never data
    }
  }
  const want = JSON.parse(lastAppliedValue(desired)) as JsonObject;
  const patch = (diff(last, want, live as unknown as Json) ?? {}) as JsonObject;
  const nextRecorded = lastAppliedValue(desired);
  if (recorded !== nextRecorded) {
    const meta = (isObject(patch.metadata) ? patch.metadata : {}) as JsonObject;
    const ann = (isObject(meta.annotations) ? meta.annotations : {}) as JsonObject;
    ann[LAST_APPLIED_ANNOTATION] = nextRecorded;
    meta.annotations = ann;
    patch.metadata = meta;
  }
  return Object.keys(patch).length ? patch : undefined;
}

/** The object to POST when it does not exist yet: the manifest plus the annotation. */
export function withLastApplied(desired: KubeObject): KubeObject {
  const copy = JSON.parse(JSON.stringify(desired)) as KubeObject;
  copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [LAST_APPLIED_ANNOTATION]: lastAppliedValue(desired) };
  return copy;
}

/**
 * The merge patch from `original` to `edited` (what `orch edit` sends): changed fields
 * set, removed ones null, lists replaced whole. Undefined when they are the same.
 */
export function twoWayMergePatch(original: unknown, edited: unknown): JsonObject | undefined {
  const patch = diff(original as Json, edited as Json, original as Json);
  return isObject(patch) && Object.keys(patch).length ? patch : undefined;
}
