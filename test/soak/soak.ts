// The soak: a harness cluster (test/cluster/harness.ts, two schedulers and two controller
// managers), the workload of workload.ts and a nemesis drawing faults from faults.ts, all
// from one seed. Each step:
//   1. the nemesis draws a fault (or none), a target and a hold time, and injects it;
//   2. the workload makes 1-3 writes while the fault holds (recorded in the history);
//   3. the fault is healed, the workload writes 0-2 times more; a supervisor restarts any process that exited (as systemd
//      would: a leader that lost its Lease exits on purpose);
//   4. checks: convergence within 120 s of the heal (convergence.ts) together with the
//      fault suite's invariants (test/cluster/invariants.ts), then the history checker
//      (history-check.ts) against the objects read back. Throughout: watch recorders
//      (resourceVersion order) and the DuplicateMonitor (no pod identity running twice).
// Every fault and write is logged with its time and step (and to events.jsonl), so a
// failing run is replayed with the same --seed (and --steps to stop at the same step).

import fs from 'node:fs';
import path from 'node:path';
import { isNotFound } from '../../api/errors.js';
import { startCluster, type Cluster, type ClusterOptions, type Component } from '../cluster/harness.js';
import { DuplicateMonitor, snapshot, violations } from '../cluster/invariants.js';
import { exec, sleep } from '../cluster/sh.js';
import { FAULTS, haOf, supervised, type FaultEntry } from './faults.js';
import { checkObject, type Observed } from './history-check.js';
import { fieldsOf } from './history.js';
import { notConverged } from './convergence.js';
import { Prng } from './prng.js';
import { IMAGES, NAMESPACES, Workload, describeWrite } from './workload.js';
import { WatchRecorder } from './watch-recorder.js';

export const CONVERGENCE_BOUND_MS = 120_000;
/** Share of steps with a fault; the rest let the workload run on a healthy cluster. */
const FAULT_PROBABILITY = 0.85;

export interface SoakOptions {
  minutes: number;
  seed: number;
  hosts?: number;
  /** The harness's HA mode (three etcd members, two apiservers behind HAProxy) and its faults. */
  ha?: boolean;
  /** Stop after this many steps (to replay a failing run up to its failing step). */
  steps?: number;
  /** Where events.jsonl, history.json and summary.json go (default .tmp/soak/seed-S-<time>). */
  outDir?: string;
  say?: (line: string) => void;
  /** Aborted: no new step starts; the run ends with its checks and teardown. */
  signal?: AbortSignal;
}

export interface SoakSummary {
  seed: number;
  hosts: number;
  ha: boolean;
  minutes: number;
  steps: number;
  durationMs: number;
  faults: Record<string, number>;
  writes: Record<string, number>;
  checks: Record<string, number>;
  supervisorRestarts: Record<string, number>;
  worstConvergence: { ms: number; step: number; after: string };
  violations: string[];
  outDir: string;
}

/** The image rollouts switch to: the test web image under a second name. */
async function ensureAltImage(): Promise<void> {
  if ((await exec('docker', ['image', 'inspect', IMAGES[1]!])).code === 0) return;
  const r = await exec('docker', ['tag', IMAGES[0]!, IMAGES[1]!]);
  if (r.code !== 0) throw new Error(`docker tag ${IMAGES[0]} ${IMAGES[1]} failed: ${r.stderr}`);
}

