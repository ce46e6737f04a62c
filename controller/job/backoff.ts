// The delay before a Job creates a pod again after failures, as Kubernetes: 10 s after the
// first failure, doubling with each further failure since the last success, at most 6
// minutes, counted from the last failure. Pure so unit tests give it times directly.

export interface JobBackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_JOB_BACKOFF: JobBackoffOptions = { baseMs: 10_000, maxMs: 360_000 };

/** ms still to wait at `now` (0: may create), given the failures since the last success and when the last one happened. */
export function backoffRemaining(failuresSinceSuccess: number, lastFailureMs: number | undefined, now: number, o: JobBackoffOptions): number {
  if (failuresSinceSuccess <= 0 || lastFailureMs === undefined) return 0;
  const delay = Math.min(o.baseMs * 2 ** Math.min(failuresSinceSuccess - 1, 30), o.maxMs);
  return Math.max(0, lastFailureMs + delay - now);
}
