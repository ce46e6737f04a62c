// `npm run bench -- scheduler`: scheduler throughput like Kubernetes' scheduler_perf.
// Per scenario: a throw-away etcd and the apiserver as separate processes; hollow nodes
// (Node objects, Ready, with allocatable, and heartbeat Leases renewed every 10 s — no
// agents, no containers); N pending pods created first through the real HTTP write path;
// then the scheduler is started as its own process (`orch scheduler`, Scheduled Events
// off: that is an extra write per pod) and a watch counts bindings until all are bound.
// Figures: pods bound per second (from the scheduler's start, and steady state from the
// first to the last binding) and the scheduler's RSS.
// Scenarios: 1,000 nodes / 10,000 pods (target ≥ 1,000 pods/s, RSS < 150 MB) and
// 5,000 nodes / 10,000 pods (Kubernetes' own threshold: 680 pods/s).
// Options: --quick (100 nodes / 1,000 pods), --nodes N --pods M (one custom scenario),
// --no-leases, --direct (start the scheduler without the rest of the CLI's modules),
// --strict (exit 1 when a target is missed), --keep (keep logs).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isAlreadyExists } from '../api/errors.js';
import type { Lease, Node, Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { cliEntry, startApiServerPreferCli } from './lib/apiserver-process.js';
import { runPool } from './lib/concurrency.js';
import { freePort } from '../test/helpers/ports.js';
import { startEtcd } from './lib/etcd.js';
import { MB, RssSampler } from './lib/rss.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const NS = 'bench-sched';
const LEASE_NS = 'kube-node-lease';
const OWNERS = 100; // pods belong to 100 "ReplicaSets", so the spread score has work to do

interface Scenario {
  nodes: number;
  pods: number;
  target?: number;
}

function nodeManifest(name: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'bench.orch.io/hollow': 'true' } },
    spec: {},
  };
}

function nodeStatus(): Node['status'] {
  const res = { cpu: '32', memory: '128Gi', pods: '110' };
  return { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }] };
}

