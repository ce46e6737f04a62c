// CronJob controller on the fake client and a fake clock: runs at the scheduled minute with
// Kubernetes' Job names, one catch-up run after downtime (with an Event), the starting
// deadline, Forbid / Replace, suspend, time zones, history limits, status.

import { beforeEach, describe, expect, it } from 'vitest';
import { isScheduleError, parseSchedule } from '../../api/cron-schedule.js';
import type { CronJob, CronJobSpec, Job } from '../../api/job-types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { CronJobController } from './controller.js';
import { mostRecentScheduleTime } from './schedule.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 30); // 30 s past a minute
let clock: FakeClock;
let client: FakeClient;
let jobs: MemoryInformer<Job>;
let cronJobs: MemoryInformer<CronJob>;
let recorder: RecordingRecorder;
let ctrl: CronJobController;

beforeEach(() => {
  clock = new FakeClock(T0);
  client = new FakeClient({ clock });
  jobs = new MemoryInformer<Job>();
  cronJobs = new MemoryInformer<CronJob>();
  recorder = new RecordingRecorder();
  ctrl = new CronJobController({ client, jobs, cronJobs, recorder, clock, logger: silentLogger(), queue: new RecordingQueue() });
});

async function sync(): Promise<void> {
  await syncInformer(client, 'cronjobs', cronJobs);
  await syncInformer(client, 'jobs', jobs);
}

async function createCronJob(spec: Partial<CronJobSpec> = {}): Promise<CronJob> {
  return client.resource<CronJob>('cronjobs').create({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cj', namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      ...spec,
    },
  });
}

async function tick(): Promise<void> {
  await sync();
  await ctrl.reconcile('default/cj');
  await sync();
}

const allJobs = () => client.peekAll<Job>('jobs').map((j) => j.metadata.name).sort();
const cj = () => client.peek<CronJob>('cronjobs', 'cj', 'default')!;

async function completeJob(name: string, type: 'Complete' | 'Failed' = 'Complete'): Promise<void> {
  const j = client.peek<Job>('jobs', name, 'default')!;
  const at = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.resource<Job>('jobs').updateStatus({ ...j, status: { startTime: at, ...(type === 'Complete' ? { completionTime: at } : {}), conditions: [{ type, status: 'True', lastTransitionTime: at }] } });
}

describe('scheduling', () => {
  it('creates nothing before the first scheduled time, then one Job named after its minute', async () => {
    await createCronJob();
    await tick();
    expect(allJobs()).toEqual([]);
    await clock.advance(30_000);
    await tick();
    const minute = Math.floor(Date.UTC(2026, 0, 1, 0, 1) / 60000);
    expect(allJobs()).toEqual([`cj-${minute}`]);
    const j = client.peek<Job>('jobs', `cj-${minute}`, 'default')!;
    expect(j.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'cj', controller: true });
    expect(j.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe('2026-01-01T00:01:00Z');
    expect(cj().status?.lastScheduleTime).toBe('2026-01-01T00:01:00Z');
    expect(cj().status?.active?.map((a) => a.name)).toEqual([`cj-${minute}`]);
    // The same minute again: no second Job.
    await tick();
    expect(allJobs()).toHaveLength(1);
  });

  it('after downtime across several scheduled times starts exactly one, the most recent, and says so', async () => {
    await createCronJob();
    await clock.advance(5 * 60_000);
    await tick();
    await tick();
    expect(allJobs()).toEqual([`cj-${Math.floor(Date.UTC(2026, 0, 1, 0, 5) / 60000)}`]);
    expect(recorder.reasons()).toContain('MissedSchedules');
  });

  it('skips a run later than startingDeadlineSeconds', async () => {
    await createCronJob({ startingDeadlineSeconds: 10 });
    await clock.advance(50_000); // 00:01:20, 20 s late
    await tick();
    expect(allJobs()).toEqual([]);
  });

  it('Forbid never starts a second run while one is active; Replace deletes the active one', async () => {
    await createCronJob({ concurrencyPolicy: 'Forbid' });
    await clock.advance(30_000);
    await tick();
    await clock.advance(60_000);
    await tick();
    expect(allJobs()).toHaveLength(1);
    expect(recorder.reasons()).toContain('JobAlreadyActive');

    const c = cj();
    await client.resource<CronJob>('cronjobs').update({ ...c, spec: { ...c.spec, concurrencyPolicy: 'Replace' } });
    await clock.advance(60_000);
    await tick();
    expect(client.actionsFor('delete', 'jobs')).toHaveLength(1);
    expect(allJobs()).toHaveLength(1);
    expect(cj().status?.active).toHaveLength(1);
  });

  it('suspend stops new runs', async () => {
    await createCronJob({ suspend: true });
    await clock.advance(120_000);
    await tick();
    expect(allJobs()).toEqual([]);
  });

  it('keeps the history limits and records lastSuccessfulTime', async () => {
    await createCronJob({ successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 0 });
    for (let i = 0; i < 3; i++) {
      await clock.advance(60_000);
      await tick();
      const active = cj().status?.active ?? [];
      for (const a of active) await completeJob(a.name!, i === 2 ? 'Failed' : 'Complete');
      await tick();
    }
    await tick();
    expect(allJobs()).toHaveLength(1);
    expect(cj().status?.lastSuccessfulTime).toBeDefined();
    expect(cj().status?.active).toBeUndefined();
  });

  it('schedules in spec.timeZone', () => {
    const s = parseSchedule('0 9 * * *', 'Asia/Tokyo');
    if (isScheduleError(s)) throw new Error(s.error);
    expect(s.next(new Date(Date.UTC(2026, 0, 1, 0, 30)))!.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('mostRecentScheduleTime counts what was missed', () => {
    const s = parseSchedule('*/5 * * * *');
    if (isScheduleError(s)) throw new Error(s.error);
    const at = (m: number) => Date.UTC(2026, 0, 1, 0, m);
    expect(mostRecentScheduleTime(s, { createdMs: at(0) + 1, nowMs: at(4) })).toEqual({ missedBefore: 0, next: at(5) });
    expect(mostRecentScheduleTime(s, { createdMs: at(0) + 1, nowMs: at(5) })).toEqual({ scheduled: at(5), missedBefore: 0, next: at(10) });
    expect(mostRecentScheduleTime(s, { createdMs: at(0) + 1, nowMs: at(11) })).toEqual({ scheduled: at(10), missedBefore: 1, next: at(15) });
    expect(mostRecentScheduleTime(s, { lastScheduleMs: at(5), createdMs: 0, nowMs: at(31) })).toEqual({ scheduled: at(30), missedBefore: 2, next: at(35) });
  });
});
