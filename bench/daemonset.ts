// `npm run bench -- daemonset`: a DaemonSet on 1,000 hollow nodes (Node objects, Ready,
// with allocatable; no agents, no containers). A throw-away etcd, the apiserver, and the
// scheduler and controller manager (`--controllers daemonset`) as their own processes;
// the DaemonSet is created and a watch times every pod's creation and binding.
// Figures: DaemonSet created → all 1,000 pods created, and → all bound (target < 30 s),
// and the baseline of the same run: the same 1,000 pinned pods created by this client
// directly (16 at a time) and bound by the same scheduler.
// Options: --nodes N (default 1000), --keep (keep logs).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DaemonSet } from '../api/daemonset-types.js';
import { isAlreadyExists } from '../api/errors.js';
import type { Node, Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { cliEntry, startApiServerPreferCli } from './lib/apiserver-process.js';
import { runPool } from './lib/concurrency.js';
import { startEtcd } from './lib/etcd.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const NS = 'bench-ds';

function nodeStatus(): Node['status'] {
  const res = { cpu: '32', memory: '128Gi', pods: '110' };
  return { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }] };
}

function spawnProcess(ctx: BenchContext, name: string, args: string[]): ChildProcess {
  const out = fs.openSync(path.join(ctx.workDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, [cliEntry(), ...args], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  ctx.cleanup.add(name, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  });
  return child;
}

/** Watches pods with label `app=<app>` from rv: when the n-th was created and the n-th bound. */
function trackPods(client: ApiClient, app: string, n: number, rv: string | undefined, t0: () => number) {
  const created = new Set<string>();
  const bound = new Set<string>();
  let createdAt = 0;
  let boundAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const w = client.pods.watch({ namespace: NS, labelSelector: `app=${app}`, resourceVersion: rv });
  void (async () => {
    for await (const ev of w) {
      const p = ev.object as Pod;
      if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
      const name = p.metadata.name!;
      if (!created.has(name)) {
        created.add(name);
        if (created.size === n) createdAt = performance.now() - t0();
      }
      if (p.spec?.nodeName && !bound.has(name)) {
        bound.add(name);
        if (bound.size === n) {
          boundAt = performance.now() - t0();
          done();
        }
      }
    }
  })().catch(() => undefined);
  return { finished, stop: () => w.stop(), created: () => created.size, bound: () => bound.size, createdAt: () => createdAt, boundAt: () => boundAt };
}

async function run(ctx: BenchContext): Promise<number> {
  const { args, say } = ctx;
  if (args.includes('--keep')) ctx.keepWorkDir();
  const i = args.indexOf('--nodes');
  const nodes = i >= 0 ? Number(args[i + 1]) : 1000;
  if (!Number.isInteger(nodes) || nodes <= 0) throw new Error('--nodes needs a positive integer');
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  say(`daemonset bench; ${nodes} hollow nodes; ${os.cpus().length} cpus, load average ${load()}`);

  const etcd = await startEtcd();
  ctx.cleanup.add('etcd', () => etcd.stop());
  const api = await startApiServerPreferCli({ etcdEndpoint: etcd.endpoint, workDir: ctx.workDir }, say);
  ctx.cleanup.add('apiserver', () => api.stop());
  const client = new ApiClient({ server: api.url });
  ctx.cleanup.add('client', () => client.close());
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
  const names = Array.from({ length: nodes }, (_, k) => `hollow-${String(k).padStart(5, '0')}`);
  const made = await runPool({ concurrency: 16, total: nodes, maxMs: 600_000 }, async (k) => {
    const name = names[k]!;
    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: {} });
    await client.nodes.patchStatus(name, undefined, { status: nodeStatus() }, 'merge');
  });
  if (made.errors) throw new Error(`creating nodes: ${made.errors} errors, first: ${String(made.firstError)}`);
  say(`${nodes} hollow nodes created in ${(made.elapsedMs / 1000).toFixed(1)} s`);

  const sched = spawnProcess(ctx, 'scheduler', ['scheduler', '--server', api.url, '--port', '0', '--bind-address', '127.0.0.1', '--no-scheduled-events', '--log-level', 'warn']);
  const cm = spawnProcess(ctx, 'controller-manager', ['controller-manager', '--server', api.url, '--port', '0', '--controllers', 'daemonset', '--log-level', 'warn']);
  // Both list and watch before the clock starts (their start-up is not the DaemonSet's cost).
  await new Promise((r) => setTimeout(r, 3000));
  for (const [n, c] of [['scheduler', sched], ['controller-manager', cm]] as const) if (c.exitCode !== null) throw new Error(`${n} exited at start (see ${ctx.workDir}/${n}.log)`);

  const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'orch.local/busybox:latest', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } });
  const race = async <T>(p: Promise<T>, what: string) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`${what}: timed out after 300 s`)), 300_000).unref())]);

  // Baseline: the same pods (pinned the same way), created by this client 16 at a time.
  let tb = 0;
  const rvB = (await client.pods.list({ namespace: NS, limit: 1 })).metadata.resourceVersion;
  const base = trackPods(client, 'direct', nodes, rvB, () => tb);
  tb = performance.now();
  const direct = await runPool({ concurrency: 16, total: nodes, maxMs: 600_000 }, async (k) => {
    const t = template('direct');
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'direct-', namespace: NS, labels: t.metadata.labels },
      spec: { ...t.spec, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [names[k]!] }] }] } } } },
    };
    await client.pods.create(pod);
  });
  if (direct.errors) throw new Error(`baseline pods: ${direct.errors} errors, first: ${String(direct.firstError)}`);
  await race(base.finished, 'baseline');
  base.stop();
  say(`baseline: ${nodes} pods created in ${(base.createdAt() / 1000).toFixed(2)} s, all bound after ${(base.boundAt() / 1000).toFixed(2)} s`);

  // The DaemonSet.
  let td = 0;
  const rvD = (await client.pods.list({ namespace: NS, limit: 1 })).metadata.resourceVersion;
  const dsTrack = trackPods(client, 'daemon', nodes, rvD, () => td);
  const progress = setInterval(() => say(`    ${dsTrack.created()} created, ${dsTrack.bound()} bound`), 5000);
  td = performance.now();
  const ds: DaemonSet = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'daemon', namespace: NS }, spec: { selector: { matchLabels: { app: 'daemon' } }, template: template('daemon') } };
  await client.resource<DaemonSet>('daemonsets').create(ds);
  try {
    await race(dsTrack.finished, 'daemonset');
  } finally {
    clearInterval(progress);
    dsTrack.stop();
  }
  say(`daemonset: ${nodes} pods created in ${(dsTrack.createdAt() / 1000).toFixed(2)} s, all bound after ${(dsTrack.boundAt() / 1000).toFixed(2)} s`);
  const pods = (await client.pods.list({ namespace: NS, labelSelector: 'app=daemon' })).items;
  const perNode = new Set(pods.map((p) => p.spec.nodeName));
  if (pods.length !== nodes || perNode.size !== nodes) throw new Error(`expected one pod on each of ${nodes} nodes, found ${pods.length} pods on ${perNode.size} nodes`);

  const rows: ResultRow[] = [
    { metric: `DaemonSet → ${nodes} pods created`, unit: 's', orch: dsTrack.createdAt() / 1000, baseline: base.createdAt() / 1000, direction: 'lower', note: 'baseline: the same pods created by one client, 16 requests at a time' },
    { metric: `DaemonSet → ${nodes} pods created and bound`, unit: 's', orch: dsTrack.boundAt() / 1000, baseline: base.boundAt() / 1000, target: 30, direction: 'lower', note: 'bound by the scheduler through the matchFields node affinity; one pod per node checked' },
  ];
  say('');
  say(renderTable(`daemonset bench — ${new Date().toISOString()}, load average now ${load()}`, rows));
  return args.includes('--strict') && rows.some((r) => verdict(r) === 'FAIL') ? 1 : 0;
}

export const bench: Bench = {
  description: 'a DaemonSet on 1,000 hollow nodes: created → all pods created and bound (target < 30 s), vs the same pods created directly',
  run,
};
