// Jobs and CronJobs with real parts: apiserver + etcd, the scheduler, two agents on the
// local Docker engine and the controller manager, in this process. Jobs run real
// containers to completion; CronJobs fire on a shifted clock (the cronjob controller's
// clock runs a fixed offset ahead of real time, so the next minute boundary comes a few
// seconds after the test starts and waits are real, short and not fragile), and the
// manager is restarted with the offset moved on to play "down across scheduled times".

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_COMPLETION_INDEX_ANNOTATION, type CronJob, type Job, type JobSpec } from '../../api/job-types.js';
import type { Event, Pod } from '../../api/types.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { runScheduler } from '../../scheduler/run.js';
import { ControllerManager } from '../../controller/manager.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { docker, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODES = [`jobs-a-${RUN}`, `jobs-b-${RUN}`];
const NS = 'default';

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let manager: ControllerManager | undefined;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;
const agents: Agent[] = [];

/** Real time plus an offset the test moves: what the cronjob controller believes "now" is. */
let offsetMs = 0;
const shiftedClock: Clock = { now: () => Date.now() + offsetMs, sleep: (ms, signal) => realClock.sleep(ms, signal) };

async function startManager(): Promise<void> {
  manager = new ControllerManager({
    client: admin,
    logger: silentLogger(),
    controllers: ['job', 'cronjob', 'garbagecollector'],
    // A short retry delay (Kubernetes: 10 s doubling to 6 min) keeps the failing Job quick.
    batch: { jobBackoff: { baseMs: 200, maxMs: 1000 }, cronClock: shiftedClock },
  });
  await manager.start();
}

async function stopManager(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-jobs-e2e-'));
  api = await startTestApiServer({ nodeNames: NODES });
  admin = new ApiClient({ server: api.url, token: api.token });
  for (const nodeName of NODES) {
    const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
    const agent = new Agent({
      podInfraContainerImage: TEST_PAUSE_IMAGE,
      nodeName,
      client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }, { logger }),
      runtime: new DockerRuntime({ logger }),
      logger,
      nodeIP: '127.0.0.1',
      rootDir: path.join(root, nodeName),
      heartbeatIntervalMs: 1000,
      resyncIntervalMs: 2000,
      logPort: 0,
      logHost: '127.0.0.1',
      logInsecure: true,
    });
    agents.push(agent);
    await agent.start();
  }
  await waitFor('nodes Ready', async () => {
    const nodes = (await admin.nodes.list()).items;
    return NODES.every((n) => nodes.find((x) => x.metadata.name === n)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  });
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  await startManager();
}, 120_000);

afterAll(async () => {
  await stopManager().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  for (const a of agents) await a.stop().catch(() => undefined);
  for (const n of NODES) removeContainersWith({ 'orch.io/node': n });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

const jobs = () => admin.resource<Job>('jobs');
const cronJobs = () => admin.resource<CronJob>('cronjobs');

function job(name: string, command: string[], spec: Partial<JobSpec> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NS },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command }],
        },
      },
      ...spec,
    },
  };
}

const podsOf = async (jobName: string): Promise<Pod[]> => (await admin.pods.list({ namespace: NS, labelSelector: `batch.kubernetes.io/job-name=${jobName}` })).items;
const cond = (j: Job, type: string) => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

async function describeJob(name: string): Promise<string> {
  const j = await jobs().get(name, NS);
  const ps = await podsOf(name);
  return `${JSON.stringify(j.status)}\n${ps.map((p) => `${p.metadata.name} ${p.status?.phase} del=${!!p.metadata.deletionTimestamp}`).join('\n')}`;
}

