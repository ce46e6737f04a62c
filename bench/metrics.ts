// `npm run bench -- metrics [--pods N] [--seconds S] [--skip-agent]`: what resource metrics
// cost, in one run:
//  1. agent CPU for collecting N (100) containers: the agent as its own process with N
//     busybox pods, first with --metrics-interval 0 (the baseline), then a fresh agent
//     (adopting the same containers) sampling every 5 s and scraped by the apiserver every
//     5 s; utime+stime from /proc/<pid>/stat over S s after 10 s of warm-up;
//  2. GET /apis/metrics.k8s.io/v1beta1/pods with 10,000 pods (hollow figures fed into the
//     apiserver's store: 100 nodes × 100 pods), p50 of 20 after 3 warm-ups — vs a bare
//     node:http server sending the same bytes, pre-serialized (the floor);
//  3. `orch top pods -A` with 1,000 pods (the built CLI, HTTPS), p50 of 5 — vs
//     `kubectl top pods -A` on the same data.

import crypto from 'node:crypto';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { NodeSummary } from '../api/metrics-types.js';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { cliClients } from '../test/helpers/kubectl.js';
import { IMAGE, requireImage, startAgentProcess, stopProcess } from './lib/docker.js';
import { cpuSeconds } from './probes.js';
import { median } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function hollowSummary(node: string, pods: number, nsCount: number): NodeSummary {
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const stats = (i: number) => ({ cpu: { time, usageNanoCores: 1_000_000 * (i % 900) + 12345, usageCoreNanoSeconds: 1e12 }, memory: { time, workingSetBytes: (20 + (i % 200)) * 1024 * 1024, usageBytes: 1e9 } });
  return {
    node: { nodeName: node, ...stats(7) },
    windowSeconds: 5,
    pods: Array.from({ length: pods }, (_, i) => ({
      podRef: { name: `${node}-pod-${i}`, namespace: `ns-${i % nsCount}`, uid: crypto.randomUUID() },
      labels: { app: `app-${i % 20}`, 'pod-template-hash': '5d8f7c6b9' },
      containers: [{ name: 'main', ...stats(i) }],
    })),
  };
}

async function agentCpu(ctx: BenchContext, N: number, seconds: number): Promise<ResultRow[]> {
  await requireImage();
  const runId = crypto.randomBytes(3).toString('hex');
  const node = `metrics-${runId}`;
  const agentToken = crypto.randomBytes(12).toString('hex');
  const api = await startTestApiServer({ nodeNames: [node], server: { agentClient: { token: agentToken, insecureHttp: true }, metricResolutionMs: 5000 } });
  ctx.cleanup.add('apiserver (agent part)', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  const tokenFile = path.join(ctx.workDir, 'agent-endpoint-tokens');
  fs.writeFileSync(tokenFile, `${agentToken},apiserver,apiserver,""\n`);
  const hz = 100;
  const measure = async (pid: number) => {
    const c0 = cpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), hz);
    const w0 = performance.now();
    await sleep(seconds * 1000);
    const c1 = cpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), hz);
    const wall = (performance.now() - w0) / 1000;
    return ((c1.user - c0.user + c1.system - c0.system) / wall) * 100;
  };
  const start = (interval: string, logName: string) =>
    startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, logName, extraArgs: ['--network-backend', 'none', '--metrics-interval', interval, '--log-server-token-file', tokenFile] });

  const off = await start('0', 'agent-off.log');
  for (let i = 0; i < N; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, N - i) }, (_, j) =>
        admin.pods.create({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `m-${i + j}`, namespace: 'default', labels: { app: 'm' } },
          spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '36000'] }] },
        }),
      ),
    );
  }
  const running = async () => (await admin.pods.list({ namespace: 'default' })).items.filter((p) => p.status?.phase === 'Running').length;
  const deadline = Date.now() + 600_000;
  while ((await running()) < N) {
    if (Date.now() > deadline) throw new Error(`${N} pods not Running within 10 minutes`);
    await sleep(1000);
  }
  ctx.say(`${N} pods Running; agent without metrics: warming up 10 s`);
  await sleep(10_000);
  const cpuOff = await measure(off.pid!);
  ctx.say(`agent CPU without metrics: ${cpuOff.toFixed(2)} % of a core over ${seconds} s; load average ${load()}`);
  await stopProcess(off);

  const on = await start('5s', 'agent-on.log');
  await sleep(15_000);
  const scraped = await admin.request('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods').then(
    (l) => (l as { items: unknown[] }).items.length,
    () => 0,
  );
  ctx.say(`agent with metrics every 5 s: ${scraped} PodMetrics served after warm-up`);
  const cpuOn = await measure(on.pid!);
  ctx.say(`agent CPU with metrics: ${cpuOn.toFixed(2)} % of a core over ${seconds} s; load average ${load()}`);
  await stopProcess(on);
  admin.close();
  if (scraped < N) throw new Error(`only ${scraped} of ${N} pods had metrics: the measurement would not be of collecting ${N}`);
  return [
    {
      metric: `agent CPU, ${N} pods, metrics sampled every 5 s and scraped every 5 s`,
      unit: '% core',
      orch: cpuOn,
      baseline: cpuOff,
      direction: 'lower',
      note: `baseline: the same ${N} pods, agent with --metrics-interval 0, same run; utime+stime from /proc/<pid>/stat over ${seconds} s after warm-up`,
    },
    { metric: 'cost of collecting (on − off)', unit: '% core', orch: cpuOn - cpuOff, target: 2, direction: 'lower' },
  ];
}

