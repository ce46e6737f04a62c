// postStart / preStop through a real PodSync pass with the fake runtime and a fake clock:
// the order of hook and stop, the grace period they share, failures, and that no hook ever
// holds a reconcile worker.

import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container, LifecycleHandler, Pod } from '../api/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { silentLogger } from '../foundation/logger.js';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { hookFailure, runHandler } from './lifecycle-hooks.js';
import { DEFAULT_SANDBOX_IMAGE, PodSync, type PodStore } from './pod-sync.js';
import { PodVolumes } from './pod-volumes.js';
import { FakeMemoryDirs } from './testing/fake-memory-dirs.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import type { ExecResult } from './runtime/types.js';

let root: string;
let clock: FakeClock;
let rt: FakeRuntime;
let client: FakeClient;
let events: string[];
let deleting: Map<string, number>;

const store: PodStore = {
  get(key) {
    const [ns, name] = key.split('/');
    const p = client.peek<Pod>('pods', name!, ns);
    const grace = p && deleting.get(name!);
    return p && grace !== undefined ? { ...p, metadata: { ...p.metadata, deletionTimestamp: new Date(clock.now()).toISOString(), deletionGracePeriodSeconds: grace } } : p;
  },
  list: () => client.peekAll<Pod>('pods'),
  hasSynced: () => true,
};

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-hooks-'));
  clock = new FakeClock();
  rt = new FakeRuntime(() => clock.now());
  rt.addImage('img:1');
  rt.addImage(DEFAULT_SANDBOX_IMAGE);
  client = new FakeClient({ clock });
  events = [];
  deleting = new Map();
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function newSync(): PodSync {
  return new PodSync({
    nodeName: 'n', runtime: rt, client, pods: store, clock, logger: silentLogger(), hostIP: () => '10.0.0.9',
    volumes: new PodVolumes(root, [], { memory: new FakeMemoryDirs() }),
    events: { record: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
  });
}

function seed(lifecycle: Container['lifecycle'], grace = 30): void {
  client.seed([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { nodeName: 'n', terminationGracePeriodSeconds: grace, containers: [{ name: 'web', image: 'img:1', imagePullPolicy: 'IfNotPresent', lifecycle }] } }]);
}

const webId = async () => (await rt.listContainers({ 'orch.io/container': 'web' })).find((c) => c.state === 'running')!.id;
const status = () => client.peek<Pod>('pods', 'p', 'default')!.status!;
const exec = (cmd: string): LifecycleHandler => ({ exec: { command: ['sh', '-c', cmd] } });

/** exec() answers held until the test releases them. */
function holdExecs(): { release(r: ExecResult): void } {
  let release!: (r: ExecResult) => void;
  const gate = new Promise<ExecResult>((r) => (release = r));
  rt.execHandler = () => gate;
  return { release: (r) => release(r) };
}

describe('postStart', () => {
  it('runs right after the start, in flight; the container is not Running until it finished', async () => {
    seed({ postStart: exec('touch /ready') });
    const held = holdExecs();
    const sync = newSync();
    const r = await sync.reconcile('default/p');
    expect(rt.execs.map((e) => e.cmd.join(' '))).toEqual(['sh -c touch /ready']);
    expect(r.requeueWhen).toBeInstanceOf(Promise);
    expect(status().containerStatuses![0]!.state).toEqual({ waiting: { reason: 'ContainerCreating' } });
    expect(status().phase).toBe('Pending');
    // A pass meanwhile (a resync) neither runs the hook again nor reports the container Running.
    await sync.reconcile('default/p');
    expect(rt.execs).toHaveLength(1);
    expect(status().containerStatuses![0]!.ready).toBe(false);
    held.release({ exitCode: 0, output: '', timedOut: false });
    await r.requeueWhen;
    await sync.reconcile('default/p');
    expect(status().containerStatuses![0]!.state.running).toBeDefined();
    expect(status().phase).toBe('Running');
  });

  it('a failing hook: FailedPostStartHook, the container is stopped and restarted with backoff', async () => {
    seed({ postStart: exec('exit 3') }, 5);
    rt.execHandler = () => ({ exitCode: 3, output: '', timedOut: false });
    const sync = newSync();
    const id = (await sync.reconcile('default/p')).requeueWhen;
    await id;
    expect(events).toContain('Warning FailedPostStartHook PostStartHook failed');
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toHaveLength(1);
    expect(rt.calls.find((c) => c.startsWith('stop'))).toMatch(/ 5$/);
    await sync.reconcile('default/p'); // first restart at once (attempt 1), its hook fails too
    await flushMicrotasks();
    await sync.reconcile('default/p');
    expect(status().containerStatuses![0]!.restartCount).toBe(1);
  });
});

