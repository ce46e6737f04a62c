// Pure steps shared by create, update and patch: check that a body names the same
// object as the URL, fill server-owned metadata, carry status/spec across the main and
// /status endpoints, bump generation on spec changes, validate. No I/O here, so every
// rule is unit-testable without etcd.
//
// Every write funnels through prepareCreate or prepareUpdate (create, update, the three
// patch types, status, scale, binding), and both start with checkDepth: no object nests
// deeper than the body parser accepts, whatever path built it, before any recursive
// step (comparison, defaults, validation) runs over it.

import { errors, type StatusCause } from '../errors.js';
import { deepClone, deepEqual } from '../meta.js';
import { apiVersionOf, type ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import { applyDefaults } from '../defaults.js';
import { validateObject } from '../validation/index.js';
import { jsonDepth, MAX_JSON_DEPTH } from '../validation/unsafe-keys.js';
import { applyPatch, type PatchType } from '../patch/apply.js';
import { strategyFor } from './kinds.js';
import { text } from '../validation/field-errors.js';

export interface Target {
  namespace?: string;
  name?: string;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * The body as an object of this resource: apiVersion/kind default to the resource's and
 * must match when given; metadata.name/namespace must match the URL (400 otherwise).
 */
export function checkBody(resource: ResourceInfo, body: unknown, target: Target): KubeObject {
  if (!isPlainObject(body)) throw errors.badRequest(`the request body must be a JSON or YAML object (a ${resource.kind})`);
  const obj = body as KubeObject;
  const apiVersion = apiVersionOf(resource);
  if (obj.apiVersion === undefined) obj.apiVersion = apiVersion;
  else if (obj.apiVersion !== apiVersion)
    throw errors.badRequest(`the API version in the data (${text(obj.apiVersion)}) does not match the expected API version (${apiVersion})`);
  if (obj.kind === undefined) obj.kind = resource.kind;
  else if (obj.kind !== resource.kind)
    throw errors.badRequest(`the kind in the data (${text(obj.kind)}) does not match the expected kind (${resource.kind}) for ${resource.plural}`);
  if (obj.metadata === undefined) obj.metadata = {};
  if (!isPlainObject(obj.metadata)) throw errors.badRequest('metadata must be an object');
  const md = obj.metadata;
  for (const f of ['name', 'namespace', 'generateName', 'resourceVersion', 'uid'] as const) {
    if (md[f] !== undefined && typeof md[f] !== 'string') throw errors.badRequest(`metadata.${f} must be a string`);
  }
  if (resource.namespaced) {
    if (md.namespace !== undefined && md.namespace !== '' && target.namespace !== undefined && md.namespace !== target.namespace)
      throw errors.badRequest(`the namespace of the provided object (metadata.namespace "${md.namespace}") does not match the namespace sent on the request ("${target.namespace}")`);
    if (target.namespace !== undefined) md.namespace = target.namespace;
  } else if (md.namespace) {
    // Kubernetes silently clears it; a wrong namespace on a cluster-scoped object is harmless.
    delete md.namespace;
  }
  if (target.name !== undefined) {
    if (md.name !== undefined && md.name !== '' && md.name !== target.name)
      throw errors.badRequest(`the name of the object (metadata.name "${md.name}") does not match the name on the URL ("${target.name}")`);
    md.name = target.name;
  }
  return obj;
}

export function invalidIfAny(resource: ResourceInfo, obj: KubeObject, old?: KubeObject, subresource?: string): void {
  const causes = validateObject(resource, obj, old, { subresource });
  if (causes.length > 0) throw errors.invalid(resource.kind, obj.metadata.name ?? obj.metadata.generateName ?? '', causes);
}

const nameOf = (obj: unknown): string => {
  const md = (obj as { metadata?: { name?: unknown } } | undefined)?.metadata;
  return typeof md?.name === 'string' ? md.name : '';
};

/** 422 when the object nests deeper than any request body may (MAX_JSON_DEPTH). */
export function checkDepth(resource: ResourceInfo, obj: unknown): void {
  const { depth, at } = jsonDepth(obj, MAX_JSON_DEPTH);
  if (depth <= MAX_JSON_DEPTH) return;
  throw errors.invalid(resource.kind, nameOf(obj), [
    { reason: 'FieldValueInvalid', field: at, message: `Invalid value: the object nests more than ${MAX_JSON_DEPTH} levels deep` },
  ]);
}

/**
 * The result of applying a patch, as an object of this resource: unlike a request body
 * (400 when malformed), a patch that removes or breaks metadata is a 422 naming the
 * field, so a client sees what its patch did instead of a conflict it would retry forever.
 */
export function patchedObject(resource: ResourceInfo, patched: unknown, name: string): KubeObject {
  const invalid = (field: string, reason: string, message: string): never => {
    throw errors.invalid(resource.kind, name, [{ reason, field, message }]);
  };
  if (!isPlainObject(patched)) return invalid('', 'FieldValueInvalid', 'Invalid value: the patched object must be a JSON object');
  checkDepth(resource, patched);
  const md = patched.metadata;
  if (md === undefined || md === null) return invalid('metadata', 'FieldValueRequired', 'Required value: a patch may not remove metadata');
  if (!isPlainObject(md)) return invalid('metadata', 'FieldValueInvalid', 'Invalid value: must be an object');
  const causes: StatusCause[] = [];
  for (const f of ['name', 'namespace', 'generateName', 'resourceVersion', 'uid'] as const) {
    if (md[f] !== undefined && md[f] !== null && typeof md[f] !== 'string') causes.push({ reason: 'FieldValueInvalid', field: `metadata.${f}`, message: 'Invalid value: must be a string' });
    // null is how a merge patch removes a key; as a value it would be stored as null.
    if (md[f] === null) delete md[f];
  }
  if (causes.length > 0) throw errors.invalid(resource.kind, name, causes);
  return patched as KubeObject;
}

/**
 * Metadata maps and lists that Kubernetes stores with `omitempty`: empty, they are not part
 * of the object (a patch that deletes the last annotation leaves no `annotations: {}`,
 * which `kubectl diff` would report as a difference).
 */
const OMIT_EMPTY_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

function dropEmptyMetadata(md: KubeObject['metadata']): void {
  for (const f of OMIT_EMPTY_METADATA) {
    const v = md[f] as unknown;
    if (v !== undefined && v !== null && typeof v === 'object' && Object.keys(v).length === 0) delete md[f];
  }
}

/** Server-owned fields for a new object. `now` is an RFC 3339 timestamp. */
export function prepareCreate(resource: ResourceInfo, obj: KubeObject, ctx: { now: string; uid: string }): KubeObject {
  checkDepth(resource, obj);
  const strategy = strategyFor(resource);
  const md = obj.metadata;
  md.uid = ctx.uid;
  md.creationTimestamp = ctx.now;
  delete md.resourceVersion;
  delete md.deletionTimestamp;
  delete md.deletionGracePeriodSeconds;
  if (strategy.specFields.length > 0) md.generation = 1;
  else delete md.generation;
  applyDefaults(resource, obj);
  strategy.prepareForCreate?.(obj);
  dropEmptyMetadata(md);
  invalidIfAny(resource, obj);
  return obj;
}

/** Everything but resourceVersion: what "no change" is judged on. */
export function sameContent(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _a, ...ma } = a.metadata;
  const { resourceVersion: _b, ...mb } = b.metadata;
  return deepEqual({ ...a, metadata: ma }, { ...b, metadata: mb });
}

/**
 * The object an update of `current` with `body` stores. For the main endpoint the
 * stored status is kept (when status is a subresource); for /status only status moves;
 * for binding (which builds the whole pod itself) body is taken as it is, and only
 * binding may set a pod's spec.nodeName. Returns `current` itself when nothing changes,
 * so storage writes nothing.
 */
export function prepareUpdate(resource: ResourceInfo, current: KubeObject, body: KubeObject, opts: { subresource?: string } = {}): KubeObject {
  checkDepth(resource, body);
  const strategy = strategyFor(resource);
  // A uid in the body names one incarnation of the object: writing to a recreated
  // object of the same name is a conflict, not an update (as Kubernetes).
  const bodyUid = body.metadata.uid;
  if (bodyUid && current.metadata.uid && bodyUid !== current.metadata.uid)
    throw errors.conflict(resource, current.metadata.name ?? '', `Precondition failed: UID in precondition: ${bodyUid}, UID in object meta: ${current.metadata.uid}`);
  let next: KubeObject;
  if (opts.subresource === 'status' || opts.subresource === 'approval') {
    next = deepClone(current);
    if (body.status === undefined) delete next.status;
    else next.status = deepClone(body.status);
    strategy.prepareForSubresourceUpdate?.(opts.subresource, next, current, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  } else if (opts.subresource === 'binding') {
    next = deepClone(body);
  } else {
    next = deepClone(body);
    if (strategy.statusSubresource) {
      if (current.status === undefined) delete next.status;
      else next.status = deepClone(current.status);
    }
  }
  const md = next.metadata;
  const cur = current.metadata;
  // Immutable or server-owned metadata always comes from the stored object.
  md.name = cur.name;
  if (cur.namespace !== undefined) md.namespace = cur.namespace;
  md.uid = cur.uid;
  md.creationTimestamp = cur.creationTimestamp;
  md.resourceVersion = cur.resourceVersion;
  if (cur.deletionTimestamp !== undefined) md.deletionTimestamp = cur.deletionTimestamp;
  else delete md.deletionTimestamp;
  if (cur.deletionGracePeriodSeconds !== undefined) md.deletionGracePeriodSeconds = cur.deletionGracePeriodSeconds;
  else delete md.deletionGracePeriodSeconds;
  if (cur.generation !== undefined) md.generation = cur.generation;
  else delete md.generation;
  if (md.generateName === undefined && cur.generateName !== undefined) md.generateName = cur.generateName;

  const main = opts.subresource !== 'status' && opts.subresource !== 'binding' && opts.subresource !== 'approval';
  if (main) {
    applyDefaults(resource, next);
    strategy.prepareForUpdate?.(next, current);
  }
  dropEmptyMetadata(md);
  if (sameContent(next, current)) return current;
  // Binding assigns a node; it is not a change of the desired state (as Kubernetes).
  const specChanged = strategy.specChanged ? strategy.specChanged(next, current) : strategy.specFields.some((f) => !deepEqual(next[f], current[f]));
  if (opts.subresource !== 'binding' && specChanged) md.generation = (cur.generation ?? 0) + 1;
  invalidIfAny(resource, next, current, opts.subresource);
  return next;
}

/**
 * A finalizer-held or graceful object whose last reason to stay is gone. Namespaces
 * also wait for spec.finalizers (the apiserver's own cleanup removes 'kubernetes').
 */
export function readyToRemove(obj: KubeObject): boolean {
  const md = obj.metadata;
  const specFinalizers = ((obj.spec as { finalizers?: unknown[] } | undefined)?.finalizers ?? []).length;
  const isNamespace = obj.kind === 'Namespace';
  return (
    md.deletionTimestamp !== undefined &&
    (md.finalizers ?? []).length === 0 &&
    (md.deletionGracePeriodSeconds ?? 0) === 0 &&
    (!isNamespace || specFinalizers === 0)
  );
}

/** The 409 of a write whose resourceVersion is not the stored one (optimistic concurrency). */
export function modifiedConflict(resource: Pick<ResourceInfo, 'group' | 'plural'>, name: string): Error {
  return errors.conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

/** A merge or strategic patch is a JSON object; a JSON patch a list of operations (checked when applied). */
export function checkPatch(type: PatchType, patch: unknown): void {
  if (type !== 'json' && !isPlainObject(patch)) throw errors.badRequest(`a ${type} patch must be a JSON object`);
}

/**
 * The body a PATCH amounts to: `patch` applied to the stored object, checked like a
 * request body. A resourceVersion the patch sets is a precondition, as in Kubernetes;
 * a patch that removes it makes the write unconditional (never a conflict to retry).
 */
export function patchedBody(resource: ResourceInfo, current: KubeObject, type: PatchType, patch: unknown, target: Required<Pick<Target, 'name'>> & Target): KubeObject {
  const obj = checkBody(resource, patchedObject(resource, applyPatch(type, current, patch), target.name), target);
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined && rv !== current.metadata.resourceVersion) throw modifiedConflict(resource, target.name);
  return obj;
}

/** What an update of `current` stores: nothing, the next object, or removal (the last finalizer went). */
export type UpdatePlan = { action: 'none' } | { action: 'store'; object: KubeObject } | { action: 'remove'; final: KubeObject };

const NO_CHANGE: UpdatePlan = { action: 'none' };

export function planUpdate(resource: ResourceInfo, current: KubeObject, body: KubeObject, opts: { subresource?: string } = {}): UpdatePlan {
  const next = prepareUpdate(resource, current, body, opts);
  if (next === current) return NO_CHANGE;
  if (readyToRemove(next)) return { action: 'remove', final: next };
  return { action: 'store', object: next };
}

/**
 * What an update that removed the object answers: Kubernetes answers with the final
 * state (finalizers empty, deletionTimestamp set) at the deletion's resourceVersion,
 * not with the stored state that still listed the finalizer.
 */
export function finalState(final: KubeObject, resourceVersion: string | undefined): KubeObject {
  return { ...final, metadata: { ...final.metadata, resourceVersion } };
}