async function apiParts(ctx: BenchContext): Promise<ResultRow[]> {
  const api = await startTestApiServer({ tls: true, server: { metricResolutionMs: 3_600_000 } });
  ctx.cleanup.add('apiserver (API part)', () => api.stop());
  const store = api.api.resourceMetrics!;
  const client = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  // Hollow Nodes (no agent endpoint: the one scrape at start fails and keeps the fed figures).
  for (let n = 0; n < 100; n++) await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: `hollow-${n}` }, spec: {} });
  for (let n = 0; n < 10; n++) await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: `top-${n}` }, spec: {} });
  await api.api.metricsScraper!.nodesSynced;
  await sleep(500);
  for (let n = 0; n < 100; n++) store.ingest(`hollow-${n}`, hollowSummary(`hollow-${n}`, 100, 50));
  const time = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const getAll = () => client.request('GET', '/apis/metrics.k8s.io/v1beta1/pods');
  const first = (await getAll()) as { items: unknown[] };
  if (first.items.length !== 10_000) throw new Error(`expected 10,000 PodMetrics, got ${first.items.length}`);
  for (let i = 0; i < 3; i++) await getAll();
  const orchMs: number[] = [];
  for (let i = 0; i < 20; i++) orchMs.push(await time(getAll));
  const bytes = Buffer.from(JSON.stringify(first));
  const bare = http.createServer((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end(bytes));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  ctx.cleanup.add('bare server', () => new Promise<void>((r) => bare.close(() => r())));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const bareMs: number[] = [];
  for (let i = 0; i < 23; i++) {
    const ms = await time(async () => JSON.parse(await (await fetch(bareUrl)).text()));
    if (i >= 3) bareMs.push(ms);
  }
  ctx.say(`GET PodMetrics of 10,000 pods (${(bytes.length / 1e6).toFixed(1)} MB): p50 ${median(orchMs).toFixed(1)} ms, bare server ${median(bareMs).toFixed(1)} ms; load average ${load()}`);

  // orch top pods -A with 1,000 pods: a store of 10 nodes × 100 pods.
  for (let n = 0; n < 100; n++) store.forget(`hollow-${n}`);
  for (let n = 0; n < 10; n++) store.ingest(`top-${n}`, hollowSummary(`top-${n}`, 100, 10));
  const clients = cliClients(api, ctx.workDir);
  const run = async (tool: 'orch' | 'kubectl') => {
    const t0 = performance.now();
    const r = await (tool === 'orch' ? clients.orch(['top', 'pods', '-A']) : clients.kubectl(['top', 'pods', '-A']));
    const ms = performance.now() - t0;
    if (r.code !== 0 || r.stdout.split('\n').length < 1001) throw new Error(`${tool} top pods -A failed (${r.code}): ${r.stderr.slice(0, 300)}`);
    return ms;
  };
  await run('orch');
  await run('kubectl');
  const topMs: number[] = [];
  const kubectlMs: number[] = [];
  const startMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    topMs.push(await run('orch'));
    kubectlMs.push(await run('kubectl'));
    const t0 = performance.now();
    await clients.orch(['--version']);
    startMs.push(performance.now() - t0);
  }
  ctx.say(`orch top pods -A, 1,000 pods: p50 ${median(topMs).toFixed(0)} ms, kubectl top pods -A ${median(kubectlMs).toFixed(0)} ms, orch --version ${median(startMs).toFixed(0)} ms; load average ${load()}`);
  client.close();
  return [
    { metric: 'GET PodMetrics, 10,000 pods (all namespaces)', unit: 'ms', orch: median(orchMs), baseline: median(bareMs), target: 200, direction: 'lower', note: 'p50 of 20 over HTTPS with the admin token; baseline: the same bytes from a bare node:http server (no auth, no TLS), parsed the same way' },
    { metric: '`orch top pods -A`, 1,000 pods', unit: 'ms', orch: median(topMs), baseline: median(kubectlMs), target: 1000, direction: 'lower', note: 'p50 of 5, whole process (start, TLS, GET, print); baseline: kubectl top pods -A on the same data' },
    { metric: '`orch --version` (the CLI starting, for scale)', unit: 'ms', orch: median(startMs), direction: 'lower', note: 'p50 of 5: what every orch command pays before its first request' },
  ];
}

async function run(ctx: BenchContext): Promise<number> {
  const N = Number(argValue(ctx.args, '--pods') ?? 100);
  const seconds = Number(argValue(ctx.args, '--seconds') ?? 30);
  const rows = [...(await apiParts(ctx)), ...(ctx.args.includes('--skip-agent') ? [] : await agentCpu(ctx, N, seconds))];
  ctx.say('');
  ctx.say(renderTable('resource metrics (metrics.k8s.io, orch top)', rows));
  return 0;
}

export const bench: Bench = {
  description: 'agent CPU collecting 100 containers (vs metrics off), GET PodMetrics of 10,000 pods, orch top pods -A with 1,000 pods (vs kubectl top)',
  run,
};
