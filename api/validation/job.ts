// batch/v1 Job validation, after Kubernetes' ValidateJob / ValidateJobUpdate: counts are
// non-negative (completions, parallelism, backoffLimit, ttlSecondsAfterFinished),
// activeDeadlineSeconds positive, the template's restartPolicy OnFailure or Never and its
// labels selected by the selector, Indexed needs completions, podFailurePolicy rules
// well formed (and not with OnFailure), the Indexed policies (job-index-policies.ts). On
// update the template, selector, completionMode, podFailurePolicy, backoffLimitPerIndex,
// successPolicy and managedBy are immutable (422), as in Kubernetes, and completions too
// but for elastic Indexed Jobs (changed together with parallelism to the same value).
// orch does not implement the mutable scheduling directives of suspended Jobs.

import type { StatusCause } from '../errors.js';
import { deepEqual } from '../meta.js';
import { matchesLabels, selectorFromLabelSelector } from '../selectors/labels.js';
import type { LabelSelector } from '../types.js';
import { validateLabelSelector } from './deployment.js';
import { arrayField, boolField, fe, int32Field, int64Field, isObj, objField, strField, timeField, type Obj } from './field-errors.js';
import { validateIndexPolicies } from './job-index-policies.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validatePodSpec } from './pod.js';

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

