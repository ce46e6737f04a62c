// POST pods/{name}/eviction (policy/v1 Eviction, v1beta1 accepted too), the pure steps of
// Kubernetes' EvictionREST: the body check, which pods skip the budgets, what a budget
// answers (429 while it allows no disruption), the decremented budget, and the pod as
// deleted with its DisruptionTarget condition. The apiserver (apiserver/registry/
// eviction.ts) runs them inside compare-and-swaps.

import { ApiError, errors, makeStatus, type Status } from '../errors.js';
import { MAX_DISRUPTED_PODS, withDisruptionAllowedCondition } from '../disruption.js';
import { deepClone, setCondition } from '../meta.js';
import type { Eviction, KubeObject, ObjectMeta, Pod, PodCondition, PodDisruptionBudget } from '../types.js';
import { isObj, text } from '../validation/field-errors.js';

const EVICTION_VERSIONS = ['policy/v1', 'policy/v1beta1'];

export const EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

/** The Eviction body, checked: 400 for another kind or version, or another pod's name or namespace. */
export function checkEviction(body: unknown, name: string, namespace: string): Eviction {
  if (!isObj(body)) throw errors.badRequest('the body must be an Eviction object');
  const e = body as Eviction;
  if (e.kind !== undefined && e.kind !== 'Eviction') throw errors.badRequest(`the kind in the data (${text(e.kind)}) does not match the expected kind (Eviction)`);
  if (e.apiVersion !== undefined && !EVICTION_VERSIONS.includes(e.apiVersion))
    throw errors.badRequest(`the API version in the data (${text(e.apiVersion)}) does not match the expected API version (policy/v1 or policy/v1beta1)`);
  const md: ObjectMeta = isObj(e.metadata) ? (e.metadata as ObjectMeta) : {};
  if (md.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  if (md.namespace && md.namespace !== namespace)
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (e.deleteOptions !== undefined && e.deleteOptions !== null && !isObj(e.deleteOptions)) throw errors.badRequest('deleteOptions must be a DeleteOptions object');
  return e;
}

/** Finished, never started, or already going: the pod is deleted without asking any budget. */
export function canIgnoreBudgets(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

/**
 * Whether the delete of a pod that skips the budgets must be conditional on the pod's
 * resourceVersion: a Pending pod could turn Ready (and count) in between.
 */
export function deleteMustMatchVersion(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && pod.metadata.deletionTimestamp === undefined;
}

/**
 * An unhealthy (not Ready) pod is let go without spending the budget when the budget
 * says AlwaysAllow, or when the budget is currently met (IfHealthyBudget, the default).
 */
export function unhealthyPodMayGo(pod: Pod, pdb: PodDisruptionBudget, ready: boolean): boolean {
  if (ready) return false;
  if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const st = pdb.status;
  return (st?.currentHealthy ?? 0) >= (st?.desiredHealthy ?? 0) && (st?.desiredHealthy ?? 0) > 0;
}

function tooManyRequests(message: string, retryAfterSeconds: number, causeMessage: string): ApiError {
  const s = makeStatus(429, 'TooManyRequests', message, { retryAfterSeconds, causes: [{ reason: 'DisruptionBudget', message: causeMessage }] });
  return new ApiError(s);
}

/** The budget is not yet computed for its current spec, or a conditional delete lost a race: try again in 10 s. */
export function budgetBeingProcessed(pdbName: string): ApiError {
  return tooManyRequests(EVICTION_REFUSED, 10, `The disruption budget ${pdbName} is still being processed by the server.`);
}

/** Why this budget refuses a disruption now, if it does (Kubernetes' checkAndDecrement). */
export function budgetRefusal(pdb: PodDisruptionBudget): ApiError | undefined {
  const name = pdb.metadata.name ?? '';
  const st = pdb.status;
  if ((st?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) return budgetBeingProcessed(name);
  const forbidden = (why: string) => errors.forbidden(`poddisruptionbudgets.policy "${name}" is forbidden: ${why}`);
  if ((st?.disruptionsAllowed ?? 0) < 0) return forbidden('pdb disruptions allowed is negative');
  if (Object.keys(st?.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS)
    return forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if ((st?.disruptionsAllowed ?? 0) === 0)
    // retryAfterSeconds 0: no Retry-After header, so kubectl drain waits and retries by itself.
    return tooManyRequests(EVICTION_REFUSED, 0, `The disruption budget ${name} needs ${st?.desiredHealthy ?? 0} healthy pods and has ${st?.currentHealthy ?? 0} currently`);
  return undefined;
}

/** The budget with one disruption spent on `podName` (recorded so the controller does not count it healthy meanwhile). */
export function spentBudget(pdb: PodDisruptionBudget, podName: string, now: string): PodDisruptionBudget {
  const next = deepClone(pdb);
  let st = { ...next.status!, disruptionsAllowed: next.status!.disruptionsAllowed - 1 };
  if (st.disruptionsAllowed === 0) st = withDisruptionAllowedCondition(st, now);
  st.disruptedPods = { ...(st.disruptedPods ?? {}), [podName]: now };
  next.status = st;
  return next;
}

/** The pod marked DisruptionTarget=True (EvictionByEvictionAPI) on its way out, as Kubernetes does. */
export function withDisruptionTarget(pod: KubeObject, now: string): KubeObject {
  const next = deepClone(pod);
  const status = (next.status ?? {}) as { conditions?: PodCondition[] };
  const cond = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
  status.conditions = setCondition(status.conditions as never, cond as never, now) as PodCondition[];
  next.status = status;
  return next;
}

/** What a successful eviction answers (HTTP 201). */
export function evictionSucceeded(): Status {
  const s = makeStatus(201, 'Unknown', '');
  s.status = 'Success';
  delete s.reason;
  delete s.message;
  return s;
}

/** Several budgets cover the pod: Kubernetes answers 500 with this Status (no reason). */
export function severalBudgets(): ApiError {
  const s = makeStatus(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  delete s.reason;
  return new ApiError(s);
}