export async function runSoak(opts: SoakOptions): Promise<SoakSummary> {
  const hosts = opts.hosts ?? 3;
  const started = Date.now();
  const outDir = opts.outDir ?? path.join('.tmp', 'soak', `seed-${opts.seed}-${new Date(started).toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(outDir, { recursive: true });
  const events = fs.openSync(path.join(outDir, 'events.jsonl'), 'w');
  let step = 0;
  const say = (msg: string, data: Record<string, unknown> = {}) => {
    const at = new Date().toISOString();
    (opts.say ?? ((l: string) => process.stdout.write(l + '\n')))(`[soak ${at.slice(11, 23)} +${((Date.now() - started) / 1000).toFixed(0)}s step ${step}] ${msg}`);
    fs.writeSync(events, JSON.stringify({ at, step, msg, ...data }) + '\n');
  };
  const summary: SoakSummary = {
    seed: opts.seed, hosts, ha: !!opts.ha, minutes: opts.minutes, steps: 0, durationMs: 0, faults: {}, writes: {}, checks: {}, supervisorRestarts: {},
    worstConvergence: { ms: 0, step: 0, after: '' }, violations: [], outDir,
  };
  const violation = (v: string) => {
    summary.violations.push(`step ${step}: ${v}`);
    say(`VIOLATION ${v}`);
  };
  const count = (m: Record<string, number>, k: string, n = 1) => void (m[k] = (m[k] ?? 0) + n);

  say(`seed ${opts.seed}, ${hosts} hosts${opts.ha ? ' (HA control plane)' : ''}, ${opts.minutes} min${opts.steps ? `, at most ${opts.steps} steps` : ''}; logs in ${outDir}`);
  await ensureAltImage();
  // `ha` is passed through untyped: the HA mode is the harness's (h24-ha); a harness
  // without it must not silently give a single-member control plane.
  const cluster = await startCluster({ hosts, controlPlaneReplicas: 2, extraImages: [IMAGES[1]!], ...(opts.ha ? { ha: true } : {}) } as ClusterOptions);
  if (opts.ha && !haOf(cluster)) {
    await cluster.teardown();
    throw new Error('--ha: this harness has no HA mode (cluster.ha is missing)');
  }
  say(`cluster up in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const recorders = (['deployments', 'replicasets', 'pods'] as const).map((r) => new WatchRecorder(() => cluster.client, r));
  const duplicates = new DuplicateMonitor(cluster, 2000);
  const workload = new Workload(cluster, Prng.forStream(opts.seed, 'workload'));
  const nemesis = Prng.forStream(opts.seed, 'nemesis');
  const seenWatchViolations = new Set<string>();
  const seenDuplicates = new Set<string>();
  try {
    for (const ns of NAMESPACES) await cluster.client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const r of recorders) r.start();
    duplicates.start();
    const phaseStart = Date.now();
    const applicable = FAULTS.filter((f) => f.applicable(cluster));
    say(`fault catalog: ${applicable.map((f) => f.name).join(', ')}`);

    while (Date.now() - phaseStart < opts.minutes * 60_000 && (opts.steps === undefined || step < opts.steps) && !opts.signal?.aborted) {
      step++;
      // --- 1. the nemesis draws and injects
      let fault: { entry: FaultEntry; target: string; detail?: string | void } | undefined;
      let holdMs: number;
      if (nemesis.chance(FAULT_PROBABILITY)) {
        const entry = nemesis.pick(applicable);
        const target = nemesis.pick(entry.targets(cluster));
        holdMs = nemesis.int(entry.hold[0], entry.hold[1]);
        fault = { entry, target };
        say(`fault ${entry.name} ${target} for ${(holdMs / 1000).toFixed(1)} s`, { fault: entry.name, target, holdMs });
        try {
          fault.detail = await entry.inject(cluster, target);
          if (fault.detail) say(`fault ${entry.name} ${target}: hit ${fault.detail}`);
          count(summary.faults, entry.name);
        } catch (err) {
          violation(`injecting ${entry.name} ${target} failed: ${(err as Error).message}`);
        }
      } else {
        holdMs = nemesis.int(2_000, 8_000);
        say(`no fault for ${(holdMs / 1000).toFixed(1)} s`);
        count(summary.faults, 'none');
      }
      const injectedAt = Date.now();
      // --- 2. the workload writes while the fault holds
      const wrng = Prng.forStream(opts.seed + step, 'pauses');
      const actions = wrng.int(1, 3);
      for (let k = 0; k < actions; k++) {
        const w = await workload.act(step);
        say(`write ${describeWrite(w)}`, { write: w });
        await sleep(wrng.int(0, 1500));
      }
      const left = holdMs - (Date.now() - injectedAt);
      if (left > 0) await sleep(left);
      // --- 3. heal, supervise
      if (fault) {
        try {
          await fault.entry.heal(cluster, fault.target, fault.detail);
          say(`healed ${fault.entry.name} ${fault.target}`);
        } catch (err) {
          violation(`healing ${fault.entry.name} ${fault.target} failed: ${(err as Error).message}`);
        }
      }
      const healedAt = Date.now();
      // A write or two right after the heal: what clients do when the cluster comes back.
      for (let k = wrng.int(0, 2); k > 0; k--) {
        const w = await workload.act(step);
        say(`write ${describeWrite(w)}`, { write: w });
      }
      await supervise(cluster, (c) => {
        count(summary.supervisorRestarts, c);
        say(`supervisor: ${c} had exited; started it again`);
      }, violation);
      // --- 4. checks
      const conv = await waitConverged(cluster, summary.checks, CONVERGENCE_BOUND_MS);
      const after = fault ? `${fault.entry.name} ${fault.target}` : 'no fault';
      if (conv.ok) {
        say(`converged ${(conv.ms / 1000).toFixed(1)} s after healing (${after})`, { convergedMs: conv.ms });
        if (conv.ms > summary.worstConvergence.ms) summary.worstConvergence = { ms: conv.ms, step, after };
      } else {
        violation(`not converged within ${CONVERGENCE_BOUND_MS / 1000} s of healing ${after}: ${conv.why.slice(0, 8).join('; ')}`);
        summary.worstConvergence = { ms: Date.now() - healedAt, step, after: `${after} (not converged)` };
      }
      for (const v of await checkHistory(cluster, workload, summary.checks)) violation(v);
      for (const r of recorders) for (const v of r.order.violations) if (!seenWatchViolations.has(v)) (seenWatchViolations.add(v), violation(v));
      for (const v of duplicates.seen) if (!seenDuplicates.has(v)) (seenDuplicates.add(v), violation(`pod identity running twice: ${v}`));
    }

    // --- the end: every watch's cache equals the list; the last history check stands
    for (const r of recorders) {
      const diff = await r.differsFromList(30_000);
      count(summary.checks, 'watch caches equal to a list');
      if (diff) violation(diff);
    }
  } finally {
    await duplicates.stop();
    for (const r of recorders) await r.stop();
    summary.steps = step;
    summary.writes = workload.history.counts();
    summary.checks['watch events in order'] = recorders.reduce((n, r) => n + r.order.checks, 0);
    summary.checks['duplicate samples (all engines)'] = duplicates.samples;
    summary.checks['watch reconnects'] = recorders.reduce((n, r) => n + r.reconnects, 0);
    fs.writeFileSync(path.join(outDir, 'history.json'), JSON.stringify(workload.history.writes, null, 1));
    if (summary.violations.length) fs.writeFileSync(path.join(outDir, 'component-logs.txt'), cluster.logTails(60));
    await cluster.teardown();
    summary.durationMs = Date.now() - started;
    fs.writeFileSync(path.join(outDir, 'summary.json'), JSON.stringify(summary, null, 1));
    fs.closeSync(events);
  }
  return summary;
}

