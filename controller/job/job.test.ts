// Job controller on the fake client, a fake clock and caches the test syncs by hand (so
// they can lag on purpose): completions and parallelism, counting each pod once, backoff
// and backoffLimit, deadline, Indexed, podFailurePolicy, suspend, TTL, orphaned finalizers.

import { beforeEach, describe, expect, it } from 'vitest';
import { JOB_COMPLETION_INDEX_ANNOTATION, JOB_CONTROLLER_UID_LABEL, JOB_TRACKING_FINALIZER, type Job, type JobSpec } from '../../api/job-types.js';
import type { Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { backoffRemaining, DEFAULT_JOB_BACKOFF } from './backoff.js';
import { JobController } from './controller.js';
import { formatIndexes, parseIndexes } from './indexes.js';

let clock: FakeClock;
let client: FakeClient;
let pods: MemoryInformer<Pod>;
let jobs: MemoryInformer<Job>;
let recorder: RecordingRecorder;
let ctrl: JobController;

beforeEach(() => {
  clock = new FakeClock();
  client = new FakeClient({ clock });
  pods = new MemoryInformer<Pod>();
  jobs = new MemoryInformer<Job>();
  recorder = new RecordingRecorder();
  ctrl = new JobController({ client, pods, jobs, recorder, clock, logger: silentLogger(), queue: new RecordingQueue() });
});

async function sync(): Promise<void> {
  await syncInformer(client, 'jobs', jobs);
  await syncInformer(client, 'pods', pods);
}

async function createJob(name: string, spec: Partial<JobSpec>): Promise<Job> {
  return client.resource<Job>('jobs').create({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
  });
}

const jobNow = (name = 'j') => client.peek<Job>('jobs', name, 'default')!;
const jobPods = () => client.peekAll<Pod>('pods');
const running = () => jobPods().filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));

