// `npm run bench -- controller`: the controller manager with real parts around it.
//  1. Start-up: a Deployment of 30 replicas (one node, real agent, real scheduler) from
//     create to 30 available, beside 30 parallel `docker run -d` of the same image
//     (baseline). Target ratio ≤ 2 (orch adds API writes, scheduling and status reports).
//  2. Rolling update of those 30 replicas (env change) until `kubectl rollout status`
//     would report success.
//  3. Failover: a second node; a Deployment of 10 spread over both; the agent holding
//     pods is stopped; time until all 10 are Ready on the other node, with the default
//     --node-monitor-grace-period 8s and --pod-eviction-timeout 4s. Target ≤ 20 s
//     (Kubernetes' defaults need about 6 minutes, Swarm about 20 s).
//  4. Memory: controller manager RSS with 10,000 pods (100 ReplicaSets × 100, no nodes).
//     Target < 150 MB.
// The apiserver (+ etcd), the scheduler and the agents run in this process; the
// controller manager is its own OS process (`orch controller-manager`), so its RSS is its
// own. Options: --quick (10 replicas, 1,000 pods), --skip-failover.

import { spawn, type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import { Agent } from '../agent/agent.js';
import { DockerRuntime } from '../agent/runtime/docker-runtime.js';
import { silentLogger } from '../foundation/logger.js';
import { ApiClient } from '../client/rest-client.js';
import { runScheduler } from '../scheduler/run.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { cliEntry } from './lib/apiserver-process.js';
import { runPool } from './lib/concurrency.js';
import { MB, RssSampler } from './lib/rss.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';

const run = promisify(execFile);
const IMAGE = 'orch.local/busybox:latest';
const NODE_A = 'bench-cm-a';
const NODE_B = 'bench-cm-b';

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

function deploymentOf(name: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], env: [{ name: 'VERSION', value: '1' }] }],
        },
      },
    },
  };
}

function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const r = d.spec.replicas ?? 1;
  return (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) && (s.updatedReplicas ?? 0) >= r && (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0);
}

async function removeContainers(filter: string): Promise<void> {
  const { stdout } = await run('docker', ['ps', '-aq', '--filter', filter]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length) await run('docker', ['rm', '-f', ...ids]);
}

