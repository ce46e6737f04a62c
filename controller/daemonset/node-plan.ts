// What one node needs (Kubernetes' podsShouldBeOnNode): a pod created where one should
// run and none exists (a terminating pod is waited for: it may still hold host ports),
// failed pods deleted (the caller applies the per-node backoff), extra pods pruned (the
// oldest kept; with maxSurge an old and a new pod may overlap until the new one is
// available), and every pod deleted where none should run any more. Pure.

import type { Pod } from '../../api/types.js';
import { isPodAvailable, isPodReady } from '../shared/objects.js';
import { byCreationAndPhase, isUpdated } from './daemon-pods.js';
import type { Eligibility } from './eligibility.js';

export interface NodePlan {
  create: boolean;
  /** Pods to delete now. */
  delete: Pod[];
  /** Failed pods: deleted unless the node's failure backoff holds them. */
  failed: Pod[];
}

export interface NodePlanInput {
  eligibility: Eligibility;
  /** The DaemonSet's pods for this node (terminating ones included). */
  pods: readonly Pod[];
  hash: string;
  surge: boolean;
  minReadySeconds: number;
  now: number;
}

export function planNode(i: NodePlanInput): NodePlan {
  const plan: NodePlan = { create: false, delete: [], failed: [] };
  const { shouldRun, shouldContinueRunning } = i.eligibility;
  if (shouldRun && i.pods.length === 0) {
    plan.create = true;
    return plan;
  }
  if (!shouldContinueRunning) {
    plan.delete.push(...i.pods.filter((p) => !p.metadata.deletionTimestamp));
    return plan;
  }
  const running: Pod[] = [];
  for (const p of i.pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (p.status?.phase === 'Failed') plan.failed.push(p);
    else if (p.status?.phase === 'Succeeded') plan.delete.push(p);
    else running.push(p);
  }
  running.sort(byCreationAndPhase);
  if (!i.surge) {
    plan.delete.push(...running.slice(1));
    return plan;
  }
  if (running.length === 0) {
    // Surging: a node keeps at least one pod that is not being deleted.
    if (shouldRun) plan.create = true;
    return plan;
  }
  // Surging: an old and a new pod may overlap only while the new one is not available.
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const p of running) {
    if (isUpdated(p, i.hash)) {
      if (!oldestNew) {
        oldestNew = p;
        continue;
      }
    } else if (!oldestOld) {
      oldestOld = p;
      continue;
    }
    plan.delete.push(p);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, i.minReadySeconds, i.now))) plan.delete.push(oldestOld);
  return plan;
}
