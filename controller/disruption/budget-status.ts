// What a PodDisruptionBudget's status should be, from the pods it covers and the scale of
// their controllers (Kubernetes' disruption controller: getExpectedPodCount,
// buildDisruptedPodMap, countHealthyPods, updatePdbStatus). Pure: the controller feeds
// it its caches and writes the result.

import { DISRUPTION_ALLOWED, DISRUPTION_DELETION_TIMEOUT_MS, isPodHealthy, scaledBudget, withDisruptionAllowedCondition } from '../../api/disruption.js';
import { setCondition } from '../../api/meta.js';
import type { OwnerReference, Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from '../../api/types.js';
import { controllerRefOf, parseTime } from '../shared/objects.js';

/** The scale of the workload that owns a pod: its uid (several pods, one count) and desired replicas. */
export interface ControllerScale {
  uid: string;
  replicas: number;
}

/** Finds the scale for a pod's controller reference; undefined when no known controller answers. */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => ControllerScale | undefined;

export interface BudgetComputation {
  status: PodDisruptionBudgetStatus;
  /** Pods without a controller, which a percentage budget cannot count (a Warning event). */
  unmanagedPods: string[];
  /** When a recorded disruption times out and the budget must be looked at again. */
  recheckAfterMs?: number;
  /** Pods an eviction let go that were not deleted within the timeout (a Warning event each). */
  notDeleted: Pod[];
}

/**
 * Σ desired replicas of the controllers of the covered pods: what a percentage, or
 * maxUnavailable, is taken of. Throws when a pod's controller is not one orch knows.
 */
function expectedScale(pods: readonly Pod[], findScale: ScaleFinder): { expected: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = findScale(ref, pod.metadata.namespace ?? '');
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.replicas);
  }
  let expected = 0;
  for (const n of scales.values()) expected += n;
  return { expected, unmanaged };
}

/** expectedPods and desiredHealthy of a budget (getExpectedPodCount). */
function expectedAndDesired(pdb: PodDisruptionBudget, pods: readonly Pod[], findScale: ScaleFinder): { expected: number; desired: number; unmanaged: string[] } {
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined && maxUnavailable !== null) {
    const { expected, unmanaged } = expectedScale(pods, findScale);
    const desired = Math.max(0, expected - scaledBudget(maxUnavailable, expected, true));
    return { expected, desired, unmanaged };
  }
  if (minAvailable !== undefined && minAvailable !== null) {
    // An integer minAvailable needs no controller: every covered pod counts.
    if (typeof minAvailable === 'number') return { expected: pods.length, desired: minAvailable, unmanaged: [] };
    const { expected, unmanaged } = expectedScale(pods, findScale);
    return { expected, desired: scaledBudget(minAvailable, expected, true), unmanaged };
  }
  return { expected: 0, desired: 0, unmanaged: [] };
}

/**
 * The pods recorded by the eviction subresource that are still expected to go: neither
 * being deleted yet nor past the deletion timeout (buildDisruptedPodMap).
 */
function pendingDisruptions(pdb: PodDisruptionBudget, pods: readonly Pod[], nowMs: number): { map: Record<string, string>; recheckAt?: number; notDeleted: Pod[] } {
  const recorded = pdb.status?.disruptedPods ?? {};
  const map: Record<string, string> = {};
  const notDeleted: Pod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    const name = pod.metadata.name ?? '';
    if (pod.metadata.deletionTimestamp || recorded[name] === undefined) continue;
    const at = parseTime(recorded[name]);
    if (at === undefined) continue;
    const expectedGone = at + DISRUPTION_DELETION_TIMEOUT_MS;
    if (expectedGone < nowMs) {
      notDeleted.push(pod); // not deleted in time: it counts again
      continue;
    }
    map[name] = recorded[name]!;
    if (recheckAt === undefined || expectedGone < recheckAt) recheckAt = expectedGone;
  }
  return { map, recheckAt, notDeleted };
}

/** The status a budget should have now. Throws (the controller then fails safe) when the expected count cannot be known. */
export function computeBudgetStatus(pdb: PodDisruptionBudget, pods: readonly Pod[], findScale: ScaleFinder, nowMs: number, nowIso: string): BudgetComputation {
  const { expected, desired, unmanaged } = expectedAndDesired(pdb, pods, findScale);
  const disrupted = pendingDisruptions(pdb, pods, nowMs);
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp || disrupted.map[pod.metadata.name ?? ''] !== undefined) continue;
    if (isPodHealthy(pod)) healthy++;
  }
  // A budget that expects no pods allows nothing: its first pods may appear before it is
  // computed again (Kubernetes' rule).
  const allowed = expected <= 0 ? 0 : Math.max(0, healthy - desired);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata.generation ?? 0,
    ...(Object.keys(disrupted.map).length > 0 ? { disruptedPods: disrupted.map } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    ...(pdb.status?.conditions ? { conditions: pdb.status.conditions } : {}),
  };
  return {
    status: withDisruptionAllowedCondition(status, nowIso),
    unmanagedPods: unmanaged,
    recheckAfterMs: disrupted.recheckAt === undefined ? undefined : disrupted.recheckAt - nowMs,
    notDeleted: disrupted.notDeleted,
  };
}

/** The status written when the budget cannot be computed: no disruption allowed (failSafe). */
export function failSafeStatus(pdb: PodDisruptionBudget, err: Error, nowIso: string): PodDisruptionBudgetStatus {
  const st: PodDisruptionBudgetStatus = { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...pdb.status, disruptionsAllowed: 0 };
  const cond = { type: DISRUPTION_ALLOWED, status: 'False' as const, reason: 'SyncFailed', message: err.message, observedGeneration: st.observedGeneration ?? 0 };
  return { ...st, conditions: setCondition(st.conditions, cond, nowIso) };
}