async function finish(p: Pod, phase: 'Succeeded' | 'Failed', exitCode = phase === 'Succeeded' ? 0 : 1): Promise<void> {
  const cur = client.peek<Pod>('pods', p.metadata.name!, 'default')!;
  const at = new Date(clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await client.pods.updateStatus({
    ...cur,
    status: { phase, containerStatuses: [{ name: 'c', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: { terminated: { exitCode, finishedAt: at } }, lastState: {} }] },
  });
}

/** reconcile with fresh caches until nothing changes. */
async function settle(key = 'default/j'): Promise<void> {
  for (let i = 0; i < 6; i++) {
    await sync();
    await ctrl.reconcile(key);
  }
  await sync();
}

describe('completions and parallelism', () => {
  it('runs 5 completions 2 at a time, counts each success once, then completes', async () => {
    await createJob('j', { completions: 5, parallelism: 2 });
    let maxActive = 0;
    for (let round = 0; round < 10 && !jobNow().status?.conditions?.some((c) => c.type === 'Complete'); round++) {
      await settle();
      maxActive = Math.max(maxActive, running().length);
      for (const p of running()) await finish(p, 'Succeeded');
    }
    await settle();
    const st = jobNow().status!;
    expect(st.succeeded).toBe(5);
    expect(st.failed ?? 0).toBe(0);
    expect(st.active).toBe(0);
    expect(st.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
    expect(st.completionTime).toBeDefined();
    expect(maxActive).toBe(2);
    expect(jobPods().filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(5);
    // Every pod was released from tracking, and finished pods stay until the Job goes.
    expect(jobPods().every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
  });

  it('labels, owns and tracks its pods', async () => {
    const j = await createJob('j', {});
    await sync();
    await ctrl.reconcile('default/j');
    const [p] = jobPods();
    expect(p!.metadata.labels?.[JOB_CONTROLLER_UID_LABEL]).toBe(j.metadata.uid);
    expect(p!.metadata.labels?.['batch.kubernetes.io/job-name']).toBe('j');
    expect(p!.metadata.finalizers).toEqual([JOB_TRACKING_FINALIZER]);
    expect(p!.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: j.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(jobNow().status?.startTime).toBeDefined();
  });

  it('never counts a pod twice while the pod cache lags behind its finalizer removal', async () => {
    await createJob('j', { completions: 2, parallelism: 1 });
    await settle();
    await finish(running()[0]!, 'Succeeded');
    await sync();
    const stale = pods.list().map((p) => ({ ...p }));
    await ctrl.reconcile('default/j');
    expect(jobNow().status?.succeeded).toBe(1);
    // The pod cache still shows the finalizer: reconcile again on that stale view.
    await syncInformer(client, 'jobs', jobs);
    pods.replaceAll(stale);
    await ctrl.reconcile('default/j');
    expect(jobNow().status?.succeeded).toBe(1);
  });

  it('does not create again while its cache lags behind its own creates', async () => {
    await createJob('j', { completions: 4, parallelism: 3 });
    await sync();
    await ctrl.reconcile('default/j');
    await syncInformer(client, 'jobs', jobs);
    await ctrl.reconcile('default/j');
    expect(client.actionsFor('create', 'pods')).toHaveLength(3);
  });
});

describe('failures', () => {
  it('retries after 10 s, then 20 s, and fails with BackoffLimitExceeded past backoffLimit', async () => {
    await createJob('j', { backoffLimit: 2 });
    await settle();
    await finish(running()[0]!, 'Failed');
    await settle();
    expect(jobNow().status?.failed).toBe(1);
    expect(running()).toHaveLength(0); // backing off
    await clock.advance(9_000);
    await settle();
    expect(running()).toHaveLength(0);
    await clock.advance(1_500);
    await settle();
    expect(running()).toHaveLength(1);
    await finish(running()[0]!, 'Failed');
    await clock.advance(15_000);
    await settle();
    expect(running()).toHaveLength(0); // 20 s after the second failure
    await clock.advance(6_000);
    await settle();
    expect(running()).toHaveLength(1);
    await finish(running()[0]!, 'Failed');
    await settle();
    const st = jobNow().status!;
    expect(st.failed).toBe(3);
    expect(st.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(recorder.reasons()).toContain('BackoffLimitExceeded');
    await clock.advance(600_000);
    await settle();
    expect(jobPods()).toHaveLength(3);
  });

  it('backoff doubles from 10 s and stops at 6 minutes', () => {
    expect(backoffRemaining(1, 0, 0, DEFAULT_JOB_BACKOFF)).toBe(10_000);
    expect(backoffRemaining(3, 0, 0, DEFAULT_JOB_BACKOFF)).toBe(40_000);
    expect(backoffRemaining(10, 0, 0, DEFAULT_JOB_BACKOFF)).toBe(360_000);
    expect(backoffRemaining(0, 0, 0, DEFAULT_JOB_BACKOFF)).toBe(0);
  });

  it('activeDeadlineSeconds deletes running pods and fails with DeadlineExceeded', async () => {
    await createJob('j', { parallelism: 2, completions: 4, activeDeadlineSeconds: 30 });
    await settle();
    expect(running()).toHaveLength(2);
    await clock.advance(30_000);
    await settle();
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded' });
    expect(client.actionsFor('delete', 'pods')).toHaveLength(2);
    expect(jobNow().status?.active).toBe(0);
  });

  it('podFailurePolicy: FailJob on an exit code fails the Job, Ignore does not count', async () => {
    await createJob('j', {
      completions: 3,
      parallelism: 1,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }, { action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } }] },
    });
    await settle();
    await finish(running()[0]!, 'Failed', 7);
    await settle();
    expect(jobNow().status?.failed ?? 0).toBe(0);
    await clock.advance(11_000);
    await settle();
    expect(running()).toHaveLength(1);
    await finish(running()[0]!, 'Failed', 42);
    await settle();
    expect(jobNow().status?.failed).toBe(1);
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({ status: 'True', reason: 'PodFailurePolicy' });
  });
});

describe('Indexed', () => {
  it('gives every index to one pod, counts each index once, and lists completed indexes', async () => {
    await createJob('j', { completionMode: 'Indexed', completions: 3, parallelism: 3 });
    await settle();
    const ps = running();
    expect(ps.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['0', '1', '2']);
    expect(ps.every((p) => p.spec.containers[0]!.env?.some((e) => e.name === 'JOB_COMPLETION_INDEX' && e.value === p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]))).toBe(true);
    const by = (i: string) => ps.find((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === i)!;
    await finish(by('0'), 'Succeeded');
    await finish(by('1'), 'Failed');
    await settle();
    expect(jobNow().status?.completedIndexes).toBe('0');
    await clock.advance(11_000);
    await settle();
    // Index 1 again, never index 0.
    expect(running().map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['1', '2']);
    for (const p of running()) await finish(p, 'Succeeded');
    await settle();
    expect(jobNow().status).toMatchObject({ succeeded: 3, failed: 1, completedIndexes: '0-2' });
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
  });

  it('elastic: completions and parallelism lowered together drop the pods of the indexes above, then raised start them again', async () => {
    await createJob('j', { completionMode: 'Indexed', completions: 4, parallelism: 4 });
    await settle();
    const idx = () => running().map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort();
    expect(idx()).toEqual(['0', '1', '2', '3']);
    await finish(running().find((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === '3')!, 'Succeeded');
    await settle();
    expect(jobNow().status).toMatchObject({ succeeded: 1, completedIndexes: '3' });
    const j = jobNow();
    await client.resource<Job>('jobs').update({ ...j, spec: { ...j.spec, completions: 2, parallelism: 2 } });
    await settle();
    // Index 2's pod is deleted; index 3's success no longer counts.
    expect(idx()).toEqual(['0', '1']);
    expect(jobNow().status).toMatchObject({ succeeded: 0, completedIndexes: '', active: 2 });
    const k = jobNow();
    await client.resource<Job>('jobs').update({ ...k, spec: { ...k.spec, completions: 3, parallelism: 3 } });
    await settle();
    expect(idx()).toEqual(['0', '1', '2']);
    for (const p of running()) await finish(p, 'Succeeded');
    await settle();
    expect(jobNow().status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Complete')?.status).toBe('True');
  });

  it('formats and parses index sets as Kubernetes does', () => {
    expect(formatIndexes([1, 3, 4, 5, 7])).toBe('1,3-5,7');
    expect(formatIndexes([0, 1])).toBe('0,1');
    expect([...parseIndexes('1,3-5,7', 6)]).toEqual([1, 3, 4, 5]);
  });
});

describe('suspend, TTL, deletion', () => {
  it('suspend deletes active pods and resets startTime; resume starts again', async () => {
    await createJob('j', { parallelism: 2, completions: 2 });
    await settle();
    const j = jobNow();
    await client.resource<Job>('jobs').update({ ...j, spec: { ...j.spec, suspend: true } });
    await settle();
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' });
    expect(jobNow().status?.startTime).toBeUndefined();
    expect(running()).toHaveLength(0);
    expect(jobNow().status?.failed ?? 0).toBe(0);
    const k = jobNow();
    await client.resource<Job>('jobs').update({ ...k, spec: { ...k.spec, suspend: false } });
    await settle();
    expect(jobNow().status?.conditions?.find((c) => c.type === 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
    expect(running()).toHaveLength(2);
  });

  it('ttlSecondsAfterFinished deletes the finished Job when it expires', async () => {
    await createJob('j', { ttlSecondsAfterFinished: 60 });
    await settle();
    await finish(running()[0]!, 'Succeeded');
    await settle();
    expect(jobNow()).toBeDefined();
    await clock.advance(61_000);
    await settle();
    expect(jobNow()).toBeUndefined();
  });

  it('a deleted Job no longer holds its pods: their tracking finalizers are removed', async () => {
    await createJob('j', {});
    await settle();
    await client.resource<Job>('jobs').delete('j', 'default');
    await sync();
    await ctrl.reconcile('default/j');
    expect(jobPods().every((p) => !(p.metadata.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))).toBe(true);
  });
});

describe('target conditions, success policy, per-index limits, managedBy', () => {
  const ix = (p: Pod) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION];
  const cond = (type: string) => jobNow().status?.conditions?.find((c) => c.type === type);

  it('FailureTarget comes first; Failed only once no pod of the Job runs', async () => {
    await createJob('j', { completions: 2, parallelism: 2, backoffLimit: 0 });
    await settle();
    expect(running()).toHaveLength(2);
    await finish(running()[0]!, 'Failed');
    await sync();
    await ctrl.reconcile('default/j');
    await sync();
    expect(cond('FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(cond('Failed')).toBeUndefined(); // the sibling was still running when the failure was decided
    expect(client.actionsFor('delete', 'pods')).toHaveLength(1);
    await settle();
    expect(cond('Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(recorder.reasons()).toContain('BackoffLimitExceeded');
  });

  it('SuccessCriteriaMet (CompletionsReached) then Complete with completionTime', async () => {
    await createJob('j', {});
    await settle();
    await finish(running()[0]!, 'Succeeded');
    await settle();
    expect(cond('SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(cond('Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(jobNow().status?.completionTime).toBeDefined();
  });

  it('successPolicy: the Job succeeds when a rule is met and its other pods are deleted', async () => {
    await createJob('j', { completionMode: 'Indexed', completions: 4, parallelism: 4, successPolicy: { rules: [{ succeededIndexes: '0,2-3', succeededCount: 1 }] } });
    await settle();
    expect(running()).toHaveLength(4);
    await finish(running().find((p) => ix(p) === '1')!, 'Succeeded');
    await settle();
    expect(cond('SuccessCriteriaMet')).toBeUndefined(); // index 1 is not in the rule
    await finish(running().find((p) => ix(p) === '2')!, 'Succeeded');
    await settle();
    expect(cond('SuccessCriteriaMet')).toMatchObject({ status: 'True', reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(cond('Complete')).toMatchObject({ status: 'True', reason: 'SuccessPolicy' });
    expect(running()).toHaveLength(0);
    expect(jobNow().status).toMatchObject({ completedIndexes: '1,2', succeeded: 2 });
  });

  it('backoffLimitPerIndex: an index that fails past its limit is given up, the others go on, the Job fails with FailedIndexes', async () => {
    await createJob('j', { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 1 });
    await settle();
    expect(running().every((p) => p.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count'] === '0')).toBe(true);
    await finish(running().find((p) => ix(p) === '1')!, 'Failed');
    await finish(running().find((p) => ix(p) === '0')!, 'Succeeded');
    await settle();
    expect(running().map(ix)).toEqual(['2']); // index 1 waits 10 s; index 2 keeps running
    await clock.advance(10_500);
    await settle();
    const retry = running().find((p) => ix(p) === '1')!;
    expect(retry.metadata.annotations?.['batch.kubernetes.io/job-index-failure-count']).toBe('1');
    await finish(retry, 'Failed');
    await settle();
    expect(jobNow().status).toMatchObject({ failedIndexes: '1', failed: 2, completedIndexes: '0' });
    expect(cond('FailureTarget')).toBeUndefined(); // index 2 may still succeed
    await clock.advance(600_000);
    await settle();
    expect(running().map(ix)).toEqual(['2']); // index 1 is never retried again
    await finish(running()[0]!, 'Succeeded');
    await settle();
    expect(cond('Failed')).toMatchObject({ status: 'True', reason: 'FailedIndexes', message: 'Job has failed indexes' });
    expect(jobNow().status?.completedIndexes).toBe('0,2');
  });

  it('FailIndex fails only that index at once; maxFailedIndexes fails the Job when exceeded', async () => {
    await createJob('j', {
      completionMode: 'Indexed',
      completions: 4,
      parallelism: 4,
      backoffLimitPerIndex: 3,
      maxFailedIndexes: 1,
      podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [42] } }] },
    });
    await settle();
    await finish(running().find((p) => ix(p) === '0')!, 'Failed', 42);
    await settle();
    expect(jobNow().status?.failedIndexes).toBe('0');
    expect(cond('FailureTarget')).toBeUndefined();
    expect(running()).toHaveLength(3);
    await finish(running().find((p) => ix(p) === '3')!, 'Failed', 42);
    await settle();
    expect(cond('Failed')).toMatchObject({ reason: 'MaxFailedIndexesExceeded' });
    expect(running()).toHaveLength(0);
  });

  it('backoffLimitPerIndex: a failure an Ignore rule matches is not counted, but recorded in the ignored-failure-count annotation', async () => {
    await createJob('j', {
      completionMode: 'Indexed',
      completions: 1,
      parallelism: 1,
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [7] } }] },
    });
    await settle();
    await finish(running()[0]!, 'Failed', 7);
    await settle();
    // No backoff for an ignored failure: the index runs again at once.
    const second = running()[0]!;
    expect(second.metadata.annotations).toMatchObject({ 'batch.kubernetes.io/job-index-failure-count': '0', 'batch.kubernetes.io/job-index-ignored-failure-count': '1' });
    await finish(second, 'Failed', 1);
    await clock.advance(10_500);
    await settle();
    const third = running()[0]!;
    expect(third.metadata.annotations).toMatchObject({ 'batch.kubernetes.io/job-index-failure-count': '1', 'batch.kubernetes.io/job-index-ignored-failure-count': '1' });
    expect(jobNow().status?.failedIndexes ?? '').toBe('');
  });

  it('a Job managed by another controller is left alone', async () => {
    await createJob('j', { managedBy: 'kueue.x-k8s.io/multikueue' });
    await settle();
    expect(jobPods()).toHaveLength(0);
    expect(jobNow().status?.conditions).toBeUndefined();
  });
});