describe('preStop', () => {
  it('runs before SIGTERM on deletion; docker stop gets the grace period left', async () => {
    seed({ preStop: exec('sleep 7') }, 30);
    const sync = newSync();
    await sync.reconcile('default/p');
    const id = await webId();
    const held = holdExecs();
    deleting.set('p', 30);
    const r = await sync.reconcile('default/p'); // returns at once: the hook runs in flight
    expect(rt.execs.map((e) => e.cmd.join(' '))).toEqual(['sh -c sleep 7']);
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([]);
    await clock.advance(7_400);
    held.release({ exitCode: 0, output: '', timedOut: false });
    await r.requeueWhen;
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([`stop ${id} 23`]);
  });

  it('sleep: waits its seconds within the grace period, then SIGTERM gets at least 2 s', async () => {
    seed({ preStop: { sleep: { seconds: 5 } } }, 6);
    const sync = newSync();
    await sync.reconcile('default/p');
    const id = await webId();
    deleting.set('p', 6);
    const r = await sync.reconcile('default/p');
    await flushMicrotasks();
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([]);
    await clock.advance(5_000);
    await r.requeueWhen;
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([`stop ${id} 2`]);
  });

  it('a failing hook: FailedPreStopHook, the stop goes on; a shorter second delete does not run it again', async () => {
    seed({ preStop: exec('exit 1') }, 30);
    rt.execHandler = () => ({ exitCode: 1, output: 'nope', timedOut: false });
    let release!: () => void;
    rt.stopGate = new Promise((r) => (release = r));
    const sync = newSync();
    await sync.reconcile('default/p');
    const id = await webId();
    deleting.set('p', 30);
    await sync.reconcile('default/p');
    await flushMicrotasks();
    expect(events).toContain('Warning FailedPreStopHook PreStopHook failed');
    deleting.set('p', 3);
    await sync.reconcile('default/p');
    await flushMicrotasks();
    expect(rt.execs).toHaveLength(1);
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([`stop ${id} 30`, `stop ${id} 3`]);
    release();
  });
});

describe('runHandler', () => {
  it('httpGet: from the node to the pod IP by default, named ports, path / by default; failures in the kubelet wording', async () => {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(req.url === '/fail' ? 500 : 200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const container: Container = { name: 'web', image: 'x', ports: [{ name: 'http', containerPort: port }] };
      const t = { runtime: rt, clock, containerId: 'c', container, podIP: '127.0.0.1' };
      expect(await runHandler({ httpGet: { port: 'http' } }, t, 1000)).toMatchObject({ ok: true });
      const bad = await runHandler({ httpGet: { port, path: '/fail' } }, t, 1000);
      expect(bad.ok).toBe(false);
      expect(seen).toEqual(['/', '/fail']);
      expect(hookFailure({ httpGet: { port, path: '/fail' } }, 'web', 'p_default(u)', bad)).toBe('HTTP lifecycle hook (/fail) for Container "web" in Pod "p_default(u)" failed - error: HTTP probe failed with statuscode: 500');
      expect(await runHandler({ httpGet: { port: 'nope' } }, t, 1000)).toEqual({ ok: false, message: "couldn't find port: nope in container web" });
    } finally {
      server.close();
    }
  });
});

describe('postStart cut short by a deletion', () => {
  it('is no hook failure: no FailedPostStartHook, no second stop', async () => {
    seed({ postStart: exec('sleep 100') }, 30);
    const held = holdExecs();
    const sync = newSync();
    await sync.reconcile('default/p');
    const id = (await rt.listContainers({ 'orch.io/container': 'web' }))[0]!.id;
    deleting.set('p', 30);
    const r = await sync.reconcile('default/p');
    await r.requeueWhen;
    held.release({ exitCode: 137, output: '', timedOut: false }); // the exec died with the container
    await flushMicrotasks();
    expect(events.filter((e) => e.includes('FailedPostStartHook'))).toEqual([]);
    expect(rt.calls.filter((c) => c.startsWith('stop'))).toEqual([`stop ${id} 30`]);
  });
});