function validatePodFailurePolicy(v: unknown, f: string, containers: string[], restartPolicy: unknown, out: StatusCause[]): void {
  const pfp = objField(v, f, out);
  if (!pfp) return;
  if (restartPolicy === 'OnFailure') out.push(fe.invalid(f, 'OnFailure', 'only "Never" is supported when podFailurePolicy is specified'));
  const rules = arrayField(pfp.rules, `${f}.rules`, out) ?? [];
  if (rules.length > 20) out.push(fe.tooLong(`${f}.rules`, 20, 'items'));
  rules.forEach((raw, i) => {
    const rf = `${f}.rules[${i}]`;
    const r = objField(raw, rf, out);
    if (!r) return;
    if (r.action === undefined || r.action === null) out.push(fe.required(`${rf}.action`));
    else if (!ACTIONS.includes(r.action as string)) out.push(fe.notSupported(`${rf}.action`, r.action, ACTIONS));
    const hasCodes = r.onExitCodes !== undefined && r.onExitCodes !== null;
    const hasConds = r.onPodConditions !== undefined && r.onPodConditions !== null;
    if (hasCodes && hasConds) out.push(fe.invalid(rf, 'both', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!hasCodes && !hasConds) out.push(fe.invalid(rf, 'neither', 'specifying one of OnExitCodes and OnPodConditions is required'));
    if (hasCodes) {
      const cf = `${rf}.onExitCodes`;
      const c = objField(r.onExitCodes, cf, out);
      if (c) {
        const name = strField(c.containerName, `${cf}.containerName`, out);
        if (name !== undefined && !containers.includes(name)) out.push(fe.invalid(`${cf}.containerName`, name, 'must be one of the container or initContainer names in the pod template'));
        if (c.operator !== 'In' && c.operator !== 'NotIn') out.push(fe.notSupported(`${cf}.operator`, c.operator ?? '', ['In', 'NotIn']));
        const values = arrayField(c.values, `${cf}.values`, out) ?? [];
        if (values.length === 0) out.push(fe.required(`${cf}.values`, 'at least one value is required'));
        if (values.length > 255) out.push(fe.tooLong(`${cf}.values`, 255, 'items'));
        let prev: number | undefined;
        values.forEach((val, j) => {
          const n = int32Field(val, `${cf}.values[${j}]`, out);
          if (n === undefined) return;
          if (c.operator === 'In' && n === 0) out.push(fe.invalid(`${cf}.values[${j}]`, n, 'must not be 0 for the In operator'));
          if (prev !== undefined && n === prev) out.push(fe.duplicate(`${cf}.values[${j}]`, n));
          else if (prev !== undefined && n < prev) out.push(fe.invalid(`${cf}.values[${j}]`, n, 'must be ordered'));
          prev = n;
        });
      }
    }
    if (hasConds) {
      const pf = `${rf}.onPodConditions`;
      const pats = arrayField(r.onPodConditions, pf, out) ?? [];
      if (pats.length > 20) out.push(fe.tooLong(pf, 20, 'items'));
      pats.forEach((p, j) => {
        const o = objField(p, `${pf}[${j}]`, out);
        if (!o) return;
        if (!strField(o.type, `${pf}[${j}].type`, out)) out.push(fe.required(`${pf}[${j}].type`));
        if (o.status !== undefined && !['True', 'False', 'Unknown'].includes(o.status as string)) out.push(fe.notSupported(`${pf}[${j}].status`, o.status, ['True', 'False', 'Unknown']));
      });
    }
  });
}

/** A Job's spec at `f` ('spec' or 'spec.jobTemplate.spec'); `generated` = the selector is the server's (a CronJob's template has none). */
export function validateJobSpec(v: unknown, f: string, out: StatusCause[], inTemplate: boolean): void {
  if (v === undefined || v === null) {
    out.push(fe.required(f));
    return;
  }
  const spec = objField(v, f, out);
  if (!spec) return;
  const parallelism = int32Field(spec.parallelism, `${f}.parallelism`, out, { min: 0 });
  const completions = int32Field(spec.completions, `${f}.completions`, out, { min: 0 });
  int64Field(spec.activeDeadlineSeconds, `${f}.activeDeadlineSeconds`, out, { min: 1 });
  int32Field(spec.backoffLimit, `${f}.backoffLimit`, out, { min: 0 });
  int32Field(spec.ttlSecondsAfterFinished, `${f}.ttlSecondsAfterFinished`, out, { min: 0 });
  boolField(spec.suspend, `${f}.suspend`, out);
  boolField(spec.manualSelector, `${f}.manualSelector`, out);
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null && !COMPLETION_MODES.includes(mode as string)) out.push(fe.notSupported(`${f}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed') {
    if (spec.completions === undefined || spec.completions === null) out.push(fe.required(`${f}.completions`, 'when completion mode is Indexed'));
    if (parallelism !== undefined && parallelism > 100000) out.push(fe.invalid(`${f}.parallelism`, parallelism, 'must be less than or equal to 100000 when completion mode is Indexed'));
    if (completions !== undefined && completions > 100000) out.push(fe.invalid(`${f}.completions`, completions, 'must be less than or equal to 100000 when completion mode is Indexed'));
  }
  const rpp = spec.podReplacementPolicy;
  if (rpp !== undefined && rpp !== null) {
    if (!REPLACEMENT_POLICIES.includes(rpp as string)) out.push(fe.notSupported(`${f}.podReplacementPolicy`, rpp, REPLACEMENT_POLICIES));
    else if (isObj(spec.podFailurePolicy) && rpp !== 'Failed') out.push(fe.notSupported(`${f}.podReplacementPolicy`, rpp, ['Failed']));
  }
  validateIndexPolicies(spec, f, out);

  let selectorOk = false;
  if (inTemplate) {
    if (spec.selector !== undefined && spec.selector !== null) out.push(fe.invalid(`${f}.selector`, spec.selector, '`selector` will be auto-generated'));
    if (spec.manualSelector === true) out.push(fe.notSupported(`${f}.manualSelector`, true, ['nil', 'false']));
  } else if (spec.selector === undefined || spec.selector === null) out.push(fe.required(`${f}.selector`));
  else {
    const before = out.length;
    validateLabelSelector(spec.selector, `${f}.selector`, out);
    selectorOk = out.length === before;
  }

  if (spec.template === undefined || spec.template === null) {
    out.push(fe.required(`${f}.template`));
    return;
  }
  const tpl = objField(spec.template, `${f}.template`, out);
  if (!tpl) return;
  const tmeta = objField(tpl.metadata, `${f}.template.metadata`, out);
  if (tmeta) {
    out.push(...validateLabels(tmeta.labels, `${f}.template.metadata.labels`));
    out.push(...validateAnnotations(tmeta.annotations, `${f}.template.metadata.annotations`));
  }
  if (selectorOk) {
    const l = isObj(tmeta?.labels) ? (tmeta!.labels as Record<string, string>) : {};
    if (!matchesLabels(selectorFromLabelSelector(spec.selector as LabelSelector), l)) out.push(fe.invalid(`${f}.template.metadata.labels`, l, '`selector` does not match template `labels`'));
  }
  out.push(...validatePodSpec(tpl.spec, `${f}.template.spec`));
  const pod = isObj(tpl.spec) ? tpl.spec : {};
  if (pod.restartPolicy !== 'OnFailure' && pod.restartPolicy !== 'Never') out.push(fe.notSupported(`${f}.template.spec.restartPolicy`, pod.restartPolicy ?? '', ['OnFailure', 'Never']));
  const names = [...(Array.isArray(pod.containers) ? pod.containers : []), ...(Array.isArray(pod.initContainers) ? pod.initContainers : [])]
    .map((c) => (isObj(c) ? c.name : undefined))
    .filter((n): n is string => typeof n === 'string');
  if (spec.podFailurePolicy !== undefined && spec.podFailurePolicy !== null) validatePodFailurePolicy(spec.podFailurePolicy, `${f}.podFailurePolicy`, names, pod.restartPolicy, out);
}

function validateJobStatus(obj: Obj, out: StatusCause[]): void {
  const st = objField(obj.status, 'status', out);
  if (!st) return;
  for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating']) int32Field(st[k], `status.${k}`, out, { min: 0 });
  timeField(st.startTime, 'status.startTime', out);
  timeField(st.completionTime, 'status.completionTime', out);
  strField(st.completedIndexes, 'status.completedIndexes', out);
  strField(st.failedIndexes, 'status.failedIndexes', out);
  arrayField(st.conditions, 'status.conditions', out)?.forEach((raw, i) => {
    const cf = `status.conditions[${i}]`;
    const c = objField(raw, cf, out);
    if (!c) return;
    if (!strField(c.type, `${cf}.type`, out)) out.push(fe.required(`${cf}.type`));
    if (!['True', 'False', 'Unknown'].includes(c.status as string)) out.push(fe.notSupported(`${cf}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    timeField(c.lastTransitionTime, `${cf}.lastTransitionTime`, out);
    timeField(c.lastProbeTime, `${cf}.lastProbeTime`, out);
  });
  const u = objField(st.uncountedTerminatedPods, 'status.uncountedTerminatedPods', out);
  if (u) for (const k of ['succeeded', 'failed']) arrayField(u[k], `status.uncountedTerminatedPods.${k}`, out);
}

