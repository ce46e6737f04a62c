// When a Job is decided (Kubernetes 1.32's job controller): the first of these that holds
// becomes the Job's target condition — FailureTarget (podFailurePolicy FailJob,
// BackoffLimitExceeded, DeadlineExceeded, MaxFailedIndexesExceeded, FailedIndexes) or
// SuccessCriteriaMet (SuccessPolicy, CompletionsReached). The controller then deletes the
// Job's running pods and adds the terminal condition (Failed / Complete, same reason and
// message) only once none of them runs any more, so a finished Job never has live pods.

import type { Job, JobCondition, JobStatus } from '../../api/job-types.js';
import type { Pod } from '../../api/types.js';
import { usesIndexLimit } from './index-failures.js';
import { matchSuccessPolicy } from './success-policy.js';

export interface TargetInput {
  job: Job;
  status: JobStatus;
  active: Pod[];
  now: number;
  /** Message of a podFailurePolicy FailJob match among the pods counted now. */
  failJobMessage?: string;
  /** Succeeded indexes (Indexed Jobs). */
  completed: Set<number>;
  /** Indexes failed for good (backoffLimitPerIndex). */
  failedIndexes: Set<number>;
}

const failure = (reason: string, message: string): JobCondition => ({ type: 'FailureTarget', status: 'True', reason, message });
const success = (reason: string, message: string): JobCondition => ({ type: 'SuccessCriteriaMet', status: 'True', reason, message });

/** The target condition already on the Job (status True), if any. */
export function existingTarget(status: JobStatus): JobCondition | undefined {
  return status.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
}

export function decideTarget(i: TargetInput): JobCondition | undefined {
  const { job, status } = i;
  if (i.failJobMessage) return failure('PodFailurePolicy', i.failJobMessage);
  // With a limit per index the Job-wide one is off unless given (the API defaults it so).
  const limit = job.spec.backoffLimit ?? (usesIndexLimit(job) ? Infinity : 6);
  // restartPolicy OnFailure: container restarts count as failures too (as Kubernetes).
  const restarts = job.spec.template.spec.restartPolicy === 'OnFailure' ? i.active.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, s) => m + (s.restartCount ?? 0), 0), 0) : 0;
  if ((status.failed ?? 0) + restarts > limit) return failure('BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  const ads = job.spec.activeDeadlineSeconds;
  if (ads !== undefined && status.startTime && i.now - Date.parse(status.startTime) >= ads * 1000) return failure('DeadlineExceeded', 'Job was active longer than specified deadline');
  const completions = job.spec.completions ?? undefined;
  const indexed = job.spec.completionMode === 'Indexed';
  if (usesIndexLimit(job)) {
    const max = job.spec.maxFailedIndexes;
    if (max !== undefined && i.failedIndexes.size > max) return failure('MaxFailedIndexesExceeded', 'Job has exceeded the specified maximal number of failed indexes');
    if (i.failedIndexes.size > 0 && i.completed.size + i.failedIndexes.size >= (completions ?? 0)) return failure('FailedIndexes', 'Job has failed indexes');
  }
  const rule = matchSuccessPolicy(job, i.completed);
  if (rule !== undefined) return success('SuccessPolicy', `Matched rules at index ${rule}`);
  const succeeded = status.succeeded ?? 0;
  const complete = indexed ? i.completed.size >= (completions ?? 0) : completions !== undefined && completions !== null ? succeeded >= completions : succeeded > 0 && i.active.length === 0;
  if (complete) return success('CompletionsReached', 'Reached expected number of succeeded pods');
  return undefined;
}
