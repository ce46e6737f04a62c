// Counting finished pods exactly once (Kubernetes' job tracking with finalizers). Every Job
// pod is created with the batch.kubernetes.io/job-tracking finalizer, so it cannot vanish
// before it was counted. A finished pod is counted in three steps, each safe to repeat
// after a crash: (1) its uid goes into status.uncountedTerminatedPods (written with the
// Job's resourceVersion), (2) its finalizer is removed, (3) the uid moves from the
// uncounted list into status.succeeded / status.failed (and completedIndexes). A pod whose
// finalizer removal is in flight is ignored until the cache shows it without the finalizer
// (finalizer expectations), so a lagging cache never counts it twice.

import { JOB_TRACKING_FINALIZER, type Job } from '../../api/job-types.js';
import type { Pod } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { hasTrackingFinalizer, isFinished, podIndex } from './pods.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

export type PodVerdict = 'succeeded' | 'failed' | 'ignored';

export interface Classified {
  /** New uids for status.uncountedTerminatedPods. */
  succeeded: string[];
  failed: string[];
  /** The pods behind `failed` (per-index limits read their index and failure count). */
  failedPods: Pod[];
  /** Pods whose finalizer can go without being counted (ignored by policy, deleted by the controller, duplicate index). */
  uncounted: Pod[];
  /** podFailurePolicy FailJob: the message of the Failed condition. */
  failJobMessage?: string;
}

/**
 * Which finished (or terminating, finalizer-holding) pods need counting now. `deletedByUs`
 * are pods the controller itself deleted (suspend, deadline, surplus): never failures.
 */
export function classifyFinished(job: Job, pods: Pod[], ctx: { inFlight: Set<string>; deletedByUs: Set<string>; completed: Set<number> }): Classified {
  const out: Classified = { succeeded: [], failed: [], failedPods: [], uncounted: [] };
  const already = new Set([...(job.status?.uncountedTerminatedPods?.succeeded ?? []), ...(job.status?.uncountedTerminatedPods?.failed ?? [])]);
  const indexed = job.spec.completionMode === 'Indexed';
  const completions = job.spec.completions ?? 0;
  const newIndexes = new Set<number>();
  for (const p of pods) {
    const uid = p.metadata.uid!;
    if (!hasTrackingFinalizer(p) || ctx.inFlight.has(uid) || already.has(uid)) continue;
    const terminating = !!p.metadata.deletionTimestamp && !isFinished(p);
    // A terminating pod is counted once nothing runs any more (its grace is over).
    if (!isFinished(p) && !(terminating && (p.metadata.deletionGracePeriodSeconds ?? 0) === 0)) continue;
    if (p.status?.phase === 'Succeeded') {
      const ix = podIndex(p);
      if (indexed && (ix === undefined || ix >= completions || ctx.completed.has(ix) || newIndexes.has(ix))) out.uncounted.push(p);
      else {
        if (ix !== undefined) newIndexes.add(ix);
        out.succeeded.push(uid);
      }
      continue;
    }
    if (ctx.deletedByUs.has(uid) && p.status?.phase !== 'Failed') {
      out.uncounted.push(p);
      continue;
    }
    const m = p.status?.phase === 'Failed' ? matchPodFailurePolicy(job.spec.podFailurePolicy, p) : undefined;
    if (m?.action === 'Ignore') {
      out.uncounted.push(p);
      continue;
    }
    if (m?.action === 'FailJob' && out.failJobMessage === undefined) out.failJobMessage = m.message;
    out.failed.push(uid);
    out.failedPods.push(p);
  }
  return out;
}

/** Removes the tracking finalizer (a JSON patch that tests the uid first). True when it is gone. */
export async function removeTrackingFinalizer(client: Client, p: Pod): Promise<boolean> {
  const rest = (p.metadata.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
  try {
    await client.pods.patch(
      p.metadata.name!,
      p.metadata.namespace,
      [
        { op: 'test', path: '/metadata/uid', value: p.metadata.uid },
        { op: 'replace', path: '/metadata/finalizers', value: rest },
      ],
      'json',
    );
    return true;
  } catch (err) {
    const code = (err as { code?: number }).code;
    // Gone, or replaced by another pod of the same name: nothing of ours is held any more.
    if (code === 404 || code === 422) return true;
    throw err;
  }
}

/** The completion index of a counted succeeded pod (Indexed Jobs), looked up by uid. */
export function indexOfUid(pods: Pod[], uid: string): number | undefined {
  const p = pods.find((x) => x.metadata.uid === uid);
  return p ? podIndex(p) : undefined;
}