export function validateJob(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateJobSpec(obj.spec, 'spec', out, false);
  validateJobStatus(obj, out);
  return out;
}

/** What a Job keeps for life. */
export function validateJobUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const a = isObj(obj.spec) ? obj.spec : {};
  const b = isObj(old.spec) ? old.spec : {};
  for (const k of ['selector', 'template', 'completionMode', 'podFailurePolicy', 'manualSelector', 'backoffLimitPerIndex', 'successPolicy', 'managedBy']) {
    if (!deepEqual(a[k] ?? null, b[k] ?? null)) out.push(fe.immutable(`spec.${k}`, a[k] ?? null));
  }
  validateCompletionsUpdate(a, b, out);
  return out;
}

/**
 * Elastic Indexed Jobs (Kubernetes 1.31 GA): an Indexed Job's completions may change, but
 * only together with parallelism so that the two are equal; every other Job keeps its
 * completions for life. (A missing completions on an Indexed Job is reported by the spec's
 * own validation.)
 */
function validateCompletionsUpdate(a: Obj, b: Obj, out: StatusCause[]): void {
  if (deepEqual(a.completions ?? null, b.completions ?? null)) return;
  if ((a.completionMode ?? 'NonIndexed') !== 'Indexed') {
    out.push(fe.immutable('spec.completions', a.completions ?? null));
    return;
  }
  if (a.completions === undefined || a.completions === null) return;
  if (a.completions !== a.parallelism) out.push(fe.invalid('spec.completions', a.completions, 'can only be modified in tandem with spec.parallelism'));
}
