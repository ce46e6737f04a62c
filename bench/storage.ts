// `npm run bench -- storage`: claim created → bound → mounted (its pod's container
// running on the volume) latency, p50 and p99, beside a pod without a claim in the same
// run (interleaved, so both see the same machine load). Each round creates a claim of the
// default class (local-path, WaitForFirstConsumer) and a pod using it, then a pod with no
// claim; times are from the claim's create to the claim's Bound phase and to the pod's
// Running phase as the API reports them (polled every 10 ms). The apiserver (+ etcd), the
// scheduler and the controller manager run in this process; the agent is its own process.
// Options: --runs N (default 20).

import crypto from 'node:crypto';
import type { PersistentVolumeClaim } from '../api/storage/types.js';
import type { Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { ControllerManager } from '../controller/manager.js';
import { silentLogger } from '../foundation/logger.js';
import { runScheduler } from '../scheduler/run.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { IMAGE, requireImage, startAgentProcess } from './lib/docker.js';
import { summarize } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function run(ctx: BenchContext): Promise<number> {
  const i = ctx.args.indexOf('--runs');
  const RUNS = i >= 0 ? Number(ctx.args[i + 1]) : 20;
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a whole number');
  await requireImage();
  const node = `bench-storage-${crypto.randomBytes(3).toString('hex')}`;
  const api = await startTestApiServer({ nodeNames: [node] });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, extraArgs: ['--network-backend', 'none'] });
  const stopScheduler = new AbortController();
  const scheduler = runScheduler({ client: admin, logger: silentLogger() }, stopScheduler.signal);
  ctx.cleanup.add('scheduler', async () => {
    stopScheduler.abort();
    await scheduler.catch(() => undefined);
  });
  const manager = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['persistentvolume-binder', 'pvc-protection', 'pv-protection'] });
  await manager.start();
  ctx.cleanup.add('controller manager', () => manager.stop());
  await until('default class', () => admin.resource('storageclasses').get('local-path').catch(() => undefined));

  const claims = admin.resource<PersistentVolumeClaim>('persistentvolumeclaims');
  const pod = (name: string, claim?: string): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      terminationGracePeriodSeconds: 0,
      ...(claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] } : {}),
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ...(claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}) }],
    },
  });
  const runningMs = (name: string, t0: number) => until(`pod ${name} running`, async () => ((await admin.pods.get(name, 'default')).status?.phase === 'Running' ? performance.now() - t0 : undefined));

  const bound: number[] = [];
  const mounted: number[] = [];
  const plain: number[] = [];
  for (let k = -1; k < RUNS; k++) {
    // Round -1 warms up (image lookup, first provisioning); it is not counted.
    const t0 = performance.now();
    await claims.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `c${k + 1}`, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } });
    await admin.pods.create(pod(`with-${k + 1}`, `c${k + 1}`));
    const b = until(`claim c${k + 1} bound`, async () => ((await claims.get(`c${k + 1}`, 'default')).status?.phase === 'Bound' ? performance.now() - t0 : undefined));
    const m = runningMs(`with-${k + 1}`, t0);
    const [bt, mt] = await Promise.all([b, m]);
    const t1 = performance.now();
    await admin.pods.create(pod(`plain-${k + 1}`));
    const pt = await runningMs(`plain-${k + 1}`, t1);
    if (k >= 0) {
      bound.push(bt);
      mounted.push(mt);
      plain.push(pt);
    }
  }
  const [bs, ms, ps] = [summarize(bound), summarize(mounted), summarize(plain)];
  ctx.say(`claim created → Bound, ${RUNS} runs: p50 ${bs.p50.toFixed(0)} ms, p99 ${bs.p99.toFixed(0)} ms`);
  ctx.say(`claim created → pod Running on it (mounted), ${RUNS} runs: p50 ${ms.p50.toFixed(0)} ms, p99 ${ms.p99.toFixed(0)} ms`);
  ctx.say(`pod without claim created → Running, ${RUNS} runs: p50 ${ps.p50.toFixed(0)} ms, p99 ${ps.p99.toFixed(0)} ms`);
  const rows: ResultRow[] = [
    { metric: 'claim → bound p50', unit: 'ms', orch: bs.p50, direction: 'lower' },
    { metric: 'claim → bound p99', unit: 'ms', orch: bs.p99, direction: 'lower' },
    { metric: 'claim → mounted (running) p50', unit: 'ms', orch: ms.p50, baseline: ps.p50, direction: 'lower', note: 'baseline: a pod without a claim' },
    { metric: 'claim → mounted (running) p99', unit: 'ms', orch: ms.p99, baseline: ps.p99, direction: 'lower' },
  ];
  ctx.say(renderTable('local-path claim latency vs a pod without a claim (interleaved)', rows));
  return 0;
}

export const bench: Bench = { description: 'claim created → bound → mounted latency p50/p99 vs a pod without a claim', run };
