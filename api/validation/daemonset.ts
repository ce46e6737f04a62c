// apps/v1 DaemonSet and ControllerRevision validation, with Kubernetes' rules: the selector
// is required, non-empty, selects the template's labels and never changes; the template
// restarts Always; updateStrategy is RollingUpdate (maxUnavailable / maxSurge, not both
// 0) or OnDelete. A ControllerRevision's data is required and immutable, its revision
// a non-negative integer.

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { matchesLabels, selectorFromLabelSelector } from '../selectors/labels.js';
import type { LabelSelector } from '../types.js';
import { intOrPercent, validateLabelSelector } from './deployment.js';
import { fe, int32Field, int64Field, isObj, objField, type Obj } from './field-errors.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';

const RU = 'spec.updateStrategy.rollingUpdate';

function validateUpdateStrategy(v: unknown, out: StatusCause[]): void {
  const s = objField(v, 'spec.updateStrategy', out);
  if (!s) return;
  const type = s.type ?? 'RollingUpdate';
  if (type !== 'RollingUpdate' && type !== 'OnDelete') {
    out.push(fe.notSupported('spec.updateStrategy.type', type, ['OnDelete', 'RollingUpdate']));
    return;
  }
  if (type === 'OnDelete') {
    if (s.rollingUpdate !== undefined && s.rollingUpdate !== null) out.push(fe.forbidden(RU, "may not be specified when strategy `type` is 'OnDelete'"));
    return;
  }
  const ru = objField(s.rollingUpdate, RU, out);
  if (!ru) return;
  const unavailable = intOrPercent(ru.maxUnavailable, `${RU}.maxUnavailable`, out);
  const surge = intOrPercent(ru.maxSurge, `${RU}.maxSurge`, out);
  if (unavailable?.percent && unavailable.n > 100) out.push(fe.invalid(`${RU}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  if (surge?.percent && surge.n > 100) out.push(fe.invalid(`${RU}.maxSurge`, ru.maxSurge, 'must not be greater than 100%'));
  // Unset counts as its default (maxUnavailable 1, maxSurge 0), as after defaulting.
  const u = unavailable?.n ?? (ru.maxUnavailable === undefined || ru.maxUnavailable === null ? 1 : -1);
  const sg = surge?.n ?? (ru.maxSurge === undefined || ru.maxSurge === null ? 0 : -1);
  if (u === 0 && sg === 0) out.push(fe.invalid(`${RU}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
}

/** Shared with StatefulSets (`what` names the kind in the empty-selector message). */
export function validateSelectorAndTemplate(spec: Obj, out: StatusCause[], what = 'daemonset', kind = 'DaemonSet'): void {
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
    if (empty) out.push(fe.invalid('spec.selector', sel, `empty selector is invalid for ${what}`));
    selectorOk = out.length === before && !empty;
  }
  if (spec.template === undefined || spec.template === null) {
    out.push(fe.required('spec.template'));
    return;
  }
  const tpl = objField(spec.template, 'spec.template', out);
  if (!tpl) return;
  const tmeta = objField(tpl.metadata, 'spec.template.metadata', out);
  const labels = tmeta?.labels;
  if (tmeta) {
    out.push(...validateLabels(labels, 'spec.template.metadata.labels'));
    out.push(...validateAnnotations(tmeta.annotations, 'spec.template.metadata.annotations'));
  }
  if (selectorOk) {
    const l = isObj(labels) ? (labels as Record<string, string>) : {};
    if (!matchesLabels(selectorFromLabelSelector(spec.selector as LabelSelector), l)) {
      out.push(fe.invalid('spec.template.metadata.labels', l, '`selector` does not match template `labels`'));
    }
  }
  out.push(...validatePodSpec(tpl.spec, 'spec.template.spec'));
  if (isObj(tpl.spec) && tpl.spec.restartPolicy !== undefined && tpl.spec.restartPolicy !== 'Always') {
    out.push(fe.notSupported('spec.template.spec.restartPolicy', tpl.spec.restartPolicy, ['Always']));
  }
  if (isObj(tpl.spec) && tpl.spec.activeDeadlineSeconds !== undefined) {
    out.push(fe.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kind} is not Supported`));
  }
}

export function validateDaemonSet(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.spec === undefined || obj.spec === null) return [fe.required('spec')];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  validateSelectorAndTemplate(spec, out);
  validateUpdateStrategy(spec.updateStrategy, out);
  int32Field(spec.minReadySeconds, 'spec.minReadySeconds', out, { min: 0 });
  int32Field(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit', out, { min: 0 });
  const st = objField(obj.status, 'status', out);
  if (st) {
    for (const k of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount']) {
      int32Field(st[k], `status.${k}`, out, { min: 0 });
    }
    int64Field(st.observedGeneration, 'status.observedGeneration', out, { min: 0 });
  }
  return out;
}

/** The selector never changes once created (apps/v1). */
export function validateDaemonSetUpdate(obj: Obj, old: Obj): StatusCause[] {
  const a = isObj(obj.spec) ? obj.spec.selector : undefined;
  const b = isObj(old.spec) ? old.spec.selector : undefined;
  return deepEqual(a, b) ? [] : [fe.immutable('spec.selector', a ?? null)];
}

export function validateControllerRevision(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.data === undefined || obj.data === null) out.push(fe.required('data', 'data is mandatory'));
  else objField(obj.data, 'data', out);
  // Absent is 0 (Go's zero value; the defaults write it).
  int64Field(obj.revision, 'revision', out, { min: 0 });
  return out;
}

/** A revision is a snapshot: its data never changes (its number may, as Kubernetes allows). */
export function validateControllerRevisionUpdate(obj: Obj, old: Obj): StatusCause[] {
  return deepEqual(obj.data, old.data) ? [] : [fe.immutable('data', obj.data ?? null)];
}