function podManifest(i: number): Pod {
  const owner = i % OWNERS;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${i}`,
      namespace: NS,
      labels: { app: `rs-${owner}` },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${owner}`, uid: `bench-rs-uid-${owner}`, controller: true }],
    },
    spec: { containers: [{ name: 'c', image: 'orch.local/busybox:latest', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(t);
}

/** `node dist/cli/main.js scheduler ...`, or this file run as the scheduler if the CLI does not load. */
function spawnScheduler(url: string, logFile: string, direct: boolean, port: number): ChildProcess {
  const flags = ['--server', url, '--port', String(port), '--bind-address', '127.0.0.1', '--no-scheduled-events', '--log-level', 'warn'];
  const args = direct ? [fileURLToPath(import.meta.url), '--as-scheduler', ...flags] : [cliEntry(), 'scheduler', ...flags];
  // e.g. BENCH_SCHEDULER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the scheduler alone.
  const nodeArgs = (process.env.BENCH_SCHEDULER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

/** The scheduler's /metrics as { 'name{labels}': value } (its own view: cpu, heap, attempts). */
async function scrape(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

async function runScenario(ctx: BenchContext, sc: Scenario, opts: { leases: boolean; direct: boolean }): Promise<ResultRow[]> {
  const { say } = ctx;
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const label = `${sc.nodes} nodes / ${sc.pods} pods`;
  say(`\n== ${label} ==`);
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  ctx.cleanup.add(`scenario ${label}`, stopAll);
  try {
    const etcd = await startEtcd();
    stops.push(() => etcd.stop());
    const api = await startApiServerPreferCli({ etcdEndpoint: etcd.endpoint, workDir: ctx.workDir }, say);
    stops.push(() => api.stop());
    const client = new ApiClient({ server: api.url });
    stops.push(() => client.close());
    for (const ns of [NS, LEASE_NS]) {
      // The apiserver may bootstrap kube-node-lease itself.
      await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
    }

    // Hollow nodes.
    const nodeNames = Array.from({ length: sc.nodes }, (_, i) => `hollow-${String(i).padStart(5, '0')}`);
    const nodesMade = await runPool({ concurrency: 16, total: sc.nodes, maxMs: 600_000 }, async (i) => {
      const name = nodeNames[i]!;
      await client.nodes.create(nodeManifest(name));
      await client.nodes.patchStatus(name, undefined, { status: nodeStatus() }, 'merge');
      if (opts.leases) {
        const now = new Date().toISOString();
        await client.leases.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: LEASE_NS },
          spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: now },
        } as Lease);
      }
    });
    if (nodesMade.errors) throw new Error(`creating nodes: ${nodesMade.errors} errors, first: ${String(nodesMade.firstError)}`);
    say(`[${elapsed()}] ${sc.nodes} hollow nodes created${opts.leases ? ' (with Leases)' : ''} in ${(nodesMade.elapsedMs / 1000).toFixed(1)} s`);

    // Heartbeats: every lease renewed every 10 s, spread over the period, as agents do.
    let renewing = opts.leases;
    let renewals = 0;
    const renewer = (async () => {
      let i = 0;
      const perTick = Math.max(1, Math.ceil(sc.nodes / 100)); // 100 ticks per 10 s
      while (renewing) {
        await new Promise((r) => setTimeout(r, 100));
        const batch = [];
        for (let k = 0; k < perTick && renewing; k++, i++) {
          const name = nodeNames[i % sc.nodes]!;
          batch.push(
            client.leases
              .patch(name, LEASE_NS, { spec: { renewTime: new Date().toISOString() } }, 'merge')
              .then(() => void renewals++, () => undefined),
          );
        }
        await Promise.all(batch);
      }
    })();
    stops.push(async () => {
      renewing = false;
      await renewer;
    });

    // Pending pods, created before the scheduler starts.
    const podsMade = await runPool({ concurrency: 16, total: sc.pods, maxMs: 600_000 }, async (i) => void (await client.pods.create(podManifest(i))));
    if (podsMade.errors) throw new Error(`creating pods: ${podsMade.errors} errors, first: ${String(podsMade.firstError)}`);
    say(`[${elapsed()}] ${sc.pods} pending pods created in ${(podsMade.elapsedMs / 1000).toFixed(1)} s (${((sc.pods * 1000) / podsMade.elapsedMs).toFixed(0)}/s)`);

    // Count bindings on a watch from now on.
    const rv = (await client.pods.list({ namespace: NS, limit: 1 })).metadata.resourceVersion;
    const bound = new Set<string>();
    let firstBindAt = 0;
    let lastBindAt = 0;
    let allBound!: () => void;
    const allBoundP = new Promise<void>((r) => (allBound = r));
    const watch = client.pods.watch({ namespace: NS, resourceVersion: rv });
    stops.push(() => watch.stop());
    void (async () => {
      for await (const ev of watch) {
        const p = ev.object as Pod;
        if ((ev.type === 'MODIFIED' || ev.type === 'ADDED') && p.spec?.nodeName && !bound.has(p.metadata.name!)) {
          const now = performance.now();
          if (bound.size === 0) firstBindAt = now;
          lastBindAt = now;
          bound.add(p.metadata.name!);
          if (bound.size === sc.pods) allBound();
        }
      }
    })().catch(() => undefined);

    const logFile = path.join(ctx.workDir, `scheduler-${sc.nodes}.log`);
    let direct = opts.direct;
    try {
      cliEntry();
    } catch {
      direct = true;
    }
    const metricsPort = await freePort();
    const startAt = performance.now();
    let child = spawnScheduler(api.url, logFile, direct, metricsPort);
    await new Promise((r) => setTimeout(r, 1500));
    if (!direct && child.exitCode !== null) {
      // The CLI may not load while the project is mid-build: run this file as the scheduler.
      say(`WARNING: \`orch scheduler\` exited at start (see ${logFile}); running the scheduler through dist-bench/bench/scheduler.js instead`);
      direct = true;
      child = spawnScheduler(api.url, logFile, true, metricsPort);
    }
    const sched = child;
    stops.push(() => stopChild(sched));
    say(`[${elapsed()}] scheduler started (pid ${sched.pid}, ${direct ? 'dist-bench/bench/scheduler.js' : 'dist/cli/main.js scheduler'}); waiting for ${sc.pods} bindings`);
    const rss = new RssSampler(sched.pid!, 100).start();
    const progress = setInterval(() => say(`    ${bound.size}/${sc.pods} bound`), 5000);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 600_000).unref());
    const died = exited(sched).then(() => 'died' as const);
    const outcome = await Promise.race([allBoundP.then(() => 'ok' as const), timeout, died]);
    clearInterval(progress);
    const mem = rss.stop();
    const own = await scrape(metricsPort).catch(() => undefined);
    if (outcome !== 'ok') {
      ctx.keepWorkDir();
      throw new Error(`scheduler ${outcome === 'died' ? 'exited' : 'timed out'} with ${bound.size}/${sc.pods} pods bound (log: ${logFile})`);
    }
    const total = (lastBindAt - startAt) / 1000;
    const steady = (lastBindAt - firstBindAt) / 1000;
    const fromStart = sc.pods / total;
    const steadyRate = steady > 0 ? (sc.pods - 1) / steady : NaN;
    say(`[${elapsed()}] all ${sc.pods} bound: ${total.toFixed(2)} s after the scheduler started (first binding after ${((firstBindAt - startAt) / 1000).toFixed(2)} s); ${renewals} lease renewals meanwhile`);

    // Placement sanity: every pod on a real node, none over the pod limit.
    const perNode = new Map<string, number>();
    for (const p of (await client.pods.list({ namespace: NS })).items) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
    const counts = [...perNode.values()];
    say(`    pods per node: min ${Math.min(...counts)}, max ${Math.max(...counts)} over ${perNode.size} nodes`);
    const cpu = own?.['process_cpu_seconds_total'];
    const heapUsed = own?.['nodejs_heap_size_used_bytes'];
    if (own) say(`    scheduler's own metrics: ${cpu?.toFixed(1)} s cpu (${(sc.pods / (cpu ?? NaN)).toFixed(0)} pods per cpu-second), heap used ${((heapUsed ?? NaN) / MB).toFixed(0)} MB, attempts scheduled ${own['scheduler_schedule_attempts_total{result="scheduled"}']}, errors ${own['scheduler_schedule_attempts_total{result="error"}']}`);

    return [
      {
        metric: `pods bound/s, ${label}`,
        unit: '/s',
        orch: fromStart,
        target: sc.target,
        direction: 'higher',
        note: `${sc.pods} pods in ${total.toFixed(2)} s from the scheduler's process start (incl. startup and cache sync: first binding after ${((firstBindAt - startAt) / 1000).toFixed(2)} s); steady state ${steadyRate.toFixed(0)}/s`,
      },
      {
        metric: `scheduler RSS, ${label}`,
        unit: 'MB',
        orch: mem.max / MB,
        target: 150,
        direction: 'lower',
        note: `max of ${mem.samples} samples during the run; VmHWM ${(mem.hwm / MB).toFixed(0)} MB; started via ${direct ? 'dist-bench/bench/scheduler.js (scheduler modules only)' : 'dist/cli/main.js scheduler (loads only the scheduler\'s modules)'}`,
      },
    ];
  } finally {
    await stopAll();
  }
}

