// backoffLimitPerIndex (Indexed Jobs), after Kubernetes' job controller: every pod of an
// index carries the failures of that index before it in the annotation
// batch.kubernetes.io/job-index-failure-count, so the count survives controller restarts
// without a status field of its own; the failures an Ignore rule of the podFailurePolicy
// left uncounted go into batch.kubernetes.io/job-index-ignored-failure-count (set once
// there is one), as Kubernetes records them. A failed pod whose count + 1 exceeds the limit, or
// that matches a FailIndex rule of the podFailurePolicy, fails its index for good
// (status.failedIndexes); other indexes go on. Retries of one index back off on that
// index's own failures (10 s doubling to 6 min), not the Job's.

import { JOB_INDEX_FAILURE_COUNT_ANNOTATION, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION, type Job } from '../../api/job-types.js';
import type { Pod } from '../../api/types.js';
import { backoffRemaining, type JobBackoffOptions } from './backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { finishTime, podIndex } from './pods.js';

export function usesIndexLimit(job: Job): boolean {
  return job.spec.completionMode === 'Indexed' && typeof job.spec.backoffLimitPerIndex === 'number';
}

function countAnnotation(p: Pod, key: string): number {
  const v = p.metadata.annotations?.[key];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

/** The failures of the pod's index before this pod (0 when absent or malformed). */
export function priorIndexFailures(p: Pod): number {
  return countAnnotation(p, JOB_INDEX_FAILURE_COUNT_ANNOTATION);
}

function countsAsFailure(job: Job, p: Pod): boolean {
  return p.status?.phase === 'Failed' && matchPodFailurePolicy(job.spec.podFailurePolicy, p)?.action !== 'Ignore';
}

function ignoredFailure(job: Job, p: Pod): boolean {
  return p.status?.phase === 'Failed' && matchPodFailurePolicy(job.spec.podFailurePolicy, p)?.action === 'Ignore';
}

/** Indexes that newly failed pods fail for good: a FailIndex rule, or the index's limit exceeded. */
export function indexesFailedBy(job: Job, failed: Pod[]): number[] {
  if (!usesIndexLimit(job)) return [];
  const limit = job.spec.backoffLimitPerIndex!;
  const out = new Set<number>();
  for (const p of failed) {
    const ix = podIndex(p);
    if (ix === undefined) continue;
    if (matchPodFailurePolicy(job.spec.podFailurePolicy, p)?.action === 'FailIndex') out.add(ix);
    else if (countsAsFailure(job, p) && priorIndexFailures(p) + 1 > limit) out.add(ix);
  }
  return [...out];
}

export interface IndexFailures {
  count: number;
  /** Failures an Ignore rule left uncounted. */
  ignored: number;
  lastFailureMs?: number;
}

/** Per index: failures so far and ignored ones (the highest a pod of it knows of), and when the last counted one finished. */
export function indexFailureState(job: Job, pods: Pod[], now: number): Map<number, IndexFailures> {
  const out = new Map<number, IndexFailures>();
  for (const p of pods) {
    const ix = podIndex(p);
    if (ix === undefined) continue;
    const failedHere = countsAsFailure(job, p);
    const seen = priorIndexFailures(p) + (failedHere ? 1 : 0);
    const cur = out.get(ix) ?? { count: 0, ignored: 0 };
    cur.count = Math.max(cur.count, seen);
    cur.ignored = Math.max(cur.ignored, countAnnotation(p, JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION) + (ignoredFailure(job, p) ? 1 : 0));
    if (failedHere) {
      const t = finishTime(p, now);
      cur.lastFailureMs = cur.lastFailureMs === undefined ? t : Math.max(cur.lastFailureMs, t);
    }
    out.set(ix, cur);
  }
  return out;
}

/** ms the index must still wait before its next pod (0: now). */
export function indexBackoff(state: Map<number, IndexFailures>, ix: number, now: number, o: JobBackoffOptions): number {
  const s = state.get(ix);
  return s ? backoffRemaining(s.count, s.lastFailureMs, now, o) : 0;
}
