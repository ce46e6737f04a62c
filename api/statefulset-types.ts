// apps/v1 StatefulSet: pods with stable ordinal names (NAME-0..N-1), a stable network
// identity through the governing headless Service (hostname + subdomain) and a claim per
// ordinal from volumeClaimTemplates (controller/statefulset/ keeps them).

import type { PersistentVolumeClaim } from './storage/types.js';
import type { KubeObject, LabelSelector, PodTemplateSpec } from './types.js';

export type PodManagementPolicy = 'OrderedReady' | 'Parallel';
export type ClaimRetention = 'Retain' | 'Delete';

export interface RollingUpdateStatefulSetStrategy {
  /** Only ordinals >= partition are updated (default 0). */
  partition?: number;
  /** int or "N%": pods that may be unavailable during the update (default 1). */
  maxUnavailable?: number | string;
}

export interface StatefulSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: RollingUpdateStatefulSetStrategy;
}

export interface StatefulSetPersistentVolumeClaimRetentionPolicy {
  whenDeleted?: ClaimRetention;
  whenScaled?: ClaimRetention;
}

export interface StatefulSetSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  volumeClaimTemplates?: PersistentVolumeClaim[];
  serviceName?: string;
  podManagementPolicy?: PodManagementPolicy;
  updateStrategy?: StatefulSetUpdateStrategy;
  revisionHistoryLimit?: number;
  minReadySeconds?: number;
  persistentVolumeClaimRetentionPolicy?: StatefulSetPersistentVolumeClaimRetentionPolicy;
  ordinals?: { start?: number };
}

export interface StatefulSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: StatefulSetCondition[];
  availableReplicas: number;
}

export interface StatefulSet extends KubeObject {
  spec: StatefulSetSpec;
  status?: StatefulSetStatus;
}

/** Labels the controller puts on every pod (Kubernetes' names). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
