// PodDisruptionBudget (policy/v1) validation, as Kubernetes' ValidatePodDisruptionBudget:
// exactly one of minAvailable / maxUnavailable, each a non-negative int or a percentage
// of at most 100%, a well-formed selector, a known unhealthyPodEvictionPolicy; the status
// counters the controller and the eviction subresource write are non-negative.

import type { StatusCause } from '../errors.js';
import { intOrPercent, validateLabelSelector } from './deployment.js';
import { arrayField, fe, int32Field, int64Field, objField, strField, timeField, type Obj } from './field-errors.js';

export const UNHEALTHY_POD_EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'] as const;

function budgetField(v: unknown, field: string, out: StatusCause[]): void {
  const r = intOrPercent(v, field, out);
  if (r?.percent && r.n > 100) out.push(fe.invalid(field, v, 'must not be greater than 100%'));
}

function validateSpec(obj: Obj, out: StatusCause[]): void {
  if (obj.spec === undefined || obj.spec === null) {
    out.push(fe.required('spec'));
    return;
  }
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return;
  const hasMin = spec.minAvailable !== undefined && spec.minAvailable !== null;
  const hasMax = spec.maxUnavailable !== undefined && spec.maxUnavailable !== null;
  // Kubernetes accepts neither (a budget that then allows no disruption at all, which
  // `kubectl create pdb` refuses to write); orch asks for exactly one, so a budget
  // always says what it protects.
  if (hasMin && hasMax) out.push(fe.invalid('spec', { minAvailable: spec.minAvailable, maxUnavailable: spec.maxUnavailable }, 'minAvailable and maxUnavailable cannot be both set'));
  if (!hasMin && !hasMax) out.push(fe.required('spec.minAvailable', 'one of minAvailable or maxUnavailable must be set'));
  if (hasMin) budgetField(spec.minAvailable, 'spec.minAvailable', out);
  if (hasMax) budgetField(spec.maxUnavailable, 'spec.maxUnavailable', out);
  if (spec.selector !== undefined && spec.selector !== null) validateLabelSelector(spec.selector, 'spec.selector', out);
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== null && !(UNHEALTHY_POD_EVICTION_POLICIES as readonly unknown[]).includes(policy))
    out.push(fe.notSupported('spec.unhealthyPodEvictionPolicy', policy, UNHEALTHY_POD_EVICTION_POLICIES));
}

function validateStatus(obj: Obj, out: StatusCause[]): void {
  if (obj.status === undefined || obj.status === null) return;
  const st = objField(obj.status, 'status', out);
  if (!st) return;
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) int32Field(st[f], `status.${f}`, out, { min: 0 });
  int64Field(st.observedGeneration, 'status.observedGeneration', out, { min: 0 });
  const disrupted = objField(st.disruptedPods, 'status.disruptedPods', out);
  if (disrupted) for (const [pod, t] of Object.entries(disrupted)) timeField(t, `status.disruptedPods[${pod}]`, out);
  arrayField(st.conditions, 'status.conditions', out)?.forEach((raw, i) => {
    const f = `status.conditions[${i}]`;
    const c = objField(raw, f, out);
    if (!c) return;
    if (!strField(c.type, `${f}.type`, out)) out.push(fe.required(`${f}.type`));
    if (!['True', 'False', 'Unknown'].includes(c.status as string)) out.push(fe.notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    strField(c.reason, `${f}.reason`, out);
    strField(c.message, `${f}.message`, out);
    timeField(c.lastTransitionTime, `${f}.lastTransitionTime`, out);
    int64Field(c.observedGeneration, `${f}.observedGeneration`, out, { min: 0 });
  });
}

export function validatePodDisruptionBudget(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateSpec(obj, out);
  validateStatus(obj, out);
  return out;
}
