// Jobs and CronJobs through kubectl v1.32 and the built `orch`, against a real apiserver
// (TLS, etcd), the scheduler, one agent on the local Docker engine and the job and cronjob
// controllers: create job (from an image and --from=cronjob), create cronjob (a protobuf
// body), wait --for=condition=complete, logs job/NAME, get jobs / cronjobs columns, and
// the bad inputs (schedule, time zone, negative counts, immutable template) as 422s.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CronJob, Job } from '../../api/job-types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { runScheduler } from '../../scheduler/run.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { docker, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const NODE = `jobs-kubectl-${crypto.randomBytes(3).toString('hex')}`;
const LOG_TOKEN = crypto.randomBytes(12).toString('hex');
// A tag of its own: kubectl's Jobs do not set imagePullPolicy, and `:latest` means Always (no registry here).
const IMG = `orch.local/busybox:jobs-${crypto.randomBytes(3).toString('hex')}`;

let api: TestApiServer;
let admin: ApiClient;
let agent: Agent;
let manager: ControllerManager;
let root: string;
let c: Clients;
const schedulerStop = new AbortController();
let scheduler: Promise<unknown>;

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** `orch` with the connection flags before a `--` (after it everything is the container's command). */
function orch(args: string[]): Promise<RunResult> {
  const dash = args.indexOf('--') < 0 ? args.length : args.indexOf('--');
  return runOrch([...args.slice(0, dash), ...c.orchArgs, ...args.slice(dash)], { env: { ORCH_HOME: root } });
}

/** kubectl wait, with what the pods look like when it fails. */
async function waitComplete(name: string): Promise<RunResult> {
  const r = await c.kubectl(['wait', '--for=condition=complete', `job/${name}`, '--timeout=25s']);
  if (r.code === 0) return r;
  const pods = (await admin.pods.list({ namespace: 'default', labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  throw new Error(`wait ${name}: exit ${r.code} ${r.stderr}\n${pods.map((p) => `${p.metadata.name} ${p.spec.nodeName} ${JSON.stringify(p.status)}`).join('\n')}`);
}

beforeAll(async () => {
  assertBuilt();
  docker('tag', 'orch.local/busybox:latest', IMG);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-jobs-kubectl-'));
  api = await startTestApiServer({ tls: true, nodeNames: [NODE], server: { agentClient: { insecureHttp: true, token: LOG_TOKEN } } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: LOG_TOKEN, user: 'apiserver', uid: '', groups: [] }]),
  });
  await agent.start();
  scheduler = runScheduler({ client: admin, logger: silentLogger() }, schedulerStop.signal);
  manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['job', 'cronjob', 'garbagecollector'] });
  await manager.start();
  c = cliClients(api, root);
}, 120_000);