async function until(what: string, jobName: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  try {
    await waitFor(what, fn, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await describeJob(jobName).catch(() => '')}`);
  }
}

describe('Jobs run real containers to completion', () => {
  it('completions 5 / parallelism 2: exactly 5 succeeded pods, never more than 2 at once', async () => {
    await jobs().create(job('five', ['sh', '-c', 'sleep 1'], { completions: 5, parallelism: 2 }));
    let maxActive = 0;
    await until('five complete', 'five', async () => {
      const ps = await podsOf('five');
      // Pods the controller may count as running: created and not finished (any agent state).
      maxActive = Math.max(maxActive, ps.filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')).length);
      return !!cond(await jobs().get('five', NS), 'Complete');
    }, 120_000);
    const j = await jobs().get('five', NS);
    expect(j.status).toMatchObject({ succeeded: 5, active: 0 });
    expect(j.status?.failed ?? 0).toBe(0);
    expect(j.status?.completionTime).toBeDefined();
    const ps = await podsOf('five');
    expect(ps.filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(5);
    expect(ps).toHaveLength(5);
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(maxActive).toBeGreaterThan(0);
    expect(ps.every((p) => (p.metadata.finalizers ?? []).length === 0)).toBe(true);
  }, 150_000);

  it('a failing Job stops at backoffLimit with BackoffLimitExceeded', async () => {
    await jobs().create(job('fails', ['sh', '-c', 'exit 3'], { backoffLimit: 2 }));
    await until('fails Failed', 'fails', async () => !!cond(await jobs().get('fails', NS), 'Failed'), 90_000);
    const j = await jobs().get('fails', NS);
    expect(cond(j, 'Failed')?.reason).toBe('BackoffLimitExceeded');
    expect(j.status?.failed).toBe(3);
    const ps = await podsOf('fails');
    expect(ps).toHaveLength(3);
    expect(ps.every((p) => p.status?.phase === 'Failed')).toBe(true);
    expect(ps.every((p) => p.status?.containerStatuses?.[0]?.state.terminated?.exitCode === 3)).toBe(true);
  }, 120_000);

  it('an Indexed Job runs each index exactly once, with JOB_COMPLETION_INDEX', async () => {
    // A pod without JOB_COMPLETION_INDEX fails, and with backoffLimit 0 so does the Job: the variable is really set.
    await jobs().create(job('indexed', ['sh', '-c', 'test -n "$JOB_COMPLETION_INDEX" && sleep 0.5'], { completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimit: 0 }));
    await until('indexed complete', 'indexed', async () => !!cond(await jobs().get('indexed', NS), 'Complete'), 120_000);
    const j = await jobs().get('indexed', NS);
    expect(j.status).toMatchObject({ succeeded: 4, completedIndexes: '0-3' });
    const ps = await podsOf('indexed');
    expect(ps.map((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION]).sort()).toEqual(['0', '1', '2', '3']);
    expect(ps.every((p) => p.status?.phase === 'Succeeded')).toBe(true);
  }, 150_000);

  it('backoffLimitPerIndex: index 1 fails once and is given up, the others succeed, the Job fails with FailedIndexes', async () => {
    await jobs().create(job('perindex', ['sh', '-c', 'test "$JOB_COMPLETION_INDEX" != 1'], { completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 0 }));
    await until('perindex Failed', 'perindex', async () => !!cond(await jobs().get('perindex', NS), 'Failed'), 120_000);
    const j = await jobs().get('perindex', NS);
    expect(j.status).toMatchObject({ failedIndexes: '1', completedIndexes: '0,2', failed: 1, succeeded: 2 });
    expect(cond(j, 'Failed')).toMatchObject({ reason: 'FailedIndexes' });
    expect(cond(j, 'FailureTarget')).toMatchObject({ reason: 'FailedIndexes' });
    const ps = await podsOf('perindex');
    // Index 1 ran once: never retried after its budget (0) was spent.
    expect(ps.filter((p) => p.metadata.annotations?.[JOB_COMPLETION_INDEX_ANNOTATION] === '1')).toHaveLength(1);
  }, 150_000);

  it('successPolicy: index 2 succeeding ends the Job; Complete only once the other pods stopped', async () => {
    const cmd = ['sh', '-c', 'if [ "$JOB_COMPLETION_INDEX" = 2 ]; then sleep 1; exit 0; fi; sleep 3600'];
    await jobs().create(job('early', cmd, { completionMode: 'Indexed', completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '2' }] } }));
    let runningAtComplete = -1;
    await until('early Complete', 'early', async () => {
      const j = await jobs().get('early', NS);
      if (!cond(j, 'Complete')) return false;
      const uids = new Set((await podsOf('early')).map((p) => p.metadata.uid));
      const out = docker('ps', '-q', '--filter', 'label=orch.io/container=main', '--filter', 'status=running');
      runningAtComplete = out ? out.split('\n').filter((id) => uids.has(docker('inspect', '-f', '{{index .Config.Labels "orch.io/pod-uid"}}', id))).length : 0;
      return true;
    }, 120_000);
    const j = await jobs().get('early', NS);
    expect(cond(j, 'SuccessCriteriaMet')).toMatchObject({ reason: 'SuccessPolicy', message: 'Matched rules at index 0' });
    expect(cond(j, 'Complete')).toMatchObject({ reason: 'SuccessPolicy' });
    expect(j.status?.completedIndexes).toBe('2');
    expect(runningAtComplete).toBe(0);
  }, 150_000);

  it('activeDeadlineSeconds kills the running pods: DeadlineExceeded, containers gone', async () => {
    // Long enough for a pod to be running on a loaded machine, short for a test.
    await jobs().create(job('deadline', ['sleep', '3600'], { parallelism: 2, completions: 2, activeDeadlineSeconds: 10 }));
    await until('a pod running', 'deadline', async () => (await podsOf('deadline')).some((p) => p.status?.phase === 'Running'), 10_000);
    await until('deadline Failed', 'deadline', async () => !!cond(await jobs().get('deadline', NS), 'Failed'), 30_000);
    expect(cond(await jobs().get('deadline', NS), 'Failed')?.reason).toBe('DeadlineExceeded');
    await until('containers stopped', 'deadline', async () => {
      const out = docker('ps', '-q', '--filter', 'label=orch.io/namespace=default', '--filter', 'label=orch.io/container=main', '--filter', 'status=running');
      const ps = await podsOf('deadline');
      const uids = new Set(ps.map((p) => p.metadata.uid));
      const ours = out ? out.split('\n').filter((id) => uids.has(docker('inspect', '-f', '{{index .Config.Labels "orch.io/pod-uid"}}', id))) : [];
      return ours.length === 0;
    }, 30_000);
  }, 90_000);

  it('deleting a Job removes its pods (ownerReferences and the garbage collector)', async () => {
    await until('five exists', 'five', async () => (await podsOf('five')).length === 5);
    await jobs().delete('five', NS, { propagationPolicy: 'Background' });
    await until('pods of five gone', 'five', async () => (await podsOf('five')).length === 0, 60_000);
  });
});

describe('CronJobs on a shifted clock', () => {
  // The apiserver stamps creationTimestamp in real time while the controller's clock is
  // shifted: schedules name exact minutes (an hour apart), so no scheduled time lies
  // between the two clocks by accident.
  const minuteOf = (ms: number) => Math.floor(ms / 60000);
  const shiftedNow = () => Date.now() + offsetMs;
  /** Shift the cronjob clock so the next minute boundary is `ms` of real time away; returns that boundary. */
  const boundaryIn = (ms: number): number => {
    const now = shiftedNow();
    const next = (minuteOf(now) + 1) * 60000;
    offsetMs += next - now - ms;
    return next;
  };
  const minutes = (...ms: number[]) => `${ms.map((t) => new Date(t).getUTCMinutes()).join(',')} * * * *`;
  const cronJob = (name: string, schedule: string, command: string[], spec: Partial<CronJob['spec']> = {}): CronJob => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NS },
    spec: { schedule, jobTemplate: { spec: job('x', command).spec }, ...spec },
  });
  const ownedJobs = async (cj: string) => (await jobs().list({ namespace: NS })).items.filter((j) => j.metadata.ownerReferences?.some((r) => r.name === cj && r.kind === 'CronJob'));
  const events = async (name: string, reason: string) => (await admin.resource<Event>('events').list({ namespace: NS })).items.filter((e) => e.involvedObject.name === name && e.reason === reason);

  it('fires at the scheduled minute: a Job named after it, and its pod', async () => {
    const at = boundaryIn(2000);
    await cronJobs().create(cronJob('tick', minutes(at), ['sh', '-c', 'true']));
    await waitFor('the Job of the minute', async () => (await ownedJobs('tick')).length === 1, 15_000);
    const [j] = await ownedJobs('tick');
    expect(j!.metadata.name).toBe(`tick-${minuteOf(at)}`);
    await waitFor('its pod succeeded', async () => (await podsOf(j!.metadata.name!)).some((p) => p.status?.phase === 'Succeeded'), 60_000);
    await waitFor('lastSuccessfulTime', async () => !!(await cronJobs().get('tick', NS)).status?.lastSuccessfulTime, 30_000);
    expect((await cronJobs().get('tick', NS)).status?.lastScheduleTime).toBe(new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    await cronJobs().delete('tick', NS, { propagationPolicy: 'Background' });
  });

  it('controller manager down across three scheduled times: exactly one catch-up run, and an Event', async () => {
    const b = boundaryIn(30_000); // created well before its first time
    await cronJobs().create(cronJob('catchup', minutes(b, b + 60_000, b + 120_000), ['sh', '-c', 'true']));
    await stopManager();
    offsetMs += 150_000; // the three times pass while it is down
    await startManager();
    await waitFor('one catch-up Job', async () => (await ownedJobs('catchup')).length >= 1, 15_000);
    await waitFor('MissedSchedules event', async () => (await events('catchup', 'MissedSchedules')).length > 0, 15_000);
    expect((await ownedJobs('catchup')).map((j) => j.metadata.name)).toEqual([`catchup-${minuteOf(b + 120_000)}`]);
    // Another look at the CronJob creates nothing more.
    await cronJobs().patch('catchup', NS, { metadata: { annotations: { poke: '1' } } }, 'merge');
    await waitFor('lastScheduleTime', async () => (await cronJobs().get('catchup', NS)).status?.lastScheduleTime === new Date(b + 120_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), 15_000);
    expect(await ownedJobs('catchup')).toHaveLength(1);
    await cronJobs().delete('catchup', NS, { propagationPolicy: 'Background' });
  });

  it('Forbid never overlaps: runs due while one is active are not started', async () => {
    const first = boundaryIn(1500);
    await cronJobs().create(cronJob('forbid', minutes(first, first + 60_000, first + 120_000), ['sleep', '3600'], { concurrencyPolicy: 'Forbid' }));
    await waitFor('first run', async () => (await ownedJobs('forbid')).length === 1, 15_000);
    // The next two times pass (manager restarted, so it looks at once).
    await stopManager();
    offsetMs += 150_000;
    await startManager();
    await waitFor('JobAlreadyActive', async () => (await events('forbid', 'JobAlreadyActive')).length > 0, 15_000);
    expect((await ownedJobs('forbid')).map((j) => j.metadata.name)).toEqual([`forbid-${minuteOf(first)}`]);
    await cronJobs().delete('forbid', NS, { propagationPolicy: 'Background' });
  });
});
