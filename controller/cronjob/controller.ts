// CronJob controller (batch/v1), after Kubernetes' cronjob controller v2: at each scheduled
// time (croner, in spec.timeZone, default UTC) it creates a Job named
// <cronjob>-<scheduled minutes since the epoch> from spec.jobTemplate, owned by the CronJob.
// The name makes a run idempotent: after a crash between the create and the status write,
// the same run is AlreadyExists, never a second Job. After downtime only the most recent
// missed time runs (an Event says how many were skipped), and not at all when later than
// startingDeadlineSeconds. concurrencyPolicy Forbid skips a run while one is active (it
// runs late, within the deadline, once the active one finished, as Kubernetes); Replace
// deletes the active Jobs first. Finished Jobs beyond the history limits are deleted.
// Status: active (references to unfinished Jobs), lastScheduleTime, lastSuccessfulTime.
// The clock is injected: tests shift or fake it instead of waiting for the minute.

import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, finishedCondition, type CronJob, type CronJobStatus, type Job } from '../../api/job-types.js';
import { isScheduleError, parseSchedule, timeZoneError } from '../../api/cron-schedule.js';
import { isNotFound } from '../../api/errors.js';
import type { ObjectReference } from '../../api/types.js';
import { isoSeconds } from '../../api/time.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { deepClone, deepEqual, keyOf } from '../shared/objects.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { mostRecentScheduleTime } from './schedule.js';

export interface CronJobControllerDeps {
  client: Client;
  cronJobs: InformerView<CronJob>;
  jobs: InformerView<Job>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

const ownerOf = (j: Job) => j.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === 'CronJob');