function argValue(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
}

async function run(ctx: BenchContext): Promise<number> {
  const { args, say } = ctx;
  if (args.includes('--keep')) ctx.keepWorkDir();
  const nodes = argValue(args, '--nodes');
  const pods = argValue(args, '--pods');
  const scenarios: Scenario[] =
    nodes || pods
      ? [{ nodes: nodes ?? 1000, pods: pods ?? 10_000 }]
      : args.includes('--quick')
        ? [{ nodes: 100, pods: 1000 }]
        : [
            { nodes: 1000, pods: 10_000, target: 1000 },
            { nodes: 5000, pods: 10_000, target: 680 },
          ];
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  say(`scheduler bench; ${os.cpus().length} cpus, load average ${load()}`);
  const rows: ResultRow[] = [];
  for (const sc of scenarios) rows.push(...(await runScenario(ctx, sc, { leases: !args.includes('--no-leases'), direct: args.includes('--direct') })));
  say('');
  say(renderTable(`scheduler bench — ${new Date().toISOString()}, load average now ${load()}`, rows));
  return args.includes('--strict') && rows.some((r) => verdict(r) === 'FAIL') ? 1 : 0;
}

export const bench: Bench = {
  description: 'pods bound/s and scheduler RSS with 1,000 and 5,000 hollow nodes, 10,000 pending pods',
  run,
};

// Fallback entry: `node dist-bench/bench/scheduler.js --as-scheduler --server URL ...` runs the
// scheduler command directly when dist/cli/main.js cannot load.
if ((process.argv[1] ?? '').endsWith(`${path.sep}bench${path.sep}scheduler.js`) && process.argv[2] === '--as-scheduler') {
  const { schedulerCommand } = await import('../scheduler/command.js');
  await schedulerCommand().parseAsync(['node', 'scheduler', ...process.argv.slice(3)]);
}