/** Restarts every supervised process that is not running (a leader that stepped down, a crash). */
async function supervise(cluster: Cluster, restarted: (c: Component) => void, violation: (v: string) => void): Promise<void> {
  for (const c of supervised(cluster)) {
    if (cluster.pid(c)) continue;
    try {
      await cluster.start(c);
      restarted(c);
    } catch (err) {
      violation(`supervisor could not start ${c}: ${(err as Error).message}`);
    }
  }
}

/** Until the workload is converged and the cluster invariants hold, or the bound. */
async function waitConverged(cluster: Cluster, checks: Record<string, number>, boundMs: number): Promise<{ ok: true; ms: number } | { ok: false; why: string[] }> {
  const t0 = Date.now();
  let why: string[] = [];
  while (Date.now() - t0 < boundMs) {
    try {
      const s = await snapshot(cluster);
      const inv = violations(s, cluster.hostIndexes);
      checks['cluster invariants (snapshots)'] = (checks['cluster invariants (snapshots)'] ?? 0) + 1;
      why = [...notConverged(s), ...inv.map((v) => `invariant: ${v}`)];
      if (why.length === 0) {
        checks['convergence after a step'] = (checks['convergence after a step'] ?? 0) + 1;
        return { ok: true, ms: Date.now() - t0 };
      }
    } catch (err) {
      why = [`cannot take a snapshot: ${(err as Error).message}`];
    }
    await sleep(1000);
  }
  return { ok: false, why };
}

/** Reads back every object the workload wrote and checks it against the history. */
async function checkHistory(cluster: Cluster, workload: Workload, checks: Record<string, number>): Promise<string[]> {
  const out: string[] = [];
  for (const key of workload.history.keys()) {
    const [ns, name] = key.split('/') as [string, string];
    let observed: Observed | null | undefined;
    for (let attempt = 0; observed === undefined; attempt++) {
      try {
        const d = await cluster.client.deployments.get(name, ns);
        observed = { ...fieldsOf(d), uid: d.metadata.uid ?? '', resourceVersion: d.metadata.resourceVersion ?? '0', deleting: !!d.metadata.deletionTimestamp };
      } catch (err) {
        if (isNotFound(err)) observed = null;
        else if (attempt >= 30) return [...out, `history check cannot read deployment ${key}: ${(err as Error).message}`];
        else await sleep(1000);
      }
    }
    out.push(...checkObject(key, workload.history.writes.filter((w) => `${w.namespace}/${w.name}` === key), observed));
    checks['acknowledged writes (objects read back)'] = (checks['acknowledged writes (objects read back)'] ?? 0) + 1;
  }
  return out;
}
