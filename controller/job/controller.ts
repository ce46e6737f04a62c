// Job controller (batch/v1), after Kubernetes' job controller: runs pods from the template
// until spec.completions of them succeeded (Indexed: each index once), at most
// spec.parallelism at a time; retries failures with the 10 s doubling to 6 min backoff up
// to backoffLimit (or per index: index-failures.ts); decides success or failure
// (finish-target.ts: FailureTarget / SuccessCriteriaMet first, Failed / Complete once no
// pod runs); suspends and resumes; deletes a finished Job after ttlSecondsAfterFinished;
// leaves Jobs whose spec.managedBy names another controller alone. Handlers only enqueue; reconcile reads the caches, counts
// finished pods through the tracking finalizer (tracking.ts), creates or deletes pods
// under expectations, and writes status with the Job's resourceVersion (a 409 is retried).

import { finishedCondition, JOB_CONTROLLER_MANAGER, type Job, type JobCondition, type JobStatus } from '../../api/job-types.js';
import { isNotFound } from '../../api/errors.js';
import type { Pod } from '../../api/types.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import { isoSeconds } from '../../api/time.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { Expectations } from '../shared/expectations.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { deepClone, deepEqual, isPodReady, keyOf } from '../shared/objects.js';
import { slowStartBatch } from '../shared/slow-start.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { backoffRemaining, DEFAULT_JOB_BACKOFF, type JobBackoffOptions } from './backoff.js';
import { formatIndexes, parseIndexes, pendingIndexes } from './indexes.js';
import { finishTime, hasTrackingFinalizer, isFinished, podForJob, podIndex } from './pods.js';
import { classifyFinished, indexOfUid, removeTrackingFinalizer } from './tracking.js';
import { decideTarget, existingTarget } from './finish-target.js';
import { indexBackoff, indexesFailedBy, indexFailureState, usesIndexLimit } from './index-failures.js';

/** Pods by their controlling Job's key (ns/name), whatever the cache knows of the Job. */
export const JOB_OWNER_INDEX = 'job-owner';
const jobOwnerKey = (p: Pod): string[] => {
  const ref = p.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'Job');
  return ref ? [`${p.metadata.namespace}/${ref.name}`] : [];
};

export interface JobControllerDeps {
  client: Client;
  pods: InformerView<Pod>;
  jobs: InformerView<Job>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
  /** Retry delay after failures (default: Kubernetes' 10 s doubling to 6 min). */
  backoff?: JobBackoffOptions;
}

export class JobController implements Controller {
  readonly name = 'job';
  readonly expectations: Expectations;
  /** Pod uids whose finalizer removal was sent but not yet seen in the cache. */
  private readonly inFlight = new Set<string>();
  /** Pod uids this controller deleted (suspend, deadline, surplus): never counted as failures. */
  private readonly deletedByUs = new Set<string>();
  private readonly backoff: JobBackoffOptions;
  private readonly jobsRc: ResourceClient<Job>;

  constructor(private readonly deps: JobControllerDeps) {
    this.expectations = new Expectations(() => deps.clock.now());
    this.backoff = deps.backoff ?? DEFAULT_JOB_BACKOFF;
    this.jobsRc = deps.client.resource<Job>('jobs');
    try {
      deps.pods.addIndex(JOB_OWNER_INDEX, jobOwnerKey);
    } catch {
      /* already there */
    }
    deps.jobs.addEventHandler({
      onAdd: (j) => deps.queue.add(keyOf(j)),
      onUpdate: (_o, j) => deps.queue.add(keyOf(j)),
      onDelete: (j) => {
        this.expectations.delete(keyOf(j));
        deps.queue.add(keyOf(j));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => {
        const k = jobOwnerKey(p)[0];
        if (!k) return;
        if (p.metadata.deletionTimestamp) this.expectations.deletionObserved(k, keyOf(p));
        else this.expectations.creationObserved(k);
        deps.queue.add(k);
      },
      onUpdate: (old, p) => {
        const k = jobOwnerKey(p)[0];
        if (!hasTrackingFinalizer(p)) this.inFlight.delete(p.metadata.uid!);
        if (!k) return;
        if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) this.expectations.deletionObserved(k, keyOf(p));
        deps.queue.add(k);
      },
      onDelete: (p) => {
        this.inFlight.delete(p.metadata.uid!);
        this.deletedByUs.delete(p.metadata.uid!);
        const k = jobOwnerKey(p)[0];
        if (!k) return;
        this.expectations.deletionObserved(k, keyOf(p));
        deps.queue.add(k);
      },
    });
  }

