// Probes through the pod's reconcile (PodSync + ProbeManager + the plan and status) on the
// fake runtime and a fake clock: exec probes answered by a script, requeues collected and
// replayed as the agent's work queue would.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { DEFAULT_SANDBOX_IMAGE, PodSync } from '../pod-sync.js';
import { PodVolumes } from '../pod-volumes.js';
import { RestartBackoff } from '../restart-backoff.js';
import { FakeMemoryDirs } from '../testing/fake-memory-dirs.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import { ProbeManager } from './probe-manager.js';

const NODE = 'node-p';
let root: string;
let clock: FakeClock;
let rt: FakeRuntime;
let client: FakeClient;
let events: string[];
let requeued: Set<string>;
let probes: ProbeManager;
let sync: PodSync;
/** container name → does its probe command succeed? (per command's first word) */
let answers: Map<string, boolean>;

function mkPod(name: string, c: Partial<Container>, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 30, containers: [{ name: 'web', image: 'img:1', imagePullPolicy: 'IfNotPresent', ...c }], ...spec },
  };
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-probe-sync-'));
  clock = new FakeClock();
  rt = new FakeRuntime(() => clock.now());
  rt.addImage('img:1');
  rt.addImage(DEFAULT_SANDBOX_IMAGE);
  answers = new Map();
  rt.execHandler = (_c, cmd) => ({ exitCode: answers.get(cmd[0]!) === false ? 1 : 0, output: answers.get(cmd[0]!) === false ? `${cmd[0]} says no` : '', timedOut: false });
  client = new FakeClient({ clock });
  events = [];
  requeued = new Set();
  const record = (_o: Pod, type: string, reason: string, message: string) => void events.push(`${type} ${reason} ${message}`);
  probes = new ProbeManager({ runtime: rt, clock, logger: silentLogger(), requeue: (k) => requeued.add(k), events: { record }, random: () => 0 });
  sync = new PodSync({
    nodeName: NODE,
    runtime: rt,
    client,
    pods: { get: (k) => client.peek<Pod>('pods', k.split('/')[1]!, 'default'), list: () => client.peekAll<Pod>('pods'), hasSynced: () => true },
    volumes: new PodVolumes(root, [], { memory: new FakeMemoryDirs() }),
    clock,
    logger: silentLogger(),
    backoff: new RestartBackoff({ initialMs: 10_000 }),
    events: { record },
    probes,
  });
});
afterEach(() => {
  probes.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

const podOf = (name: string) => client.peek<Pod>('pods', name, 'default')!;
const status = (name: string) => podOf(name).status!.containerStatuses![0]!;
const cond = (name: string, type: string) => podOf(name).status!.conditions!.find((c) => c.type === type)!;

/** Reconciles the pod until it asks for nothing immediate (stops in flight awaited, requeue(0) replayed). */
async function settle(key: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    requeued.delete(key);
    const r = await sync.reconcile(key);
    if (r.requeueWhen) await r.requeueWhen.catch(() => undefined);
    else if (r.requeueAfterMs !== 0 && !requeued.has(key)) return;
  }
  throw new Error(`${key} did not settle`);
}

/** Moves the clock and reconciles the pods the prober requeued meanwhile. */
async function advance(ms: number, key: string): Promise<void> {
  await clock.advance(ms);
  if (requeued.has(key)) await settle(key);
}

describe('probes through the pod sync', () => {
  it('readiness: ready once the probe succeeds, unready after failureThreshold failures; conditions follow with their transition times', async () => {
    client.seed([mkPod('r', { readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } })]);
    await settle('default/r');
    expect([status('r').ready, status('r').started, cond('r', 'Ready').status]).toEqual([false, true, 'False']);
    expect(probes.workerCount()).toBe(1);
    await advance(500, 'default/r');
    expect([status('r').ready, cond('r', 'ContainersReady').status, cond('r', 'Ready').status]).toEqual([true, 'True', 'True']);
    const readyAt = cond('r', 'Ready').lastTransitionTime;
    answers.set('ready', false);
    await advance(2000, 'default/r');
    expect(cond('r', 'Ready').status).toBe('True'); // two failures: below failureThreshold 3
    expect(cond('r', 'Ready').lastTransitionTime).toBe(readyAt);
    await advance(1000, 'default/r');
    expect([status('r').ready, cond('r', 'Ready').status, cond('r', 'Ready').reason]).toEqual([false, 'False', 'ContainersNotReady']);
    expect(cond('r', 'Ready').lastTransitionTime).toBe(new Date(clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'));
    // Three failed runs, one Event (the rest are rate-limited).
    expect(events.filter((e) => e.includes('Unhealthy'))).toEqual(['Warning Unhealthy Readiness probe failed: ready says no']);
  });

  it('an agent restart keeps a ready container ready until its probe says otherwise (its endpoints do not all drop at once)', async () => {
    client.seed([mkPod('k', { readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 10 } })]);
    await settle('default/k');
    await advance(500, 'default/k');
    expect(cond('k', 'Ready').status).toBe('True');
    // The agent restarts: a new prober (no results) and pod sync over the same Docker and API.
    probes.stop();
    probes = new ProbeManager({ runtime: rt, clock, logger: silentLogger(), requeue: (k) => requeued.add(k), random: () => 0.9 });
    sync = new PodSync({
      nodeName: NODE, runtime: rt, client, clock, logger: silentLogger(), probes,
      pods: { get: (k) => client.peek<Pod>('pods', k.split('/')[1]!, 'default'), list: () => client.peekAll<Pod>('pods'), hasSynced: () => true },
      volumes: new PodVolumes(root, [], { memory: new FakeMemoryDirs() }),
      backoff: new RestartBackoff({ initialMs: 10_000 }),
    });
    await settle('default/k');
    // Before its first run (9 s into the 10 s period) the container stays ready.
    expect([status('k').ready, cond('k', 'Ready').status]).toEqual([true, 'True']);
    answers.set('ready', false);
    for (let i = 0; i < 4; i++) await advance(10_000, 'default/k');
    expect([status('k').ready, cond('k', 'Ready').status]).toEqual([false, 'False']);
  });

  it('liveness failure: stopped with the probe’s grace, restarted with backoff like a crash, Events Unhealthy and Killing', async () => {
    client.seed([mkPod('l', { livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, terminationGracePeriodSeconds: 7 } })]);
    await settle('default/l');
    const first = status('l').containerID!.replace('docker://', '');
    expect(status('l').ready).toBe(true); // no readiness probe: ready once running
    answers.set('alive', false);
    await advance(1500, 'default/l'); // runs at 0 and 1 s: two failures
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([]);
    await advance(1000, 'default/l');
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([`stop ${first} 7`]);
    expect(events.filter((e) => /Unhealthy|Killing/.test(e))).toEqual([
      'Warning Unhealthy Liveness probe failed: alive says no',
      'Warning Unhealthy Liveness probe failed: alive says no',
      'Warning Unhealthy Liveness probe failed: alive says no',
      'Normal Killing Container web failed liveness probe, will be restarted',
    ]);
    // Restarted as after a crash: the first restart at once, the container's own exit in lastState.
    const s = status('l');
    expect([s.restartCount, !!s.state.running, s.ready]).toEqual([1, true, true]);
    expect(s.containerID).not.toBe(`docker://${first}`);
    expect(s.lastState.terminated).toMatchObject({ exitCode: 143, reason: 'Error', containerID: `docker://${first}` });
    expect(probes.failed(first)).toMatchObject({ probe: 'liveness', message: 'alive says no', graceSeconds: 7 });
    // The new attempt's probe fails too: the next restart waits its backoff (10 s here).
    await advance(3000, 'default/l');
    expect(status('l').state.waiting?.reason).toBe('CrashLoopBackOff');
    answers.set('alive', true);
    await clock.advance(10_100);
    await settle('default/l');
    expect([status('l').restartCount, !!status('l').state.running]).toEqual([2, true]);
  });

  it('a liveness-killed container is restarted under restartPolicy OnFailure even when it exits 0', async () => {
    client.seed([mkPod('z', { livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 1 } }, { restartPolicy: 'OnFailure' })]);
    await settle('default/z');
    const first = status('z').containerID!.replace('docker://', '');
    rt.stopGate = Promise.resolve().then(() => rt.exit(first, 0));
    answers.set('alive', false);
    await advance(100, 'default/z');
    expect(rt.containers.get(first)!.exitCode).toBe(0);
    await clock.advance(10_100);
    await settle('default/z');
    expect(status('z').restartCount).toBe(1);
  });

  it('startup probe: liveness and readiness wait for it; a new attempt starts not started and not ready', async () => {
    client.seed([
      mkPod('s', {
        startupProbe: { exec: { command: ['boot'] }, periodSeconds: 1, failureThreshold: 30 },
        readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 },
        livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1 },
      }),
    ]);
    answers.set('boot', false);
    await settle('default/s');
    await advance(5500, 'default/s');
    expect(rt.execs.map((e) => e.cmd[0])).toEqual(['boot', 'boot', 'boot', 'boot', 'boot', 'boot']);
    expect([status('s').started, status('s').ready, cond('s', 'Ready').status]).toEqual([false, false, 'False']);
    answers.set('boot', true);
    await advance(1000, 'default/s');
    // The startup probe ran a 7th time and succeeded; the other two run from then on.
    expect(rt.execs.slice(0, 7).map((e) => e.cmd[0])).toEqual(Array(7).fill('boot'));
    expect(new Set(rt.execs.slice(7).map((e) => e.cmd[0]))).toEqual(new Set(['alive', 'ready']));
    expect([status('s').started, status('s').ready, cond('s', 'Ready').status]).toEqual([true, true, 'True']);
    // The container dies: its next attempt has fresh results.
    const first = status('s').containerID!.replace('docker://', '');
    answers.set('boot', false);
    rt.exit(first, 1);
    await settle('default/s');
    const second = status('s').containerID!.replace('docker://', '');
    expect(second).not.toBe(first);
    expect([status('s').started, status('s').ready, probes.started(second), probes.ready(second)]).toEqual([false, false, false, false]);
  });

  it('a startup probe that fails failureThreshold times kills the container', async () => {
    client.seed([mkPod('sf', { startupProbe: { exec: { command: ['boot'] }, periodSeconds: 1, failureThreshold: 2 } })]);
    answers.set('boot', false);
    await settle('default/sf');
    await advance(1500, 'default/sf');
    expect(events).toContain('Normal Killing Container web failed startup probe, will be restarted');
    expect(status('sf').lastState.terminated?.exitCode).toBe(143);
  });

  it('a deleted pod’s probes stop', async () => {
    client.seed([mkPod('d', { readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 } })]);
    await settle('default/d');
    expect(probes.workerCount()).toBe(1);
    const p = podOf('d');
    client.seed([{ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(clock.now()).toISOString(), deletionGracePeriodSeconds: 30 } }]);
    await sync.reconcile('default/d');
    expect(probes.workerCount()).toBe(0);
  });
});
