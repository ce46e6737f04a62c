// `npm run bench -- agent`: the node agent against the local Docker engine.
//  1. Start-up: 30 pods bound to the node until their 30 containers run, beside 30
//     parallel `docker run -d` of the same image and command (baseline). Both are timed to
//     the 30th container `start` event of Docker's event stream. Target ratio ≤ 1.2.
//  2. Self-healing: `kill` (Docker API) of a managed container until the replacement's
//     `start` event, 20 times. Target median < 500 ms.
//  3. Memory: agent RSS once 100 pods run and a few resyncs passed. Target < 80 MB.
// The apiserver (+ etcd) runs in this process; the agent is its own OS process
// (dist-bench/agent/main.js), so its RSS is its own. Options: --quick (10 pods / 5 kills / 30 pods).

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import type { Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { dockerApi, IMAGE, removeLabelled, requireImage, startAgentProcess, waitCount, watchStarts, type StartEvent } from './lib/docker.js';
import { median } from './lib/stats.js';
import { MB, readRss } from './lib/rss.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

async function createStart(label: string): Promise<string> {
  const res = await dockerApi('POST', '/containers/create', { Image: IMAGE, Cmd: ['sleep', '3600'], Labels: { [label.split('=')[0]!]: label.split('=')[1]! } });
  const id = (JSON.parse(res.body) as { Id: string }).Id;
  await dockerApi('POST', `/containers/${id}/start`);
  return id;
}

/**
 * The floor for "kill → replacement" on this machine: what Docker alone needs to kill a
 * running container and create + start another one, back to back, through the API (ms).
 */
async function killReplaceMs(label: string, victim: string): Promise<{ ms: number; next: string }> {
  const t0 = performance.now();
  await dockerApi('POST', `/containers/${victim}/kill`);
  const next = await createStart(label);
  return { ms: performance.now() - t0, next };
}

function dockerCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker ${args.join(' ')}: ${err.trim()}`))));
  });
}

function pod(name: string, node: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
  };
}

async function run(ctx: BenchContext): Promise<number> {
  const quick = ctx.args.includes('--quick');
  const N = quick ? 10 : 30;
  const KILLS = quick ? 5 : 20;
  const MANY = quick ? 30 : 100;
  const runId = crypto.randomBytes(3).toString('hex');
  const node = `bench-${runId}`;
  const baseLabel = `orch.bench=${runId}`;

  await requireImage();

  // Baseline: N parallel `docker run -d`.
  ctx.cleanup.add('baseline containers', () => removeLabelled(baseLabel));
  let baseStarts = 0;
  const stopBase = watchStarts(baseLabel, () => baseStarts++);
  await new Promise((r) => setTimeout(r, 200));
  const b0 = performance.now();
  await Promise.all(Array.from({ length: N }, () => dockerCli(['run', '-d', '--label', baseLabel, IMAGE, 'sleep', '3600'])));
  await waitCount('baseline starts', () => baseStarts, N, 60_000);
  const baselineMs = performance.now() - b0;
  stopBase();
  await removeLabelled(baseLabel);
  ctx.say(`baseline: ${N} parallel docker run -d → all running in ${baselineMs.toFixed(0)} ms`);

  // Cluster: apiserver in-process, agent as its own process.
  const api = await startTestApiServer({ nodeNames: [node] });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  const agent: ChildProcess = await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node });

  // 1. N pods → N running containers.
  const starts = new Map<string, StartEvent>();
  const byPod = new Map<string, StartEvent[]>();
  const stopAgentEvents = watchStarts(`orch.io/node=${node}`, (e) => {
    starts.set(e.id, e);
    const key = e.labels['orch.io/pod'] ?? '';
    (byPod.get(key) ?? byPod.set(key, []).get(key)!).push(e);
  });
  await new Promise((r) => setTimeout(r, 200));
  const a0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => admin.pods.create(pod(`p-${i}`, node))));
  await waitCount('agent starts', () => starts.size, N, 120_000);
  const agentMs = performance.now() - a0;
  ctx.say(`orch: ${N} pods bound → all containers running in ${agentMs.toFixed(0)} ms`);

  // 2. kill → replacement.
  const healMs: number[] = [];
  for (let k = 0; k < KILLS; k++) {
    const name = `p-${k % N}`;
    const list = byPod.get(name)!;
    const victim = list[list.length - 1]!;
    const before = list.length;
    const t0 = performance.now();
    await dockerApi('POST', `/containers/${victim.id}/kill`);
    await waitCount(`replacement of ${name}`, () => byPod.get(name)!.length - before, 1, 30_000);
    healMs.push(byPod.get(name)!.at(-1)!.at - t0);
    // Let the agent settle (status write, cleanup) so kills do not overlap.
    await new Promise((r) => setTimeout(r, 300));
  }
  const healMedian = median(healMs);
  // Baseline under the same conditions: Docker alone kills a container and starts another.
  const rawMs: number[] = [];
  let victimId = await createStart(baseLabel);
  for (let k = 0; k < KILLS; k++) {
    const r = await killReplaceMs(baseLabel, victimId);
    rawMs.push(r.ms);
    victimId = r.next;
    await new Promise((res) => setTimeout(res, 300));
  }
  await removeLabelled(baseLabel);
  const rawMedian = median(rawMs);
  ctx.say(`baseline: docker kill + create + start (API), median of ${KILLS}: ${rawMedian.toFixed(0)} ms`);
  ctx.say(`orch: kill → replacement running, median of ${KILLS}: ${healMedian.toFixed(0)} ms (min ${Math.min(...healMs).toFixed(0)}, max ${Math.max(...healMs).toFixed(0)})`);

  // 3. RSS with MANY pods.
  await Promise.all(Array.from({ length: MANY - N }, (_, i) => admin.pods.create(pod(`q-${i}`, node))));
  await waitCount('all pods running', () => byPod.size - (byPod.has('') ? 1 : 0), MANY, 300_000);
  await new Promise((r) => setTimeout(r, 12_000)); // a resync or two with everything running
  const rss = readRss(agent.pid!).rss;
  ctx.say(`orch: agent RSS with ${MANY} pods: ${(rss / MB).toFixed(1)} MB`);
  stopAgentEvents();

  const rows: ResultRow[] = [
    { metric: `${N} pods → running`, unit: 'ms', orch: Math.round(agentMs), baseline: Math.round(baselineMs), target: Math.round(baselineMs * 1.2), direction: 'lower', note: `baseline: ${N} parallel \`docker run -d\`; both timed to the last container start event; target = 1.2 × baseline` },
    { metric: 'docker kill → replacement (median)', unit: 'ms', orch: Math.round(healMedian), baseline: Math.round(rawMedian), target: 500, direction: 'lower', note: `${KILLS} kills via the Docker API, timed to the replacement's start event; baseline: Docker alone (API) kills a container then creates + starts another, back to back: the floor on this machine` },
    { metric: `agent RSS, ${MANY} pods`, unit: 'MB', orch: Number((rss / MB).toFixed(1)), target: 80, direction: 'lower' },
  ];
  ctx.say('');
  ctx.say(renderTable('agent (local Docker engine)', rows));
  return 0;
}

export const bench: Bench = {
  description: '30 pods → running vs 30 docker run -d, docker kill → replacement, agent RSS with 100 pods',
  run,
};
