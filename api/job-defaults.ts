// Defaults of batch/v1 Job and CronJob, the ones Kubernetes applies (SetDefaults_Job,
// SetDefaults_CronJob): a Job without completions and parallelism runs one pod to
// success; backoffLimit 6 (2147483647 with backoffLimitPerIndex); NonIndexed; not suspended; pods replaced when terminating or
// failed (only once failed with a podFailurePolicy). A CronJob allows concurrent runs and
// keeps 3 successful and 1 failed Job. The pod template gets the pod defaults.

import type { PodSpec } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function defaultJobSpec(spec: unknown, defaultPodSpec: (s: PodSpec) => void, topLevel: boolean): void {
  if (!isObj(spec)) return;
  const tpl = spec.template;
  if (isObj(tpl) && isObj(tpl.spec)) defaultPodSpec(tpl.spec as unknown as PodSpec);
  // Kubernetes defaults these only on Job objects, not inside a CronJob's jobTemplate.
  if (!topLevel) return;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (spec.parallelism === undefined) spec.parallelism = 1;
  // With a limit per index the Job-wide limit is off unless given (Kubernetes: MaxInt32).
  if (spec.backoffLimit === undefined) spec.backoffLimit = typeof spec.backoffLimitPerIndex === 'number' ? 2147483647 : 6;
  if (spec.completionMode === undefined) spec.completionMode = 'NonIndexed';
  if (spec.suspend === undefined) spec.suspend = false;
  if (spec.podReplacementPolicy === undefined) spec.podReplacementPolicy = isObj(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (spec.manualSelector === undefined) spec.manualSelector = false;
  if (isObj(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules)) {
    for (const r of spec.podFailurePolicy.rules) {
      if (!isObj(r) || !Array.isArray(r.onPodConditions)) continue;
      for (const p of r.onPodConditions) if (isObj(p) && p.status === undefined) p.status = 'True';
    }
  }
}

export function defaultCronJob(obj: Obj, defaultPodSpec: (s: PodSpec) => void): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.concurrencyPolicy === undefined) spec.concurrencyPolicy = 'Allow';
  if (spec.suspend === undefined) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit === undefined) spec.successfulJobsHistoryLimit = 3;
  if (spec.failedJobsHistoryLimit === undefined) spec.failedJobsHistoryLimit = 1;
  if (isObj(spec.jobTemplate)) defaultJobSpec(spec.jobTemplate.spec, defaultPodSpec, false);
}
