// apps/v1 DaemonSet and ControllerRevision: one pod per eligible node, and the immutable
// snapshots of a workload's pod template that its rollout history is made of
// (controller/history/ writes them; StatefulSets will use them too).

import type { KubeObject, LabelSelector, PodTemplateSpec } from './types.js';

export interface RollingUpdateDaemonSet {
  /** int or "N%": daemon pods that may be unavailable during the update (default 1). */
  maxUnavailable?: number | string;
  /** int or "N%": nodes that may run an old and a new pod at once (default 0). */
  maxSurge?: number | string;
}

export interface DaemonSetUpdateStrategy {
  type?: 'RollingUpdate' | 'OnDelete';
  rollingUpdate?: RollingUpdateDaemonSet;
}

export interface DaemonSetSpec {
  selector: LabelSelector;
  template: PodTemplateSpec;
  updateStrategy?: DaemonSetUpdateStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
}

export interface DaemonSetCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: DaemonSetCondition[];
}

export interface DaemonSet extends KubeObject {
  spec: DaemonSetSpec;
  status?: DaemonSetStatus;
}

/** A snapshot of state (a patch that restores a template) at a revision number. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}
