// Deployment and ReplicaSet validation: replicas, selector vs template labels, strategy,
// timing fields, and the immutable selector.

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { matchesLabels, selectorFromLabelSelector } from '../selectors/labels.js';
import type { LabelSelector } from '../types.js';
import { arrayField, boolField, fe, int32Field, int64Field, isObj, objField, strField, type Obj } from './field-errors.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { isLabelValue, isQualifiedName } from './names.js';
import { validatePodSpec } from './pod.js';

/** A LabelSelector's own syntax (matchLabels as labels, matchExpressions operators). */
export function validateLabelSelector(v: unknown, field: string, out: StatusCause[]): void {
  const sel = objField(v, field, out);
  if (!sel) return;
  out.push(...validateLabels(sel.matchLabels, `${field}.matchLabels`));
  arrayField(sel.matchExpressions, `${field}.matchExpressions`, out)?.forEach((raw, i) => {
    const f = `${field}.matchExpressions[${i}]`;
    const e = objField(raw, f, out);
    if (!e) return;
    const key = strField(e.key, `${f}.key`, out);
    if (!key) out.push(fe.required(`${f}.key`));
    else for (const m of isQualifiedName(key)) out.push(fe.invalid(`${f}.key`, key, m));
    const values = arrayField(e.values, `${f}.values`, out) ?? [];
    values.forEach((val, j) => {
      if (typeof val !== 'string') out.push(fe.invalid(`${f}.values[${j}]`, val, 'must be a string'));
      else for (const m of isLabelValue(val)) out.push(fe.invalid(`${f}.values[${j}]`, val, m));
    });
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) out.push(fe.required(`${f}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) out.push(fe.forbidden(`${f}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      case undefined:
        out.push(fe.required(`${f}.operator`));
        break;
      default:
        out.push(fe.notSupported(`${f}.operator`, e.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist']));
    }
  });
}

/** An int, or a string "N%": maxSurge / maxUnavailable. Returns the value as given or undefined if invalid. */
export function intOrPercent(v: unknown, field: string, out: StatusCause[]): { n: number; percent: boolean } | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    const n = int32Field(v, field, out, { min: 0 });
    return n === undefined ? undefined : { n, percent: false };
  }
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) {
      out.push(fe.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%')"));
      return undefined;
    }
    const n = int32Field(Number(m[1]), field, out);
    return n === undefined ? undefined : { n, percent: true };
  }
  out.push(fe.invalid(field, v, 'must be an integer or percentage (e.g. 5 or "5%")'));
  return undefined;
}

function validateStrategy(v: unknown, out: StatusCause[]): void {
  const s = objField(v, 'spec.strategy', out);
  if (!s) return;
  const type = s.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'Recreate') {
    out.push(fe.notSupported('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
    return;
  }
  const ru = objField(s.rollingUpdate, 'spec.strategy.rollingUpdate', out);
  if (type === 'Recreate') {
    if (ru) out.push(fe.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    return;
  }
  if (!ru) return;
  const surge = intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', out);
  const unavailable = intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', out);
  if (unavailable?.percent && unavailable.n > 100) {
    out.push(fe.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must not be greater than 100%'));
  }
  if (surge && unavailable && surge.n === 0 && unavailable.n === 0) {
    out.push(fe.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
  }
}

/**
 * Shared by Deployment and ReplicaSet: replicas, selector, template (labels must be
 * selected by the selector, restartPolicy Always), minReadySeconds.
 */
function validateReplicatedSpec(obj: Obj, kindLower: string, out: StatusCause[]): Obj | undefined {
  if (obj.spec === undefined || obj.spec === null) {
    out.push(fe.required('spec'));
    return undefined;
  }
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return undefined;
  int32Field(spec.replicas, 'spec.replicas', out, { min: 0 });
  int32Field(spec.minReadySeconds, 'spec.minReadySeconds', out, { min: 0 });

  let selectorOk = false;
  if (spec.selector === undefined || spec.selector === null) out.push(fe.required('spec.selector'));
  else {
    const before = out.length;
    validateLabelSelector(spec.selector, 'spec.selector', out);
    const sel = spec.selector as Obj;
    const empty =
      isObj(sel) &&
      (!isObj(sel.matchLabels) || Object.keys(sel.matchLabels).length === 0) &&
      (!Array.isArray(sel.matchExpressions) || sel.matchExpressions.length === 0);
    if (empty) out.push(fe.invalid('spec.selector', sel, `empty selector is invalid for ${kindLower}`));
    selectorOk = out.length === before && !empty;
  }

  if (spec.template === undefined || spec.template === null) {
    out.push(fe.required('spec.template'));
    return spec;
  }
  const tpl = objField(spec.template, 'spec.template', out);
  if (!tpl) return spec;
  const tmeta = objField(tpl.metadata, 'spec.template.metadata', out);
  const labels = tmeta?.labels;
  if (tmeta) {
    out.push(...validateLabels(labels, 'spec.template.metadata.labels'));
    out.push(...validateAnnotations(tmeta.annotations, 'spec.template.metadata.annotations'));
  }
  if (selectorOk) {
    const reqs = selectorFromLabelSelector(spec.selector as LabelSelector);
    const l = isObj(labels) ? (labels as Record<string, string>) : {};
    if (!matchesLabels(reqs, l)) out.push(fe.invalid('spec.template.metadata.labels', l, 'selector does not match template labels'));
  }
  out.push(...validatePodSpec(tpl.spec, 'spec.template.spec'));
  if (isObj(tpl.spec) && tpl.spec.restartPolicy !== undefined && tpl.spec.restartPolicy !== 'Always') {
    out.push(fe.notSupported('spec.template.spec.restartPolicy', tpl.spec.restartPolicy, ['Always']));
  }
  if (isObj(tpl.spec) && tpl.spec.activeDeadlineSeconds !== undefined) {
    out.push(fe.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return spec;
}

export function validateDeployment(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = validateReplicatedSpec(obj, 'deployment', out);
  if (!spec) return out;
  validateStrategy(spec.strategy, out);
  int32Field(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out, { min: 0 });
  boolField(spec.paused, 'spec.paused', out);
  const pds = int32Field(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds', out, { min: 1 });
  const mrs = typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0;
  if (pds !== undefined && pds <= mrs) {
    out.push(fe.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  const rb = objField(spec.rollbackTo, 'spec.rollbackTo', out);
  if (rb) int64Field(rb.revision, 'spec.rollbackTo.revision', out, { min: 0 });
  return out;
}

export function validateReplicaSet(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateReplicatedSpec(obj, 'replicaset', out);
  return out;
}

/** status of both kinds: counts are non-negative integers. */
export function validateReplicatedStatus(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const st = objField(obj.status, 'status', out);
  if (!st) return out;
  for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'fullyLabeledReplicas', 'collisionCount']) {
    int32Field(st[k], `status.${k}`, out, { min: 0 });
  }
  int64Field(st.observedGeneration, 'status.observedGeneration', out, { min: 0 });
  return out;
}

/** The selector of a Deployment or ReplicaSet never changes once created. */
export function validateSelectorUpdate(obj: Obj, old: Obj): StatusCause[] {
  const a = isObj(obj.spec) ? obj.spec.selector : undefined;
  const b = isObj(old.spec) ? old.spec.selector : undefined;
  return deepEqual(a, b) ? [] : [fe.immutable('spec.selector', a ?? null)];
}
