// PodDisruptionBudget rules shared by the eviction subresource (apiserver) and the
// disruption controller: which pods a budget covers, what counts as healthy, the
// DisruptionAllowed condition, and how an int-or-percent budget scales. Pure.

import { isPodReady, setCondition } from './meta.js';
import { matchesLabelSelector } from './selectors/labels.js';
import type { Pod, PodDisruptionBudget, PodDisruptionBudgetStatus } from './types.js';

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

/**
 * How long a pod the eviction subresource let go may stay in status.disruptedPods
 * without being deleted before the controller counts it again (Kubernetes' 2 minutes).
 */
export const DISRUPTION_DELETION_TIMEOUT_MS = 2 * 60_000;

/** The eviction subresource refuses pods of a budget whose map has grown past this (controller behind). */
export const MAX_DISRUPTED_PODS = 2000;

/** A pod counts toward currentHealthy: Ready (the Ready condition True). */
export const isPodHealthy = (pod: Pod): boolean => isPodReady(pod);

/**
 * The pods a budget covers (for the disruption controller and the eviction subresource
 * alike): a missing selector selects nothing, `{}` every pod of the namespace (policy/v1).
 */
export function budgetCoversPod(pdb: PodDisruptionBudget, pod: Pod): boolean {
  return pdb.metadata.namespace === pod.metadata.namespace && matchesLabelSelector(pdb.spec?.selector, pod.metadata.labels);
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" as N% of total, rounded up
 * or down. Validation has made sure a string is a percentage.
 */
export function scaledBudget(v: number | string, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.slice(0, -1));
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** pdbhelper.UpdateDisruptionAllowedCondition: True/SufficientPods while a disruption is allowed, else False/InsufficientPods. */
export function withDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, now: string): PodDisruptionBudgetStatus {
  const allowed = status.disruptionsAllowed > 0;
  const cond = {
    type: DISRUPTION_ALLOWED,
    status: allowed ? ('True' as const) : ('False' as const),
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    observedGeneration: status.observedGeneration ?? 0,
  };
  return { ...status, conditions: setCondition(status.conditions, cond, now) };
}
