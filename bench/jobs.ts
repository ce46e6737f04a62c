// `npm run bench -- jobs`: Jobs and CronJobs with real parts (apiserver + etcd, scheduler,
// one agent on the local Docker engine, the job and cronjob controllers, all in this
// process).
//  1. A Job of 100 completions, parallelism 10, of a container that exits at once: create →
//     Complete, beside the baseline in the same run: 100 `docker run` of the same image and
//     command, ten at a time (each waits for its container to exit). Target ≤ 1.3×.
//  2. CronJob firing accuracy: the cronjob controller's clock runs ahead of real time by an
//     offset set so the next minute boundary is 1 s away; a CronJob scheduled for that
//     minute is created; latency = (real time its first pod's ADDED event arrives + offset)
//     − the scheduled time. 20 samples (options: --samples N, --completions N). Target p99 < 1 s.
// Prints the load average next to the figures: the machine is shared.

import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CronJob, Job } from '../api/job-types.js';
import { Agent } from '../agent/agent.js';
import { DockerRuntime } from '../agent/runtime/docker-runtime.js';
import { ApiClient } from '../client/rest-client.js';
import { ControllerManager } from '../controller/manager.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { silentLogger } from '../foundation/logger.js';
import { runScheduler } from '../scheduler/run.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import { runPool } from './lib/concurrency.js';
import { percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const run = promisify(execFile);
const IMAGE = 'orch.local/busybox:latest';
const NODE = 'bench-jobs';
const NS = 'default';

function argValue(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
}

async function poll(what: string, fn: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await fn()) return;
    } catch {
      /* transient */
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

async function removeContainers(filter: string): Promise<void> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', filter]);
  const ids = stdout.split('\n').filter(Boolean);
  for (let i = 0; i < ids.length; i += 50) await run('docker', ['rm', '-f', ...ids.slice(i, i + 50)]);
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

export const bench: Bench = {
  description: 'Job of 100 completions (parallelism 10) vs 100 docker run ten at a time; CronJob firing accuracy p99',
  async run(ctx: BenchContext): Promise<number> {
    const completions = argValue(ctx.args, '--completions', 100);
    const samples = argValue(ctx.args, '--samples', 20);
    const rows: ResultRow[] = [];
    await run('docker', ['image', 'inspect', IMAGE]);

    const api = await startTestApiServer({ nodeNames: [NODE] });
    ctx.cleanup.add('apiserver', () => api.stop());
    const admin = new ApiClient({ server: api.url, token: api.token });
    const agent = new Agent({
      podInfraContainerImage: TEST_PAUSE_IMAGE,
      nodeName: NODE,
      client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }),
      runtime: new DockerRuntime({ logger: silentLogger() }),
      logger: silentLogger(),
      nodeIP: '127.0.0.1',
      rootDir: path.join(ctx.workDir, NODE),
      logPort: 0,
      logHost: '127.0.0.1',
      logInsecure: true,
    });
    await agent.start();
    ctx.cleanup.add('agent', async () => {
      await agent.stop().catch(() => undefined);
      await removeContainers(`label=orch.io/node=${NODE}`);
    });
    const schedStop = new AbortController();
    const sched = runScheduler({ client: admin, logger: silentLogger() }, schedStop.signal);
    ctx.cleanup.add('scheduler', async () => {
      schedStop.abort();
      await sched.catch(() => undefined);
    });
    let offsetMs = 0;
    const cronClock: Clock = { now: () => Date.now() + offsetMs, sleep: (ms, s) => realClock.sleep(ms, s) };
    const manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['job', 'cronjob', 'garbagecollector'], batch: { cronClock } });
    await manager.start();
    ctx.cleanup.add('controller manager', () => manager.stop());
    await poll('node Ready', async () => (await admin.nodes.get(NODE)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, 30_000);

    // 1. baseline: docker run, ten at a time, then the Job.
    ctx.say(`1. ${completions} short containers, ten at a time (load ${load()})`);
    const b0 = performance.now();
    const res = await runPool({ concurrency: 10, total: completions, maxMs: 600_000 }, async (i) => {
      await run('docker', ['run', '--label', 'orch-bench=jobs-baseline', '--name', `orch-bench-jobs-${i}-${process.pid}`, IMAGE, 'true']);
    });
    const baselineMs = performance.now() - b0;
    if (res.errors) throw new Error(`docker run: ${res.errors} errors, first: ${String(res.firstError)}`);
    await removeContainers('label=orch-bench=jobs-baseline');
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'bench', namespace: NS },
      spec: {
        completions,
        parallelism: 10,
        template: { spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['true'] }] } },
      },
    };
    const j0 = performance.now();
    await admin.resource<Job>('jobs').create(job);
    await poll('Job complete', async () => !!(await admin.resource<Job>('jobs').get('bench', NS)).status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'), 900_000, 100);
    const jobMs = performance.now() - j0;
    const done = await admin.resource<Job>('jobs').get('bench', NS);
    const pods = (await admin.pods.list({ namespace: NS, labelSelector: 'batch.kubernetes.io/job-name=bench' })).items;
    rows.push({
      metric: `Job of ${completions}, parallelism 10: create → Complete`,
      unit: 's',
      orch: jobMs / 1000,
      baseline: baselineMs / 1000,
      target: (baselineMs / 1000) * 1.3,
      direction: 'lower',
      note: `baseline: ${completions} docker run (foreground) ten at a time; succeeded=${done.status?.succeeded} failed=${done.status?.failed ?? 0} pods=${pods.length}; load after: ${load()}`,
    });
    await admin.resource<Job>('jobs').delete('bench', NS, { propagationPolicy: 'Background' });

    // 2. CronJob firing accuracy.
    ctx.say(`2. CronJob firing accuracy, ${samples} samples (load ${load()})`);
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const now = Date.now() + offsetMs;
      const boundary = (Math.floor(now / 60000) + 1) * 60000;
      offsetMs += boundary - now - 1000;
      const name = `fire-${i}`;
      const selector = `batch.kubernetes.io/job-name=${name}-${Math.floor(boundary / 60000)}`;
      const rv = (await admin.pods.list({ namespace: NS, labelSelector: selector })).metadata.resourceVersion;
      const w = admin.pods.watch({ namespace: NS, labelSelector: selector, resourceVersion: rv });
      const seen = (async () => {
        for await (const ev of w) if (ev.type === 'ADDED') return Date.now() + offsetMs;
        throw new Error(`watch for ${name} ended`);
      })();
      const timer = setTimeout(() => w.stop(), 20_000);
      const cj: CronJob = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name, namespace: NS },
        spec: { schedule: `${new Date(boundary).getUTCMinutes()} * * * *`, jobTemplate: { spec: job.spec }, successfulJobsHistoryLimit: 0 },
      };
      cj.spec.jobTemplate.spec = { ...job.spec, completions: 1, parallelism: 1 };
      await admin.resource<CronJob>('cronjobs').create(cj);
      const at = await seen;
      clearTimeout(timer);
      w.stop();
      lat.push(at - boundary);
      await admin.resource<CronJob>('cronjobs').delete(name, NS, { propagationPolicy: 'Background' });
    }
    const sorted = [...lat].sort((a, b) => a - b);
    rows.push({ metric: 'CronJob scheduled time → pod created, p50', unit: 'ms', orch: percentile(sorted, 50), direction: 'lower', note: `${samples} samples; min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms` });
    rows.push({ metric: 'CronJob scheduled time → pod created, p99', unit: 'ms', orch: percentile(sorted, 99), target: 1000, direction: 'lower', note: `load after: ${load()}` });
    ctx.say(renderTable('jobs', rows));
    return 0;
  },
};
