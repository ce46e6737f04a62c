// A DaemonSet's status (Kubernetes' updateDaemonSetStatus): per node that should run the
// pod, whether it has one (current), whether the oldest is ready, available
// (minReadySeconds) and of the current revision (updated); pods on nodes that should not
// run one are misscheduled. Pure; returns when to look again for a pod that becomes
// available after minReadySeconds.

import type { DaemonSet, DaemonSetStatus } from '../../api/daemonset-types.js';
import type { Pod } from '../../api/types.js';
import { isPodReady, podAvailableIn } from '../shared/objects.js';
import { byCreationAndPhase, isUpdated } from './daemon-pods.js';

export interface StatusInput {
  ds: DaemonSet;
  /** Node name → should it run the pod. */
  nodes: ReadonlyMap<string, boolean>;
  nodeToPods: ReadonlyMap<string, readonly Pod[]>;
  hash: string;
  collisionCount?: number;
  now: number;
}

export function calculateStatus(i: StatusInput): { status: DaemonSetStatus; recheckAfterMs?: number } {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let recheckAfterMs: number | undefined;
  const minReady = i.ds.spec.minReadySeconds ?? 0;
  for (const [node, shouldRun] of i.nodes) {
    const pods = i.nodeToPods.get(node) ?? [];
    if (!shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byCreationAndPhase)[0]!;
    if (isPodReady(pod)) {
      ready++;
      const left = podAvailableIn(pod, minReady, i.now);
      if (left === 0) available++;
      else if (left !== undefined) recheckAfterMs = Math.min(recheckAfterMs ?? left, left);
    }
    if (isUpdated(pod, i.hash)) updated++;
  }
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: i.ds.metadata.generation,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (i.collisionCount) status.collisionCount = i.collisionCount;
  if (i.ds.status?.conditions) status.conditions = i.ds.status.conditions;
  return { status, ...(recheckAfterMs !== undefined ? { recheckAfterMs } : {}) };
}
