// REST strategies of the storage kinds (see ../strategies/kinds.ts). Volumes and claims
// start Pending with a status only the binder writes (/status); the protection finalizers
// are added on create, as Kubernetes' StorageObjectInUseProtection admission does, so a
// claim in use and a bound volume are never removed under a pod. A StorageClass has no
// spec: it is written whole and its fields are immutable (validation).

import type { Strategy } from '../strategies/kinds.js';
import type { KubeObject } from '../types.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from './types.js';

function addFinalizer(obj: KubeObject, f: string): void {
  const list = Array.isArray(obj.metadata.finalizers) ? obj.metadata.finalizers : [];
  if (!list.includes(f)) obj.metadata.finalizers = [...list, f];
}

export const persistentVolumeStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
    addFinalizer(obj, PV_PROTECTION_FINALIZER);
  },
};

export const persistentVolumeClaimStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
    addFinalizer(obj, PVC_PROTECTION_FINALIZER);
  },
};

export const storageClassStrategy: Strategy = { specFields: [], statusSubresource: false };