  async reconcile(key: string): Promise<Result> {
    const job = this.deps.jobs.get(key);
    const all = this.deps.pods.byIndex(JOB_OWNER_INDEX, key);
    if (!job) return this.releaseOrphans(key, all);
    // spec.managedBy names another controller (e.g. Kueue's MultiKueue): hands off.
    if (job.spec.managedBy !== undefined && job.spec.managedBy !== JOB_CONTROLLER_MANAGER) return done;
    const pods = all.filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && r.uid === job.metadata.uid));
    if (job.metadata.deletionTimestamp) {
      await this.removeFinalizers(pods.filter(hasTrackingFinalizer));
      return done;
    }
    const now = this.deps.clock.now();
    const nowIso = isoSeconds(now);
    const completions = job.spec.completions ?? undefined;
    const indexed = job.spec.completionMode === 'Indexed';
    let current = job;
    const completed = parseIndexes(job.status?.completedIndexes, completions ?? 0);

    // 1-3: count finished pods exactly once.
    const cls = classifyFinished(current, pods, { inFlight: this.inFlight, deletedByUs: this.deletedByUs, completed });
    if (cls.succeeded.length + cls.failed.length > 0) {
      const st = deepClone(current.status ?? {});
      // Indexes failed for good are written with the uncounted uids: a crash loses neither.
      const newlyFailed = indexesFailedBy(current, cls.failedPods);
      if (newlyFailed.length > 0) st.failedIndexes = formatIndexes([...parseIndexes(st.failedIndexes, completions ?? 0), ...newlyFailed]);
      st.uncountedTerminatedPods = {
        succeeded: [...(st.uncountedTerminatedPods?.succeeded ?? []), ...cls.succeeded],
        failed: [...(st.uncountedTerminatedPods?.failed ?? []), ...cls.failed],
      };
      current = await this.writeStatus(current, st);
    }
    await this.removeFinalizers(cls.uncounted);
    const status: JobStatus = deepClone(current.status ?? {});
    const unc = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    for (const kind of ['succeeded', 'failed'] as const) {
      for (const uid of [...unc[kind]]) {
        const p = pods.find((x) => x.metadata.uid === uid);
        if (p && hasTrackingFinalizer(p) && !this.inFlight.has(uid)) await this.removeFinalizers([p]);
        unc[kind] = unc[kind].filter((u) => u !== uid);
        status[kind] = (status[kind] ?? 0) + 1;
        if (kind === 'succeeded' && indexed) {
          const ix = indexOfUid(pods, uid);
          if (ix !== undefined) completed.add(ix);
        }
      }
    }
    status.uncountedTerminatedPods = {};
    if (unc.succeeded.length) status.uncountedTerminatedPods.succeeded = unc.succeeded;
    if (unc.failed.length) status.uncountedTerminatedPods.failed = unc.failed;
    if (indexed) {
      status.completedIndexes = formatIndexes(completed);
      // Kubernetes counts an Indexed Job's successes by index: an index done twice counts
      // once, and one above a lowered completions (elastic Indexed Jobs) no longer counts.
      status.succeeded = completed.size;
    }
    const failedIdx = parseIndexes(status.failedIndexes, completions ?? 0);

    const active = pods.filter((p) => !isFinished(p) && !p.metadata.deletionTimestamp);
    const terminating = pods.filter((p) => !isFinished(p) && !!p.metadata.deletionTimestamp);
    let recheck: number | undefined;
    const finished = finishedCondition(current);

    if (!finished) {
      const target = existingTarget(status) ?? decideTarget({ job: current, status, active, now, failJobMessage: cls.failJobMessage, completed, failedIndexes: failedIdx });
      if (target) {
        if (!existingTarget(status)) status.conditions = setJobCondition(status.conditions, target, nowIso);
        await this.deletePods(key, current, active);
        // The terminal condition waits until none of the Job's pods runs any more.
        if (pods.every(isFinished)) {
          const terminal = target.type === 'FailureTarget' ? 'Failed' : 'Complete';
          status.conditions = setJobCondition(status.conditions, { type: terminal, status: 'True', reason: target.reason, message: target.message }, nowIso);
          if (terminal === 'Complete') {
            status.completionTime = nowIso;
            this.deps.recorder.record(current, 'Normal', 'Completed', 'Job completed');
          } else this.deps.recorder.record(current, 'Warning', target.reason ?? 'Failed', target.message ?? 'Job failed');
        }
      } else if (current.spec.suspend) {
        await this.deletePods(key, current, active);
        if (getCond(status.conditions, 'Suspended')?.status !== 'True') {
          status.conditions = setJobCondition(status.conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, nowIso);
          this.deps.recorder.record(current, 'Normal', 'Suspended', 'Job suspended');
        }
        delete status.startTime;
      } else {
        if (getCond(status.conditions, 'Suspended')?.status === 'True') {
          status.conditions = setJobCondition(status.conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, nowIso);
          this.deps.recorder.record(current, 'Normal', 'Resumed', 'Job resumed');
          status.startTime = nowIso;
        }
        status.startTime ??= nowIso;
        if (current.spec.activeDeadlineSeconds !== undefined) {
          recheck = Date.parse(status.startTime) + current.spec.activeDeadlineSeconds * 1000 - now;
        }
        if (this.expectations.satisfied(key)) {
          const wait = await this.managePods(key, current, pods, active, terminating, status, completed, failedIdx);
          if (wait !== undefined) recheck = recheck === undefined ? wait : Math.min(recheck, wait);
        }
      }
    } else {
      // A finished Job keeps its pods (until it goes) but runs none.
      await this.deletePods(key, current, active);
      const ttl = this.ttlRemaining(current, now);
      if (ttl !== undefined && ttl <= 0) {
        await this.deleteFinishedJob(current);
        return done;
      }
      recheck = ttl;
    }
    const stillActive = pods.filter((p) => !isFinished(p) && !p.metadata.deletionTimestamp && !this.deletedByUs.has(p.metadata.uid!));
    const nowFinished = !!finishedCondition({ ...current, status });
    status.active = nowFinished ? 0 : stillActive.length;
    status.ready = nowFinished ? 0 : stillActive.filter(isPodReady).length;
    status.terminating = pods.filter((p) => !isFinished(p) && (!!p.metadata.deletionTimestamp || this.deletedByUs.has(p.metadata.uid!))).length;
    if (!deepEqual(status, current.status ?? {})) current = await this.writeStatus(current, status);
    // Finished just now with a TTL: look again when it expires.
    if (!finished && nowFinished) recheck = this.ttlRemaining(current, now);
    return recheck !== undefined ? requeueAfter(Math.max(recheck, 0) + 10) : done;
  }

  /** Creates or deletes pods towards the wanted number of active ones; returns ms to wait (backoff) if any. */
  private async managePods(key: string, job: Job, pods: Pod[], active: Pod[], terminating: Pod[], status: JobStatus, completed: Set<number>, failedIdx: Set<number>): Promise<number | undefined> {
    const parallelism = job.spec.parallelism ?? 1;
    const completions = job.spec.completions ?? undefined;
    const indexed = job.spec.completionMode === 'Indexed';
    const succeeded = status.succeeded ?? 0;
    let want: number;
    if (indexed) want = Math.min(parallelism, (completions ?? 0) - completed.size - failedIdx.size);
    else if (completions !== undefined && completions !== null) want = Math.min(parallelism, completions - succeeded);
    else want = succeeded > 0 ? 0 : parallelism;
    want = Math.max(0, want);
    const counted = job.spec.podReplacementPolicy === 'Failed' ? [...active, ...terminating] : active;
    // Indexed: a second pod of one index, or a pod of a completed index, goes.
    const seen = new Set<number>();
    const surplus: Pod[] = [];
    if (indexed) {
      for (const p of active) {
        const ix = podIndex(p);
        if (ix === undefined || completed.has(ix) || failedIdx.has(ix) || seen.has(ix) || ix >= (completions ?? 0)) surplus.push(p);
        else seen.add(ix);
      }
    }
    const keep = counted.filter((p) => !surplus.includes(p));
    const diff = want - keep.length;
    if (diff < 0) surplus.push(...keep.filter((p) => !p.metadata.deletionTimestamp).sort(deletionOrder).slice(0, -diff));
    if (surplus.length > 0) await this.deletePods(key, job, surplus);
    if (diff <= 0) return undefined;

    const now = this.deps.clock.now();
    const activeIdx = new Set<number>();
    if (indexed) for (const p of counted) if (podIndex(p) !== undefined) activeIdx.add(podIndex(p)!);
    let indexes: number[] = [];
    let wait: number | undefined;
    const skip = new Set([...completed, ...failedIdx]);
    const perIndex = usesIndexLimit(job) ? indexFailureState(job, pods, now) : undefined;
    if (perIndex) {
      // Each index backs off on its own failures; the others start meanwhile.
      for (const ix of perIndex.keys()) {
        const w = activeIdx.has(ix) ? 0 : indexBackoff(perIndex, ix, now, this.backoff);
        if (w <= 0) continue;
        skip.add(ix);
        wait = wait === undefined ? w : Math.min(wait, w);
      }
    } else {
      const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
      const lastSuccess = Math.max(0, ...pods.filter((p) => p.status?.phase === 'Succeeded').map((p) => finishTime(p, 0)));
      const recent = failedPods.map((p) => finishTime(p, now)).filter((t) => t > lastSuccess);
      const w = backoffRemaining(recent.length, recent.length ? Math.max(...recent) : undefined, now, this.backoff);
      if (w > 0) return w;
    }
    if (indexed) indexes = pendingIndexes(completions ?? 0, skip, activeIdx, diff);
    const n = indexed ? indexes.length : diff;
    if (n === 0) return wait;
    this.expectations.expectCreations(key, n);
    const ref = ownerRefFor(job, 'batch/v1', 'Job');
    let i = 0;
    const { successes, error } = await slowStartBatch(n, 1, async () => {
      const ix = indexed ? indexes[i++] : undefined;
      try {
        const pod = await this.deps.client.pods.create(podForJob(job, ref, ix, perIndex && ix !== undefined ? (perIndex.get(ix) ?? { count: 0, ignored: 0 }) : undefined));
        this.deps.recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        this.deps.recorder.record(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error)?.message ?? String(err)}`);
        throw err;
      }
    });
    for (let k = successes; k < n; k++) this.expectations.creationObserved(key);
    if (error !== undefined) throw error;
    return wait;
  }

  private async deletePods(key: string, job: Job, victims: Pod[]): Promise<void> {
    const todo = victims.filter((p) => !p.metadata.deletionTimestamp && !this.deletedByUs.has(p.metadata.uid!));
    if (todo.length === 0) return;
    this.expectations.expectDeletions(key, todo.map(keyOf));
    const results = await Promise.allSettled(
      todo.map(async (p) => {
        this.deletedByUs.add(p.metadata.uid!);
        try {
          await this.deps.client.pods.delete(p.metadata.name!, p.metadata.namespace, { preconditions: { uid: p.metadata.uid } });
          this.deps.recorder.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, keyOf(p));
          if (isNotFound(err)) return;
          this.deletedByUs.delete(p.metadata.uid!);
          throw err;
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async removeFinalizers(pods: Pod[]): Promise<void> {
    for (const p of pods) {
      const uid = p.metadata.uid!;
      if (this.inFlight.has(uid)) continue;
      // Marked before the patch: the watch event of the removal may come before its response.
      this.inFlight.add(uid);
      try {
        await removeTrackingFinalizer(this.deps.client, p);
      } catch (err) {
        this.inFlight.delete(uid);
        throw err;
      }
    }
  }

  /** The Job is gone (confirmed by a live read): its pods' finalizers must not keep them. */
  private async releaseOrphans(key: string, pods: Pod[]): Promise<Result> {
    this.expectations.delete(key);
    const held = pods.filter(hasTrackingFinalizer);
    if (held.length === 0) return done;
    const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
    let liveUid: string | undefined;
    try {
      liveUid = (await this.jobsRc.get(name, ns)).metadata.uid;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.removeFinalizers(held.filter((p) => !p.metadata.ownerReferences?.some((r) => r.controller && r.uid === liveUid)));
    return done;
  }

  private ttlRemaining(job: Job, now: number): number | undefined {
    const ttl = job.spec.ttlSecondsAfterFinished;
    const fin = finishedCondition(job);
    if (ttl === undefined || ttl === null || !fin) return undefined;
    const at = Date.parse(job.status?.completionTime ?? fin.lastTransitionTime ?? '');
    if (Number.isNaN(at)) return 0;
    return at + ttl * 1000 - now;
  }

  private async deleteFinishedJob(job: Job): Promise<void> {
    try {
      await this.jobsRc.delete(job.metadata.name!, job.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
      this.deps.logger.debug({ job: keyOf(job) }, 'deleted finished job after ttlSecondsAfterFinished');
    } catch (err) {
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    }
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<Job> {
    const copy = deepClone(job);
    copy.status = status;
    return this.jobsRc.updateStatus(copy);
  }
}

function getCond(cs: JobCondition[] | undefined, type: string): JobCondition | undefined {
  return cs?.find((c) => c.type === type);
}

function setJobCondition(cs: JobCondition[] | undefined, c: JobCondition, now: string): JobCondition[] {
  const list = [...(cs ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: JobCondition = { ...c, lastProbeTime: now, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime ?? now : now };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

/** Surplus pods: unscheduled first, then not running, then the newest. */
function deletionOrder(a: Pod, b: Pod): number {
  const rank = (p: Pod) => (!p.spec.nodeName ? 0 : p.status?.phase !== 'Running' ? 1 : 2);
  return rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}