export const bench: Bench = {
  description: 'Deployment of 30 to available vs docker run, rolling update, node failover, controller-manager RSS at 10,000 pods',
  async run(ctx: BenchContext): Promise<number> {
    const quick = ctx.args.includes('--quick');
    const replicas = quick ? 10 : 30;
    const rssPods = quick ? 1000 : 10_000;
    const rows: ResultRow[] = [];
    await run('docker', ['image', 'inspect', IMAGE]);

    const api = await startTestApiServer({ nodeNames: [NODE_A, NODE_B] });
    ctx.cleanup.add('apiserver', () => api.stop());
    const admin = new ApiClient({ server: api.url, token: api.token });
    const tokenFile = path.join(ctx.workDir, 'token');
    fs.writeFileSync(tokenFile, api.token);

    const agents = new Map<string, Agent>();
    const startAgent = async (nodeName: string) => {
      const agent = new Agent({
        podInfraContainerImage: TEST_PAUSE_IMAGE,
        nodeName,
        client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }),
        runtime: new DockerRuntime({ logger: silentLogger() }),
        logger: silentLogger(),
        nodeIP: '127.0.0.1',
        rootDir: path.join(ctx.workDir, nodeName),
        logPort: 0,
        logHost: '127.0.0.1',
        logInsecure: true,
      });
      await agent.start();
      agents.set(nodeName, agent);
      ctx.cleanup.add(`agent ${nodeName}`, async () => {
        await agent.stop().catch(() => undefined);
        await removeContainers(`label=orch.io/node=${nodeName}`);
      });
    };
    await startAgent(NODE_A);
    const schedStop = new AbortController();
    const sched = runScheduler({ client: admin, logger: silentLogger() }, schedStop.signal);
    ctx.cleanup.add('scheduler', async () => {
      schedStop.abort();
      await sched.catch(() => undefined);
    });

    const logFile = fs.openSync(path.join(ctx.workDir, 'controller-manager.log'), 'w');
    const cm: ChildProcess = spawn(process.execPath, [cliEntry(), 'controller-manager', '--server', api.url, '--token-file', tokenFile, '--port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', logFile, logFile],
    });
    ctx.cleanup.add('controller-manager', async () => {
      if (cm.exitCode === null && cm.signalCode === null) {
        cm.kill('SIGTERM');
        await new Promise((r) => cm.once('exit', r));
      }
    });

    // 1. Start-up vs docker run
    ctx.say(`1. Deployment of ${replicas} → available`);
    const t0 = performance.now();
    await admin.deployments.create(deploymentOf('startup', replicas));
    await poll('deployment available', async () => ((await admin.deployments.get('startup', 'default')).status?.availableReplicas ?? 0) >= replicas, 180_000);
    const startupMs = performance.now() - t0;
    const b0 = performance.now();
    await Promise.all(Array.from({ length: replicas }, (_v, i) => run('docker', ['run', '-d', '--label', 'orch-bench=controller-baseline', '--name', `orch-bench-cm-${i}-${process.pid}`, IMAGE, 'sleep', '3600'])));
    const baselineMs = performance.now() - b0;
    await removeContainers('label=orch-bench=controller-baseline');
    rows.push({ metric: `Deployment of ${replicas}: create → ${replicas} available`, unit: 's', orch: startupMs / 1000, baseline: baselineMs / 1000, direction: 'lower', note: `baseline: ${replicas} parallel docker run -d` });

    // 2. Rolling update
    ctx.say(`2. rolling update of ${replicas}`);
    const d = await admin.deployments.get('startup', 'default');
    d.spec.template.spec.containers[0]!.env = [{ name: 'VERSION', value: '2' }];
    const r0 = performance.now();
    await admin.deployments.update(d);
    await poll('rolled out', async () => rolledOut(await admin.deployments.get('startup', 'default')), 300_000);
    rows.push({ metric: `rolling update of ${replicas} (25% surge / 25% unavailable)`, unit: 's', orch: (performance.now() - r0) / 1000, direction: 'lower' });
    await admin.deployments.delete('startup', 'default');
    await poll('startup pods gone', async () => (await admin.pods.list({ namespace: 'default', labelSelector: 'app=startup' })).items.length === 0, 120_000);

    // 3. Failover
    if (!ctx.args.includes('--skip-failover')) {
      ctx.say('3. node failover with default grace (8 s) and eviction timeout (4 s)');
      await startAgent(NODE_B);
      await admin.deployments.create(deploymentOf('spread', 10));
      await poll('spread available', async () => rolledOut(await admin.deployments.get('spread', 'default')), 180_000);
      const pods = (await admin.pods.list({ namespace: 'default', labelSelector: 'app=spread' })).items;
      const victim = pods.some((p) => p.spec.nodeName === NODE_A) ? NODE_A : NODE_B;
      const other = victim === NODE_A ? NODE_B : NODE_A;
      const f0 = performance.now();
      await agents.get(victim)!.stop();
      await poll(
        'all pods Ready on the surviving node',
        async () => {
          const ps = (await admin.pods.list({ namespace: 'default', labelSelector: 'app=spread' })).items.filter((p: Pod) => !p.metadata.deletionTimestamp);
          return ps.length === 10 && ps.every((p) => p.spec.nodeName === other && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        },
        180_000,
        200,
      );
      rows.push({ metric: 'agent stopped → all its pods Ready elsewhere', unit: 's', orch: (performance.now() - f0) / 1000, target: 20, direction: 'lower', note: 'Kubernetes defaults ≈ 6 min, Swarm ≈ 20 s' });
    }
    // No more containers: the memory test must not start 10,000 of them.
    schedStop.abort();
    await sched.catch(() => undefined);
    for (const [name, a] of agents) {
      await a.stop().catch(() => undefined);
      await removeContainers(`label=orch.io/node=${name}`);
    }

    // 4. RSS at N pods
    ctx.say(`4. controller-manager RSS with ${rssPods} pods`);
    const ns = 'bench-cm-rss';
    await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const perRs = 100;
    const rsCount = rssPods / perRs;
    const rss: ReplicaSet[] = [];
    for (let i = 0; i < rsCount; i++) {
      rss.push(
        await admin.replicasets.create({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: `rs-${i}`, namespace: ns },
          spec: { replicas: 0, selector: { matchLabels: { rs: `rs-${i}` } }, template: { metadata: { labels: { rs: `rs-${i}` } }, spec: { containers: [{ name: 'c', image: IMAGE }] } } },
        } as ReplicaSet),
      );
    }
    // Pods are written directly (owned by their ReplicaSet), then the ReplicaSets are
    // scaled to match: the manager caches all of them without creating any.
    const res = await runPool({ concurrency: 32, total: rssPods, maxMs: 600_000 }, async (i) => {
      const owner = rss[i % rsCount]!;
      await admin.pods.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `p-${i}`,
          namespace: ns,
          labels: { rs: owner.metadata.name! },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        spec: { containers: [{ name: 'c', image: IMAGE }] },
      } as Pod);
    });
    if (res.errors) throw new Error(`creating pods: ${res.errors} errors, first: ${String(res.firstError)}`);
    for (const owner of rss) await admin.replicasets.patch(owner.metadata.name!, ns, { spec: { replicas: perRs } }, 'merge');
    await poll('ReplicaSet statuses observed', async () => (await admin.replicasets.list({ namespace: ns })).items.every((x) => x.status?.replicas === perRs), 300_000, 500);
    const sampler = new RssSampler(cm.pid!, 200).start();
    await new Promise((r) => setTimeout(r, 5000));
    const mem = sampler.stop();
    const created = (await admin.pods.list({ namespace: ns })).items.length;
    rows.push({ metric: `controller-manager RSS, ${rssPods} pods cached`, unit: 'MB', orch: mem.max / MB, target: 150, direction: 'lower', note: `pods in namespace after settling: ${created} (must equal ${rssPods}: no extra creates)` });

    ctx.say(renderTable('controller manager', rows));
    return 0;
  },
};
