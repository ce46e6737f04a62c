// HorizontalPodAutoscaler (autoscaling/v2) validation, after Kubernetes'
// ValidateHorizontalPodAutoscaler: a scale target with kind and name, 1 <= minReplicas <=
// maxReplicas, each metric one known type with its own source and a target that fits it,
// behavior rules in range. orch measures cpu and memory of pods only, so the Resource
// source is the one it accepts: Pods, Object, External and ContainerResource are known
// Kubernetes types refused as not implemented (Forbidden), anything else is an unknown
// type (NotSupported). autoscaling/v1's one field is checked before conversion
// (validateHpaV1Target), so its errors name the field the client sent.

import type { StatusCause } from '../errors.js';
import { isValidQuantity, parseQuantity } from '../quantity.js';
import { arrayField, fe, int32Field, int64Field, objField, strField, timeField, type Obj } from './field-errors.js';

const KNOWN_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const RESOURCE_NAMES = ['cpu', 'memory'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];
const MAX_STABILIZATION = 3600;
const MAX_PERIOD = 1800;

const set = (v: unknown) => v !== undefined && v !== null;

function validateTargetRef(v: unknown, field: string, out: StatusCause[]): void {
  const ref = objField(v, field, out);
  if (!ref) {
    if (!set(v)) out.push(fe.required(field));
    return;
  }
  for (const k of ['kind', 'name'] as const) {
    const s = strField(ref[k], `${field}.${k}`, out);
    if (s === undefined || s === '') {
      if (s === '' || !set(ref[k])) out.push(fe.required(`${field}.${k}`));
    } else if (s.includes('/') || s.includes('%') || s === '.' || s === '..') out.push(fe.invalid(`${field}.${k}`, s, 'may not contain \'/\' or \'%\' and may not be \'.\' or \'..\''));
  }
  strField(ref.apiVersion, `${field}.apiVersion`, out);
}