/** Kubernetes' Job name for a run: the scheduled time in minutes since the epoch. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60000)}`;
}

export class CronJobController implements Controller {
  readonly name = 'cronjob';
  private readonly jobsRc: ResourceClient<Job>;
  private readonly cronRc: ResourceClient<CronJob>;

  constructor(private readonly deps: CronJobControllerDeps) {
    this.jobsRc = deps.client.resource<Job>('jobs');
    this.cronRc = deps.client.resource<CronJob>('cronjobs');
    ensureNamespaceIndex(deps.jobs);
    deps.cronJobs.addEventHandler({ onAdd: (c) => deps.queue.add(keyOf(c)), onUpdate: (_o, c) => deps.queue.add(keyOf(c)) });
    const byJob = (j: Job) => {
      const ref = ownerOf(j);
      if (ref) deps.queue.add(`${j.metadata.namespace}/${ref.name}`);
    };
    deps.jobs.addEventHandler({ onAdd: byJob, onUpdate: (_o, j) => byJob(j), onDelete: byJob });
  }

  async reconcile(key: string): Promise<Result> {
    const cj = this.deps.cronJobs.get(key);
    if (!cj || cj.metadata.deletionTimestamp) return done;
    const now = this.deps.clock.now();
    const owned = this.deps.jobs.byIndex(NAMESPACE_INDEX, cj.metadata.namespace ?? '').filter((j) => ownerOf(j)?.uid === cj.metadata.uid);
    const status: CronJobStatus = deepClone(cj.status ?? {});
    this.refreshActive(status, owned);
    let result: Result = done;
    try {
      result = await this.schedule(cj, status, owned, now);
    } finally {
      await this.cleanupHistory(cj, owned);
      if (!deepEqual(status, cj.status ?? {})) {
        const copy = deepClone(cj);
        copy.status = status;
        try {
          await this.cronRc.updateStatus(copy);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    return result;
  }

  /** status.active = the owned Jobs not finished; lastSuccessfulTime from completed ones. */
  private refreshActive(status: CronJobStatus, owned: Job[]): void {
    const active: ObjectReference[] = [];
    for (const j of owned) {
      const fin = finishedCondition(j);
      if (!fin) {
        active.push(jobRef(j));
        continue;
      }
      if (fin.type === 'Complete' && j.status?.completionTime) {
        const t = j.status.completionTime;
        if (!status.lastSuccessfulTime || Date.parse(t) > Date.parse(status.lastSuccessfulTime)) status.lastSuccessfulTime = t;
      }
    }
    active.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
    if (active.length) status.active = active;
    else delete status.active;
  }

  private async schedule(cj: CronJob, status: CronJobStatus, owned: Job[], now: number): Promise<Result> {
    const tz = cj.spec.timeZone;
    if (tz !== undefined && tz !== null && timeZoneError(tz)) {
      this.deps.recorder.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz}": ${timeZoneError(tz)}`);
      return done;
    }
    const parsed = parseSchedule(cj.spec.schedule, tz ?? undefined);
    if (isScheduleError(parsed)) {
      this.deps.recorder.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}": ${parsed.error}`);
      return done;
    }
    if (cj.spec.suspend) return done;
    const d = mostRecentScheduleTime(parsed, {
      lastScheduleMs: status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : undefined,
      createdMs: Date.parse(cj.metadata.creationTimestamp ?? '') || now,
      nowMs: now,
      startingDeadlineSeconds: cj.spec.startingDeadlineSeconds ?? undefined,
    });
    const again = d.next !== undefined ? requeueAfter(Math.max(d.next - now, 0) + 100) : done;
    if (d.scheduled === undefined) return again;
    if (d.missedBefore > 0) {
      const n = d.missedBefore >= 2 ? 'two or more' : 'one';
      this.deps.recorder.record(cj, 'Warning', 'MissedSchedules', `${n} earlier scheduled time(s) missed; starting only the most recent, ${isoSeconds(d.scheduled)}`);
    }
    const sds = cj.spec.startingDeadlineSeconds;
    if (sds !== undefined && sds !== null && d.scheduled + sds * 1000 < now) {
      this.deps.recorder.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${isoSeconds(d.scheduled)}`);
      return again;
    }
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    const active = owned.filter((j) => !finishedCondition(j) && !j.metadata.deletionTimestamp);
    const name = jobNameFor(cj.metadata.name!, d.scheduled);
    // This run exists already (created before a crash or a lagging cache): only the status is late.
    if (owned.some((j) => j.metadata.name === name)) {
      status.lastScheduleTime = isoSeconds(d.scheduled);
      return again;
    }
    if (policy === 'Forbid' && active.length > 0) {
      this.deps.recorder.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return again;
    }
    if (policy === 'Replace') {
      for (const j of active) {
        try {
          await this.jobsRc.delete(j.metadata.name!, j.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } });
          this.deps.recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        status.active = (status.active ?? []).filter((r) => r.uid !== j.metadata.uid);
        if (status.active.length === 0) delete status.active;
      }
    }
    let created: Job;
    try {
      created = await this.jobsRc.create(jobFromTemplate(cj, name, d.scheduled));
      this.deps.recorder.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) {
        this.deps.recorder.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error)?.message ?? String(err)}`);
        throw err;
      }
      status.lastScheduleTime = isoSeconds(d.scheduled);
      return again;
    }
    status.active = [...(status.active ?? []).filter((r) => r.uid !== created.metadata.uid), jobRef(created)];
    status.lastScheduleTime = isoSeconds(d.scheduled);
    return again;
  }

  /** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit go, oldest first. */
  private async cleanupHistory(cj: CronJob, owned: Job[]): Promise<void> {
    const byStart = (a: Job, b: Job) => (a.status?.startTime ?? a.metadata.creationTimestamp ?? '').localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? '');
    const sets: [string, number | undefined][] = [
      ['Complete', cj.spec.successfulJobsHistoryLimit],
      ['Failed', cj.spec.failedJobsHistoryLimit],
    ];
    for (const [type, limit] of sets) {
      if (limit === undefined || limit === null) continue;
      const finished = owned.filter((j) => finishedCondition(j)?.type === type && !j.metadata.deletionTimestamp).sort(byStart);
      for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          await this.jobsRc.delete(j.metadata.name!, j.metadata.namespace, { propagationPolicy: 'Background', preconditions: { uid: j.metadata.uid } });
          this.deps.recorder.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
        } catch (err) {
          if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
        }
      }
    }
  }
}

function jobRef(j: Job): ObjectReference {
  return { kind: 'Job', namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid, apiVersion: 'batch/v1' };
}

export function jobFromTemplate(cj: CronJob, name: string, scheduledMs: number): Job {
  const t = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: { ...(t.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION]: isoSeconds(scheduledMs) },
      ownerReferences: [ownerRefFor(cj, 'batch/v1', 'CronJob')],
    },
    spec: deepClone(t.spec),
  };
}
