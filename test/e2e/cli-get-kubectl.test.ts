// `orch get pods` and kubectl v1.32 print the same thing for the same pods: both ask the
// apiserver for a meta.k8s.io/v1 Table (api/tables computes the cells) and lay it out.
// Pods in every state a user meets (Pending, Running with restarts, CrashLoopBackOff,
// Completed, Terminating, Init) are written through the real API over a real etcd; the
// server's clock is pinned so AGE and "(5m ago)" are the same for both commands. The
// expected cells are literal (kubectl's printPod and HumanDuration rules), so the test
// also fails if both printed the same wrong thing.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ContainerStatus, Namespace, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');
let nowMs = T0;
const clock: Clock = { now: () => nowMs, sleep: realClock.sleep };
const at = (agoSeconds: number) => new Date(T0 - agoSeconds * 1000).toISOString().replace('.000Z', 'Z');

let s: TestApiServer;
let client: ApiClient;
let dir: string;

let clients: Clients;
const kubectl = (args: string[]) => clients.kubectl(args);
const orch = (args: string[]) => clients.orch(args);

const status = (name: string, state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus => ({
  name,
  state,
  lastState: {},
  ready: false,
  restartCount: 0,
  image: 'orch.local/web:v1',
  imageID: '',
  ...extra,
});

/** A pod created `agoSeconds` before T0 (the server's clock), optionally bound and given a status. */
async function podAt(agoSeconds: number, name: string, opts: { ns?: string; node?: string; init?: boolean; labels?: Record<string, string>; status?: Pod['status'] } = {}): Promise<Pod> {
  nowMs = T0 - agoSeconds * 1000;
  const ns = opts.ns ?? 'default';
  const spec: Pod['spec'] = { containers: [{ name: 'web', image: 'orch.local/web:v1' }] };
  if (opts.init) spec.initContainers = [{ name: 'setup', image: 'orch.local/web:v1' }];
  let p = await client.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: opts.labels }, spec });
  if (opts.node) await client.pods.bind({ metadata: { name, namespace: ns }, target: { name: opts.node } });
  if (opts.status) p = await client.pods.patchStatus(name, ns, { status: opts.status });
  return p;
}

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true, server: { clock } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-get-kubectl-'));
  clients = cliClients(s, dir);
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } } as Namespace);

  await podAt(150, 'pending', { labels: { app: 'web', tier: 'front' } });
  await podAt(3 * 86400 + 4 * 3600, 'running', {
    node: 'node-1',
    labels: { app: 'web' },
    status: {
      phase: 'Running',
      podIP: '10.244.1.7',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [status('web', { running: { startedAt: at(7800) } }, { ready: true, restartCount: 2, lastState: { terminated: { exitCode: 137, reason: 'Error', finishedAt: at(7800) } } })],
    },
  });
  await podAt(9 * 3600 + 5 * 60, 'crash', {
    node: 'node-1',
    status: {
      phase: 'Running',
      podIP: '10.244.1.8',
      containerStatuses: [status('web', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } }, { restartCount: 5, lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: at(45) } } })],
    },
  });
  await podAt(20 * 60, 'completed', {
    ns: 'other',
    node: 'node-2',
    status: { phase: 'Succeeded', containerStatuses: [status('web', { terminated: { exitCode: 0, reason: 'Completed', finishedAt: at(600) } })] },
  });
  await podAt(5 * 60, 'terminating', {
    node: 'node-2',
    status: { phase: 'Running', podIP: '10.244.2.3', containerStatuses: [status('web', { running: {} }, { ready: true })] },
  });
  await client.pods.delete('terminating', 'default');
  await podAt(70, 'init', {
    node: 'node-1',
    init: true,
    status: { phase: 'Pending', initContainerStatuses: [status('setup', { running: {} })], containerStatuses: [status('web', { waiting: { reason: 'PodInitializing' } })] },
  });
  nowMs = T0;
}, 120_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('orch get pods prints what kubectl get pods prints', () => {
  test.each([
    [['get', 'pods']],
    [['get', 'pods', '-o', 'wide']],
    [['get', 'pods', '-A']],
    [['get', 'pods', '--show-labels', '-l', 'app=web']],
    [['get', 'pods', 'crash', 'pending']],
    [['get', 'pods', '-n', 'other', '-o', 'wide']],
  ])('%j', async (args) => {
    const [o, k] = await Promise.all([orch(args), kubectl(args)]);
    expect(k.code, k.stderr).toBe(0);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toBe(k.stdout);
  });

  test('the cells are kubectl\'s rules: STATUS, RESTARTS "(N ago)", AGE', async () => {
    const o = await orch(['get', 'pods', '-A', '-o', 'wide']);
    expect(o.stdout.split('\n')).toEqual([
      'NAMESPACE   NAME          READY   STATUS             RESTARTS       AGE     IP           NODE',
      'default     crash         0/1     CrashLoopBackOff   5 (45s ago)    9h      10.244.1.8   node-1',
      'default     init          0/1     Init:0/1           0              70s     <none>       node-1',
      'default     pending       0/1     Pending            0              2m30s   <none>       <none>',
      'default     running       1/1     Running            2 (130m ago)   3d4h    10.244.1.7   node-1',
      'default     terminating   1/1     Terminating        0              5m      10.244.2.3   node-2',
      'other       completed     0/1     Completed          0              20m     <none>       node-2',
      '',
    ]);
  });

  test('get -w: the same header and rows as changes arrive', async () => {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'watched' } } as Namespace);
    const watchers: { proc: ChildProcess; out: string }[] = [
      { proc: spawn(process.execPath, [ORCH_ENTRY, 'get', 'pods', '-n', 'watched', '-w', ...clients.orchArgs], { env: { ...process.env, ORCH_HOME: dir, NO_COLOR: '1' } }), out: '' },
      { proc: spawn('kubectl', [...clients.kubectlArgs, 'get', 'pods', '-n', 'watched', '-w'], { env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } }), out: '' },
    ];
    for (const w of watchers) w.proc.stdout!.on('data', (d) => (w.out += String(d)));
    try {
      // Both have listed (nothing yet) and are watching once the namespace's first pod shows up in both.
      await podAt(0, 'w1', { ns: 'watched' });
      await eventually('both watches to print w1', () => watchers.every((w) => w.out.includes('w1')), 20_000);
      await client.pods.bind({ metadata: { name: 'w1', namespace: 'watched' }, target: { name: 'node-1' } });
      await client.pods.patchStatus('w1', 'watched', { status: { phase: 'Running', containerStatuses: [status('web', { running: {} }, { ready: true })] } });
      await eventually('both watches to print w1 Running', () => watchers.every((w) => w.out.includes('Running')), 20_000);
      const [o, k] = watchers.map((w) => w.out);
      expect(o).toBe(k);
      expect(o!.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      expect(o!.split('\n').filter((l) => l.startsWith('NAME')).length).toBe(1);
    } finally {
      for (const w of watchers) w.proc.kill('SIGTERM');
      nowMs = T0;
    }
  });
});
