// Types of core/v1 PersistentVolume and PersistentVolumeClaim and storage.k8s.io/v1
// StorageClass (the storage kinds; api/types.ts is long enough), with the annotation,
// finalizer and provisioner names that the apiserver, controller manager, scheduler and
// agent share.

import type { KubeObject, LabelSelector, NodeSelectorTerm, ObjectReference } from '../types.js';

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
export type ReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: AccessMode[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: ReclaimPolicy;
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: 'Filesystem' | 'Block';
  nodeAffinity?: { required?: { nodeSelectorTerms: NodeSelectorTerm[] } };
  hostPath?: { path: string; type?: string };
  local?: { path: string; fsType?: string };
  nfs?: { server: string; path: string; readOnly?: boolean };
}

export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';

export interface PersistentVolume extends KubeObject {
  spec: PersistentVolumeSpec;
  status?: { phase?: VolumePhase; message?: string; reason?: string; lastPhaseTransitionTime?: string };
}

export interface PersistentVolumeClaimSpec {
  accessModes?: AccessMode[];
  selector?: LabelSelector;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  /** Absent: the default class is filled in at creation; '' asks for a volume of no class. */
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
}

export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';

export interface PersistentVolumeClaim extends KubeObject {
  spec: PersistentVolumeClaimSpec;
  status?: { phase?: ClaimPhase; accessModes?: AccessMode[]; capacity?: Record<string, string> };
}

export interface StorageClass extends KubeObject {
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: ReclaimPolicy;
  mountOptions?: string[];
  allowVolumeExpansion?: boolean;
  volumeBindingMode?: VolumeBindingMode;
}

/** The StorageClass annotation that makes it the default (the beta one is still honoured). */
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';
/** On a claim: the node the scheduler chose for a WaitForFirstConsumer claim (Kubernetes' volume binding). */
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';
/** On a claim: the provisioner asked to make its volume. */
export const STORAGE_PROVISIONER_ANNOTATION = 'volume.kubernetes.io/storage-provisioner';
export const BETA_STORAGE_PROVISIONER_ANNOTATION = 'volume.beta.kubernetes.io/storage-provisioner';
/** On a PV: which provisioner made it (and so may delete it). */
export const PROVISIONED_BY_ANNOTATION = 'pv.kubernetes.io/provisioned-by';
/** On a claim / PV: the binder completed the binding (Kubernetes' pv controller writes these). */
export const BIND_COMPLETED_ANNOTATION = 'pv.kubernetes.io/bind-completed';
export const BOUND_BY_CONTROLLER_ANNOTATION = 'pv.kubernetes.io/bound-by-controller';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';
/** orch's built-in provisioner and its default class (k3s' local-path, under orch's name). */
export const LOCAL_PATH_PROVISIONER = 'orch.io/local-path';
export const LOCAL_PATH_CLASS = 'local-path';
/** On a Node: the directory under which the agent keeps local-path volumes (set by the agent). */
export const LOCAL_PATH_ROOT_ANNOTATION = 'storage.orch.io/local-path-root';
/** On a local-path PV: its node (a label, for `orch get pv -l`). */
export const LOCAL_PATH_NODE_LABEL = 'storage.orch.io/local-path-node';

export function isDefaultClass(sc: StorageClass): boolean {
  const a = sc.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** The default class for new claims: the newest of those marked, as Kubernetes 1.26+ picks. */
export function defaultClass(classes: readonly StorageClass[]): StorageClass | undefined {
  let best: StorageClass | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc)) continue;
    if (!best || (sc.metadata.creationTimestamp ?? '') > (best.metadata.creationTimestamp ?? '') ||
      ((sc.metadata.creationTimestamp ?? '') === (best.metadata.creationTimestamp ?? '') && (sc.metadata.name ?? '') < (best.metadata.name ?? '')))
      best = sc;
  }
  return best;
}

/** A claim's class: spec.storageClassName, or the old beta annotation. */
export function claimClass(pvc: PersistentVolumeClaim): string {
  return pvc.spec.storageClassName ?? pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}

export function volumeClass(pv: PersistentVolume): string {
  return pv.spec.storageClassName ?? pv.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '';
}
