// `npm run bench -- hpa [--runs N] [--baseline-runs N]`: how fast the autoscaler reacts to
// load. One node, real Docker, an in-process apiserver (metrics.k8s.io scraped every 5 s,
// orch's default), agent (cgroup samples every 5 s, its default) and controller manager
// (deployment, replicaset, horizontalpodautoscaling). Each run: a Deployment of 1 busybox
// loop (request 100m, limit 200m) that spins while a file exists on a hostPath volume, an
// autoscaler min 1 / max 3 at 50% cpu; once the autoscaler has measured the idle pod, the
// file is created (load starts, t0) and the bench times
//   - t0 → the first scale-up decision (the Deployment's spec.replicas leaves 1),
//   - t0 → the new pods Running (every pod of the Deployment Running, replicas > 1).
// Then the load stops and everything is deleted. p50 over the runs; orch's default sync
// period (5 s) against Kubernetes' (15 s) as the baseline, same pipeline, same session.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Agent } from '../agent/agent.js';
import { DockerRuntime } from '../agent/runtime/docker-runtime.js';
import type { HorizontalPodAutoscaler } from '../api/hpa-types.js';
import type { Deployment } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { ControllerManager } from '../controller/manager.js';
import { createLogger } from '../foundation/logger.js';
import { tokenAuthenticator } from '../foundation/token-auth.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import { median } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function run(ctx: BenchContext): Promise<number> {
  const runs = Number(argValue(ctx.args, '--runs') ?? 5);
  const baselineRuns = Number(argValue(ctx.args, '--baseline-runs') ?? 3);
  const id = crypto.randomBytes(3).toString('hex');
  const node = `bench-hpa-${id}`;
  const ns = `bench-hpa-${id}`;
  const agentToken = crypto.randomBytes(12).toString('hex');
  const loadDir = path.join(ctx.workDir, 'load');
  fs.mkdirSync(loadDir);
  const logger = createLogger('bench-hpa', process.env.ORCH_BENCH_LOG ?? 'silent');
  const api = await startTestApiServer({ nodeNames: [node], tls: true, server: { agentClient: { token: agentToken, insecureHttp: true } } });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
  const agent = new Agent({
    nodeName: node,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[node], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(ctx.workDir, 'agent'),
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: agentToken, user: 'apiserver', uid: '', groups: [] }]),
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    allowedHostPaths: [ctx.workDir],
  });
  await agent.start();
  ctx.cleanup.add('agent', async () => {
    await agent.stop();
  });
  await agent.waitForSync();

  const oneRun = async (label: string, i: number): Promise<{ decisionMs: number; runningMs: number }> => {
    const name = `${label}-${i}`;
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            nodeName: node,
            terminationGracePeriodSeconds: 1,
            volumes: [{ name: 'load', hostPath: { path: loadDir } }],
            containers: [{ name: 'burn', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'while :; do if [ -f /load/on ]; then :; else sleep 1; fi; done'], volumeMounts: [{ name: 'load', mountPath: '/load' }], resources: { requests: { cpu: '100m' }, limits: { cpu: '200m' } } }],
          },
        },
      },
    } as Deployment;
    await admin.deployments.create(dep);
    const hpas = admin.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    await hpas.create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: ns },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    });
    const pods = async () => (await admin.pods.list({ namespace: ns, labelSelector: `app=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
    await until('the idle pod measured', async () => (await hpas.get(name, ns)).status?.currentMetrics?.[0]?.resource?.current.averageUtilization !== undefined, 120_000);
    fs.writeFileSync(path.join(loadDir, 'on'), '');
    const t0 = performance.now();
    await until('a scale-up decision', async () => ((await admin.deployments.get(name, ns)).spec.replicas ?? 1) > 1, 180_000);
    const decisionMs = performance.now() - t0;
    await until('the new pods Running', async () => {
      const want = (await admin.deployments.get(name, ns)).spec.replicas ?? 1;
      const ps = await pods();
      return ps.length === want && ps.every((p) => p.status?.phase === 'Running');
    }, 180_000);
    const runningMs = performance.now() - t0;
    ctx.say(`  ${label} run ${i + 1}: decision ${(decisionMs / 1000).toFixed(1)} s, pods Running ${(runningMs / 1000).toFixed(1)} s (load average ${loadavg()})`);
    fs.rmSync(path.join(loadDir, 'on'));
    await hpas.delete(name, ns);
    await admin.deployments.delete(name, ns);
    for (const rs of (await admin.replicasets.list({ namespace: ns, labelSelector: `app=${name}` })).items) await admin.replicasets.delete(rs.metadata.name!, ns).catch(() => undefined);
    for (const p of await pods()) await admin.pods.delete(p.metadata.name!, ns).catch(() => undefined);
    await until('the run\'s pods gone', async () => (await admin.pods.list({ namespace: ns, labelSelector: `app=${name}` })).items.length === 0, 120_000);
    return { decisionMs, runningMs };
  };

  const phase = async (label: string, syncPeriodMs: number, n: number) => {
    const manager = new ControllerManager({ client: admin, logger, controllers: ['deployment', 'replicaset', 'horizontalpodautoscaling'], hpa: { syncPeriodMs } });
    await manager.start();
    const out: { decisionMs: number; runningMs: number }[] = [];
    try {
      for (let i = 0; i < n; i++) out.push(await oneRun(label, i));
    } finally {
      await manager.stop();
    }
    return { decision: median(out.map((o) => o.decisionMs)) / 1000, running: median(out.map((o) => o.runningMs)) / 1000 };
  };

  ctx.say(`hpa: ${runs} runs with orch's sync period (5 s), ${baselineRuns} with Kubernetes' (15 s); metrics scraped every 5 s, sampled every 5 s; load average ${loadavg()}`);
  const orch = await phase('orch', 5000, runs);
  const kube = baselineRuns > 0 ? await phase('kube-sync', 15_000, baselineRuns) : undefined;
  const note = `p50 of ${runs} runs; baseline: the same runs with Kubernetes' 15 s sync period (${baselineRuns} runs; Kubernetes also waits up to 60 s for metrics-server's resolution); load average at the end ${loadavg()}`;
  const rows: ResultRow[] = [
    { metric: 'load starts → first scale-up decision (p50)', unit: 's', orch: orch.decision, baseline: kube?.decision, target: 20, direction: 'lower', note },
    { metric: 'load starts → new pods Running (p50)', unit: 's', orch: orch.running, baseline: kube?.running, target: 20, direction: 'lower' },
  ];
  ctx.say('');
  ctx.say(renderTable('horizontal pod autoscaler: reaction to load (local Docker engine)', rows));
  admin.close();
  return 0;
}

export const bench: Bench = {
  description: 'load starts → first scale-up decision and → new pods Running, p50 over 5 runs (orch 5 s sync vs Kubernetes 15 s)',
  run,
};
