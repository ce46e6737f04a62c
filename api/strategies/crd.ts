// Write rules of CustomResourceDefinitions and of the custom resources they define.
//
// CRD: status is a subresource; on every write of the main endpoint the apiserver itself
// sets status.acceptedNames and the NamesAccepted and Established conditions (Kubernetes
// runs two controllers for this; orch decides in the write: a CRD that validates is
// accepted and established at once, so it is served as soon as the write returns; the
// apiserver then checks its names against the other CRDs of its group,
// apiserver/crd/crd-naming.ts, and may refuse some of them), keeps
// storedVersions, and adds the customresourcecleanup finalizer so that deleting a CRD
// first deletes its objects (apiserver/crd/crd-cleanup.ts).
//
// Custom resources: generation moves on any change outside metadata (and status, when
// status is a subresource), as Kubernetes does; the schema's pruning and defaults run on
// create and on every update.

import { deepEqual } from '../meta.js';
import type { KubeObject } from '../types.js';
import { CRD_CLEANUP_FINALIZER, type CustomKindHooks, type CustomResourceDefinition, type CustomResourceDefinitionCondition, type CustomResourceDefinitionNames } from '../crd-types.js';
import type { Strategy } from './kinds.js';
import { isObj } from '../validation/field-errors.js';

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Kubernetes' defaults of a CRD's spec (singular, listKind, conversion). */
function defaultSpec(obj: KubeObject): void {
  const spec = obj.spec as CustomResourceDefinition['spec'] | undefined;
  if (!isObj(spec)) return;
  const names = spec.names as CustomResourceDefinitionNames | undefined;
  if (isObj(names) && typeof names.kind === 'string') {
    if (names.singular === undefined || names.singular === '') names.singular = names.kind.toLowerCase();
    if (names.listKind === undefined || names.listKind === '') names.listKind = `${names.kind}List`;
  }
  if (spec.conversion === undefined) spec.conversion = { strategy: 'None' };
}

function condition(list: CustomResourceDefinitionCondition[] | undefined, c: CustomResourceDefinitionCondition, now: string): CustomResourceDefinitionCondition {
  const prev = list?.find((x) => x.type === c.type);
  return { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
}

/** acceptedNames, NamesAccepted/Established (and Terminating, kept), storedVersions. */
function refreshStatus(obj: KubeObject): void {
  const crd = obj as CustomResourceDefinition;
  const spec = crd.spec;
  if (!isObj(spec) || !isObj(spec.names) || !Array.isArray(spec.versions)) return;
  const status = (isObj(crd.status) ? crd.status : {}) as NonNullable<CustomResourceDefinition['status']>;
  const now = nowIso();
  const prev = Array.isArray(status.conditions) ? status.conditions : [];
  // Being deleted: the cleanup owns the conditions (Terminating, Established False).
  if (obj.metadata.deletionTimestamp && prev.some((c) => c.type === 'Terminating')) return;
  const conditions = [
    condition(prev, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }, now),
    condition(prev, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }, now),
    ...prev.filter((c) => c.type !== 'NamesAccepted' && c.type !== 'Established'),
  ];
  const storage = spec.versions.find((v) => isObj(v) && v.storage === true)?.name;
  const stored = Array.isArray(status.storedVersions) ? status.storedVersions.filter((v) => typeof v === 'string') : [];
  if (storage && !stored.includes(storage)) stored.push(storage);
  crd.status = { ...status, conditions, acceptedNames: { ...spec.names }, storedVersions: stored };
}

export const crdStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    delete obj.status;
    defaultSpec(obj);
    const fins: string[] = Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers : [];
    // (A finalizers value that is no list is left for validation to name.)
    if (obj.metadata.finalizers !== undefined && !Array.isArray(obj.metadata.finalizers)) return;
    if (!fins.includes(CRD_CLEANUP_FINALIZER)) obj.metadata.finalizers = [...fins, CRD_CLEANUP_FINALIZER];
    refreshStatus(obj);
  },
  prepareForUpdate(obj) {
    defaultSpec(obj);
    refreshStatus(obj);
  },
};

const customStrategies = new WeakMap<CustomKindHooks, Strategy>();

export function customResourceStrategy(hooks: CustomKindHooks): Strategy {
  let s = customStrategies.get(hooks);
  if (s) return s;
  const statusSub = hooks.statusSubresource;
  s = {
    specFields: ['spec'],
    statusSubresource: statusSub,
    prepareForCreate(obj) {
      if (statusSub) delete obj.status;
      hooks.normalize(obj);
    },
    prepareForUpdate(obj) {
      hooks.normalize(obj);
    },
    prepareForSubresourceUpdate(_sub, obj) {
      hooks.normalize(obj);
    },
    specChanged(next, current) {
      const keys = new Set([...Object.keys(next), ...Object.keys(current)]);
      for (const k of keys) {
        if (k === 'metadata' || (statusSub && k === 'status')) continue;
        if (!deepEqual(next[k], current[k])) return true;
      }
      return false;
    },
  };
  customStrategies.set(hooks, s);
  return s;
}
