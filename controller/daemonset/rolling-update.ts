// One step of a DaemonSet's RollingUpdate (Kubernetes' daemon/update.go rollingUpdate),
// taken only when no create or delete of the controller is still in flight:
//   maxSurge 0: delete old pods, those not available first (they cost no availability),
//     then available ones while fewer than maxUnavailable nodes lack an available pod;
//     the node plan then creates the new pod once the old one is gone.
//   maxSurge > 0: start new pods beside old ones on up to maxSurge nodes (at once where
//     the old pod is not available), and delete an old pod once its new one is available.
// Both counts are int-or-percent of the nodes that should run the pod, rounded up; both
// resolving to 0 would stall the rollout, so unavailability 1 is allowed then. Pure.

import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Pod } from '../../api/types.js';
import { scaledValue } from '../deployment/math.js';
import { isPodAvailable } from '../shared/objects.js';
import { isUpdated } from './daemon-pods.js';

export interface RollingLimits {
  maxSurge: number;
  maxUnavailable: number;
}

export function rollingLimits(ds: DaemonSet, desired: number): RollingLimits {
  const ru = ds.spec.updateStrategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge, desired, true, '0');
  let maxUnavailable = scaledValue(ru?.maxUnavailable, desired, true, '1');
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** The single new and old pod on a node, ignoring terminating ones; undefined when a node has more (the node plan prunes them first). */
export function updatedAndOld(pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod } | undefined {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const p of pods) {
    if (p.metadata.deletionTimestamp) continue;
    if (isUpdated(p, hash)) {
      if (newPod) return undefined;
      newPod = p;
    } else {
      if (oldPod) return undefined;
      oldPod = p;
    }
  }
  return { newPod, oldPod };
}

export interface RollingStep {
  deletePods: Pod[];
  createOnNodes: string[];
}

export interface RollingInput {
  limits: RollingLimits;
  /** Pods per node they are for, nodes in a stable order (the caller sorts by name). */
  nodeToPods: ReadonlyMap<string, readonly Pod[]>;
  hash: string;
  shouldRun(node: string): boolean;
  minReadySeconds: number;
  now: number;
}

export function rollingUpdateStep(i: RollingInput): RollingStep {
  const available = (p: Pod) => isPodAvailable(p, i.minReadySeconds, i.now);
  if (i.limits.maxSurge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const pods of i.nodeToPods.values()) {
      const found = updatedAndOld(pods, i.hash);
      if (!found) {
        numUnavailable++;
        continue;
      }
      const { newPod, oldPod } = found;
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (!available(oldPod!)) allowed.push(oldPod!);
      else if (numUnavailable < i.limits.maxUnavailable) candidates.push(oldPod!);
    }
    const remaining = Math.min(Math.max(0, i.limits.maxUnavailable - numUnavailable), candidates.length);
    return { deletePods: [...allowed, ...candidates.slice(0, remaining)], createOnNodes: [] };
  }
  let numSurge = 0;
  const allowedNodes: string[] = [];
  const candidateNodes: string[] = [];
  const deletePods: Pod[] = [];
  for (const [node, pods] of i.nodeToPods) {
    const found = updatedAndOld(pods, i.hash);
    if (!found) {
      numSurge++;
      continue;
    }
    const { newPod, oldPod } = found;
    if (!oldPod) continue;
    if (!newPod) {
      // Where the pod may not run any more the node plan removes it; nothing to surge.
      if (!i.shouldRun(node)) continue;
      if (!available(oldPod)) allowedNodes.push(node);
      else if (numSurge < i.limits.maxSurge) candidateNodes.push(node);
      continue;
    }
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    deletePods.push(oldPod);
  }
  const remaining = Math.min(Math.max(0, i.limits.maxSurge - numSurge), candidateNodes.length);
  return { deletePods, createOnNodes: [...allowedNodes, ...candidateNodes.slice(0, remaining)] };
}
