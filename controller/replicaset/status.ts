// ReplicaSet status from the pods it owns: pure, so it is tested without a cluster.

import type { Pod, ReplicaSet, ReplicaSetStatus } from '../../api/types.js';
import { isPodReady, podAvailableIn, selectorMatches } from '../shared/objects.js';
import { isoSeconds } from '../../foundation/clock.js';

export interface StatusResult {
  status: ReplicaSetStatus;
  /** Ready pods become available after minReadySeconds: check again in this many ms. */
  recheckAfterMs?: number;
}

export function calculateReplicaSetStatus(rs: ReplicaSet, activePods: readonly Pod[], now: number, manageError?: unknown): StatusResult {
  const templateLabels = rs.spec.template.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  let recheck: number | undefined;
  for (const p of activePods) {
    if (selectorMatches({ matchLabels: templateLabels }, p.metadata.labels)) fully++;
    if (!isPodReady(p)) continue;
    ready++;
    // Ready but not routed yet (ProxiesRouted False): not available; its status update requeues us.
    const left = podAvailableIn(p, minReady, now);
    if (left === 0) available++;
    else if (left !== undefined) recheck = recheck === undefined ? left : Math.min(recheck, left);
  }
  const old = rs.status;
  let conditions = (old?.conditions ?? []).filter((c) => c.type !== 'ReplicaFailure');
  const oldFailure = old?.conditions?.find((c) => c.type === 'ReplicaFailure');
  if (manageError !== undefined) {
    const message = (manageError as Error)?.message ?? String(manageError);
    conditions = [
      ...conditions,
      oldFailure ?? { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message, lastTransitionTime: isoSeconds(now) },
    ];
  }
  const status: ReplicaSetStatus = {
    replicas: activePods.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? old?.observedGeneration,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return recheck === undefined ? { status } : { status, recheckAfterMs: recheck };
}