function positiveQuantity(v: unknown, field: string, out: StatusCause[]): void {
  if (typeof v !== 'string' && typeof v !== 'number') out.push(fe.invalid(field, v, 'must be a quantity such as "500m" or "128Mi"'));
  else if (!isValidQuantity(v)) out.push(fe.invalid(field, v, 'quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''));
  else if (parseQuantity(v) <= 0) out.push(fe.invalid(field, v, 'must be positive'));
}

/** A Resource metric's target: Utilization (averageUtilization > 0) or AverageValue (averageValue > 0). */
function validateResourceTarget(v: unknown, field: string, out: StatusCause[]): void {
  const t = objField(v, field, out);
  if (!t) {
    if (!set(v)) out.push(fe.required(field, 'must specify a metric target'));
    return;
  }
  const type = t.type;
  if (!set(type)) out.push(fe.required(`${field}.type`, 'must specify a metric target type'));
  else if (type !== 'Utilization' && type !== 'AverageValue')
    out.push(type === 'Value' ? fe.invalid(`${field}.type`, type, 'must be either Utilization or AverageValue for a Resource metric') : fe.notSupported(`${field}.type`, type, ['AverageValue', 'Utilization', 'Value']));
  if (set(t.value)) out.push(fe.forbidden(`${field}.value`, 'a Resource metric is averaged over pods: use averageValue or averageUtilization'));
  if (type === 'Utilization') {
    if (set(t.averageValue)) out.push(fe.forbidden(`${field}.averageValue`, 'may not be set when type is Utilization'));
    if (!set(t.averageUtilization)) out.push(fe.required(`${field}.averageUtilization`, 'must set averageUtilization when type is Utilization'));
    else int32Field(t.averageUtilization, `${field}.averageUtilization`, out, { min: 1 });
  } else if (type === 'AverageValue') {
    if (set(t.averageUtilization)) out.push(fe.forbidden(`${field}.averageUtilization`, 'may not be set when type is AverageValue'));
    if (!set(t.averageValue)) out.push(fe.required(`${field}.averageValue`, 'must set averageValue when type is AverageValue'));
    else positiveQuantity(t.averageValue, `${field}.averageValue`, out);
  }
}

function validateMetric(raw: unknown, field: string, out: StatusCause[]): void {
  const m = objField(raw, field, out);
  if (!m) return;
  const type = m.type;
  if (!set(type) || type === '') {
    out.push(fe.required(`${field}.type`, 'must specify a metric source type'));
    return;
  }
  if (!KNOWN_TYPES.includes(type as string)) {
    out.push(fe.notSupported(`${field}.type`, type, KNOWN_TYPES));
    return;
  }
  if (type !== 'Resource') {
    out.push(fe.forbidden(`${field}.type`, `not implemented by orch: ${String(type)} metrics (orch measures cpu and memory of pods: use type Resource)`));
    return;
  }
  for (const other of ['pods', 'object', 'external', 'containerResource']) if (set(m[other])) out.push(fe.forbidden(`${field}.${other}`, 'must populate the given metric source only'));
  const r = objField(m.resource, `${field}.resource`, out);
  if (!r) {
    if (!set(m.resource)) out.push(fe.required(`${field}.resource`, 'must populate information for the given metric source'));
    return;
  }
  const name = r.name;
  if (!set(name) || name === '') out.push(fe.required(`${field}.resource.name`, 'must specify a resource name'));
  else if (!RESOURCE_NAMES.includes(name as string)) out.push(fe.notSupported(`${field}.resource.name`, name, RESOURCE_NAMES));
  validateResourceTarget(r.target, `${field}.resource.target`, out);
}

function validateRules(v: unknown, field: string, out: StatusCause[]): void {
  const r = objField(v, field, out);
  if (!r) return;
  int32Field(r.stabilizationWindowSeconds, `${field}.stabilizationWindowSeconds`, out, { min: 0, max: MAX_STABILIZATION });
  if (set(r.selectPolicy) && !SELECT_POLICIES.includes(r.selectPolicy as string)) out.push(fe.notSupported(`${field}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  const policies = arrayField(r.policies, `${field}.policies`, out);
  if (set(r.policies) && policies && policies.length === 0) out.push(fe.required(`${field}.policies`, 'must specify at least one Policy'));
  policies?.forEach((raw, i) => {
    const f = `${field}.policies[${i}]`;
    const p = objField(raw, f, out);
    if (!p) return;
    if (!POLICY_TYPES.includes(p.type as string)) out.push(set(p.type) ? fe.notSupported(`${f}.type`, p.type, POLICY_TYPES) : fe.required(`${f}.type`));
    if (!set(p.value)) out.push(fe.required(`${f}.value`));
    else int32Field(p.value, `${f}.value`, out, { min: 1 });
    if (!set(p.periodSeconds)) out.push(fe.required(`${f}.periodSeconds`));
    else int32Field(p.periodSeconds, `${f}.periodSeconds`, out, { min: 1, max: MAX_PERIOD });
  });
}

function validateSpec(obj: Obj, out: StatusCause[]): void {
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) {
    if (!set(obj.spec)) out.push(fe.required('spec'));
    return;
  }
  validateTargetRef(spec.scaleTargetRef, 'spec.scaleTargetRef', out);
  const min = set(spec.minReplicas) ? int32Field(spec.minReplicas, 'spec.minReplicas', out, { min: 1 }) : 1;
  if (!set(spec.maxReplicas)) out.push(fe.required('spec.maxReplicas'));
  else {
    const max = int32Field(spec.maxReplicas, 'spec.maxReplicas', out, { min: 1 });
    if (max !== undefined && min !== undefined && max < min) out.push(fe.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  arrayField(spec.metrics, 'spec.metrics', out)?.forEach((m, i) => validateMetric(m, `spec.metrics[${i}]`, out));
  const b = objField(spec.behavior, 'spec.behavior', out);
  if (b) {
    validateRules(b.scaleUp, 'spec.behavior.scaleUp', out);
    validateRules(b.scaleDown, 'spec.behavior.scaleDown', out);
  }
}

function validateStatus(obj: Obj, out: StatusCause[]): void {
  const st = objField(obj.status, 'status', out);
  if (!st) return;
  int64Field(st.observedGeneration, 'status.observedGeneration', out, { min: 0 });
  int32Field(st.currentReplicas, 'status.currentReplicas', out, { min: 0 });
  int32Field(st.desiredReplicas, 'status.desiredReplicas', out, { min: 0 });
  timeField(st.lastScaleTime, 'status.lastScaleTime', out);
  arrayField(st.currentMetrics, 'status.currentMetrics', out);
  arrayField(st.conditions, 'status.conditions', out)?.forEach((raw, i) => {
    const f = `status.conditions[${i}]`;
    const c = objField(raw, f, out);
    if (!c) return;
    if (!strField(c.type, `${f}.type`, out)) out.push(fe.required(`${f}.type`));
    if (!['True', 'False', 'Unknown'].includes(c.status as string)) out.push(fe.notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    strField(c.reason, `${f}.reason`, out);
    strField(c.message, `${f}.message`, out);
    timeField(c.lastTransitionTime, `${f}.lastTransitionTime`, out);
  });
}

export function validateHorizontalPodAutoscaler(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateSpec(obj, out);
  validateStatus(obj, out);
  return out;
}

/** autoscaling/v1's spec.targetCPUUtilizationPercentage, checked before it becomes a v2 metric. */
export function validateHpaV1Target(body: unknown): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = (body as Obj | null)?.spec;
  if (spec && typeof spec === 'object' && set((spec as Obj).targetCPUUtilizationPercentage))
    int32Field((spec as Obj).targetCPUUtilizationPercentage, 'spec.targetCPUUtilizationPercentage', out, { min: 1 });
  return out;
}