afterAll(async () => {
  await manager?.stop().catch(() => undefined);
  schedulerStop.abort();
  await scheduler?.catch(() => undefined);
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  try {
    docker('rmi', IMG);
  } catch {
    /* already untagged */
  }
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('Jobs through kubectl and orch', () => {
  it('create job from an image: both tools store the same Job, it completes, wait and logs work', async () => {
    const k = ok(await c.kubectl(['create', 'job', 'kj', `--image=${IMG}`, '--', 'sh', '-c', 'echo hello-from-kj']));
    const o = ok(await orch(['create', 'job', 'oj', `--image=${IMG}`, '--', 'sh', '-c', 'echo hello-from-kj']));
    expect(k.stdout.trim()).toBe('job.batch/kj created');
    expect(o.stdout.trim()).toBe('job.batch/oj created');
    const [kj, oj] = [await admin.resource<Job>('jobs').get('kj', 'default'), await admin.resource<Job>('jobs').get('oj', 'default')];
    const containers = (j: Job) => j.spec.template.spec.containers.map((x) => ({ image: x.image, command: x.command }));
    expect(containers(oj)).toEqual(containers(kj));
    expect(oj.spec.template.spec.restartPolicy).toBe('Never');
    expect(kj.spec.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(kj.metadata.uid);

    const w = await waitComplete('kj');
    expect(w.stdout.trim()).toBe('job.batch/kj condition met');
    await waitComplete('oj');
    expect(ok(await c.kubectl(['logs', 'job/kj'])).stdout).toBe('hello-from-kj\n');
    expect(ok(await c.orch(['logs', 'job/kj'])).stdout).toBe('hello-from-kj\n');
  });

  it('get jobs prints STATUS COMPLETIONS DURATION AGE in both tools', async () => {
    for (const run of [c.kubectl, c.orch]) {
      const out = ok(await run(['get', 'jobs', 'kj'])).stdout.split('\n');
      expect(out[0]).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s*$/);
      expect(out[1]).toMatch(/^kj\s+Complete\s+1\/1\s+\d+s\s+\d+s\s*$/);
    }
  });

  it('create cronjob (protobuf), get cronjobs columns, create job --from=cronjob in both tools', async () => {
    ok(await c.kubectl(['create', 'cronjob', 'nightly', `--image=${IMG}`, '--schedule=0 3 * * *', '--', 'sh', '-c', 'echo nightly']));
    const cj = await admin.resource<CronJob>('cronjobs').get('nightly', 'default');
    expect(cj.spec).toMatchObject({ schedule: '0 3 * * *', concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    for (const run of [c.kubectl, c.orch]) {
      const out = ok(await run(['get', 'cronjobs'])).stdout.split('\n');
      expect(out[0]).toMatch(/^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE\s*$/);
      expect(out[1]).toMatch(/^nightly\s+0 3 \* \* \*\s+<none>\s+False\s+0\s+<none>\s+\d+s\s*$/);
    }
    ok(await c.kubectl(['create', 'job', 'manual-k', '--from=cronjob/nightly']));
    ok(await c.orch(['create', 'job', 'manual-o', '--from=cronjob/nightly']));
    for (const name of ['manual-k', 'manual-o']) {
      const j = await admin.resource<Job>('jobs').get(name, 'default');
      expect(j.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
      expect(j.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'nightly', uid: cj.metadata.uid, controller: true });
      await waitComplete(name);
    }
    await waitFor('status.active empty again', async () => !(await admin.resource<CronJob>('cronjobs').get('nightly', 'default')).status?.active, 30_000);
  });
});

describe('bad input is a 422 naming the field', () => {
  const cronJob = (spec: Record<string, unknown>): CronJob =>
    ({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'bad', namespace: 'default' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: IMG }] } } } }, ...spec } }) as CronJob;
  const job = (spec: Record<string, unknown>): Job => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'bad', namespace: 'default' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: IMG }] } }, ...spec } }) as Job;
  const causes = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      const e = err as { code?: number; status?: { details?: { causes?: { field?: string; message?: string }[] } } };
      expect(e.code).toBe(422);
      return e.status?.details?.causes ?? [];
    }
    throw new Error('expected a 422');
  };

  it.each([
    ['61 * * * *', /Invalid value for minute: 61/],
    ['* * * *', /expected exactly 5 fields, found 4/],
    ['@every 1h', /@every is not supported/],
    ['TZ=UTC * * * * *', /use timeZone field instead/],
  ])('schedule %j', async (schedule, message) => {
    const cs = await causes(admin.resource<CronJob>('cronjobs').create(cronJob({ schedule })));
    expect(cs).toContainEqual(expect.objectContaining({ field: 'spec.schedule', message: expect.stringMatching(message) }));
  });

  it('an unknown time zone', async () => {
    const cs = await causes(admin.resource<CronJob>('cronjobs').create(cronJob({ timeZone: 'Mars/Olympus_Mons' })));
    expect(cs).toContainEqual(expect.objectContaining({ field: 'spec.timeZone', message: expect.stringMatching(/unknown time zone Mars\/Olympus_Mons/) }));
  });

  it('negative completions and parallelism, a restartPolicy of Always', async () => {
    const cs = await causes(admin.resource<Job>('jobs').create(job({ completions: -1, parallelism: -2 })));
    expect(cs.map((x) => x.field)).toEqual(expect.arrayContaining(['spec.completions', 'spec.parallelism']));
    const cs2 = await causes(admin.resource<Job>('jobs').create({ ...job({}), spec: { template: { spec: { containers: [{ name: 'c', image: IMG }] } } } } as Job));
    expect(cs2).toContainEqual(expect.objectContaining({ field: 'spec.template.spec.restartPolicy' }));
  });

  /** A read-modify-write that must be refused: retried while the controller's status writes make it a 409. */
  const refusedUpdate = async (name: string, mutate: (j: Job) => void) => {
    for (;;) {
      const j = await admin.resource<Job>('jobs').get(name, 'default');
      mutate(j);
      try {
        await admin.resource<Job>('jobs').update(j);
      } catch (err) {
        const e = err as { code?: number; status?: { details?: { causes?: { field?: string; message?: string }[] } } };
        if (e.code === 409) continue;
        expect(e.code).toBe(422);
        return e.status?.details?.causes ?? [];
      }
      throw new Error('expected a 422');
    }
  };

  it('a changed template is immutable; kubectl says so too', async () => {
    await admin.resource<Job>('jobs').create({ ...job({ suspend: true }), metadata: { name: 'frozen', namespace: 'default' } });
    const cs = await refusedUpdate('frozen', (j) => (j.spec.template.spec.containers[0]!.image = 'orch.local/busybox:other'));
    expect(cs).toContainEqual(expect.objectContaining({ field: 'spec.template', message: expect.stringMatching(/field is immutable/) }));
    const r = await c.kubectl(['set', 'image', 'job/frozen', 'c=orch.local/busybox:other']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec.template: Invalid value.*field is immutable/);
  });

  it('elastic Indexed Jobs: completions changes with parallelism (kubectl patch), never alone', async () => {
    await admin.resource<Job>('jobs').create({ ...job({ suspend: true, completionMode: 'Indexed', completions: 2, parallelism: 2 }), metadata: { name: 'elastic', namespace: 'default' } });
    const alone = await c.kubectl(['patch', 'job', 'elastic', '--type', 'merge', '-p', '{"spec":{"completions":3}}']);
    expect(alone.code).not.toBe(0);
    expect(alone.stderr).toMatch(/spec.completions: Invalid value: 3: can only be modified in tandem with spec.parallelism/);
    ok(await c.kubectl(['patch', 'job', 'elastic', '--type', 'merge', '-p', '{"spec":{"completions":4,"parallelism":4}}']));
    expect((await admin.resource<Job>('jobs').get('elastic', 'default')).spec).toMatchObject({ completions: 4, parallelism: 4 });
    await admin.resource<Job>('jobs').create({ ...job({ suspend: true, completions: 2, parallelism: 2 }), metadata: { name: 'rigid', namespace: 'default' } });
    const cs = await refusedUpdate('rigid', (j) => Object.assign(j.spec, { completions: 3, parallelism: 3 }));
    expect(cs).toContainEqual(expect.objectContaining({ field: 'spec.completions', message: expect.stringMatching(/field is immutable/) }));
  });

  it('kubectl create cronjob with a bad schedule shows the reason', async () => {
    const r = await c.kubectl(['create', 'cronjob', 'badk', `--image=${IMG}`, '--schedule=99 * * * *']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec.schedule: Invalid value: "99 \* \* \* \*"/);
  });
});
