// Table-driven tests of the pure pod plan: a pod and what Docker shows → the actions, in
// order, and the waiting reasons the status will show. No Docker, no clock, no API.
// Containers: app containers join the sandbox S (NetworkMode container:S) unless a row says otherwise.

import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../api/types.js';
import { planPod, type Action, type PodFacts } from './pod-plan.js';
import { containerHash } from './pod-to-container.js';
import type { ContainerInfo, ContainerStateName } from './runtime/types.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const iso = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();

const spec = (name: string, image = 'img:1'): Container => ({ name, image, imagePullPolicy: 'IfNotPresent' });

function pod(containers: string[] | Container[], extra: { spec?: Partial<Pod['spec']>; meta?: Partial<Pod['metadata']>; phase?: 'Succeeded' } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', ...extra.meta },
    spec: { nodeName: 'n', containers: containers.map((c) => (typeof c === 'string' ? spec(c) : c)), ...extra.spec },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  };
}

interface Ctr {
  id: string;
  name: string;
  attempt: number;
  state: ContainerStateName;
  /** ms before NOW it exited (exited containers; it ran 1 s). */
  exitedAgo?: number;
  exitCode?: number;
  stale?: boolean;
  networkMode?: string;
}

function ctr(c: Ctr): ContainerInfo {
  const finished = c.state === 'exited' ? iso(c.exitedAgo ?? 0) : undefined;
  return {
    id: c.id,
    name: `orch_default_web_${c.name}_u1_${c.attempt}`,
    labels: {
      'orch.io/container': c.name,
      'orch.io/attempt': String(c.attempt),
      ...(c.name === 'POD' ? {} : { 'orch.io/container-hash': c.stale ? 'old-hash' : containerHash(spec(c.name)) }),
    },
    state: c.state,
    image: 'img:1',
    imageId: 'sha256:1',
    createdAt: iso(60_000 - c.attempt),
    startedAt: c.state === 'created' ? undefined : iso((c.exitedAgo ?? 0) + 1000),
    finishedAt: finished,
    exitCode: c.exitCode ?? (c.state === 'exited' ? 1 : 0),
    networkMode: c.networkMode ?? (c.name === 'POD' ? 'bridge' : 'container:S'),
  };
}

function facts(p: Pod, containers: Ctr[], extra: Partial<PodFacts> = {}): PodFacts {
  return {
    pod: p,
    containers: containers.map(ctr),
    now: NOW,
    terminating: false,
    stopping: new Map(),
    replaced: new Set(),
    restartDelayMs: () => 0,
    volumesRefreshMs: 30_000,
    ...extra,
  };
}

/** One line per action, compact enough for a table. */
function show(a: Action): string {
  switch (a.type) {
    case 'begin-termination':
      return `begin-termination ${a.graceSeconds}s`;
    case 'stop':
      return `stop ${a.container} ${a.id} ${a.graceSeconds}s ${a.purpose}`;
    case 'await-stop':
      return `await-stop ${a.container} ${a.id}`;
    case 'remove':
      return `remove ${a.id}`;
    case 'create':
      return `create ${a.container}#${a.attempt} ${a.network}`;
    case 'create-sandbox':
      return `create-sandbox #${a.attempt}${a.changed ? ' changed' : ''}`;
    case 'start-sandbox':
      return `start-sandbox${a.id ? ` ${a.id}` : ''}`;
    case 'start':
      return `start ${a.container}${a.id ? ` ${a.id}` : ''}`;
    case 'back-off':
      return `back-off ${a.container} ${a.waitMs}ms`;
    case 'refresh-volumes':
      return `refresh-volumes${a.compare ? ' compare' : ''}`;
    case 'pull-image':
    case 'write-volumes':
      return `${a.type} ${a.container}`;
    default:
      return a.type;
  }
}

const chain = (c: string, attempt: number, network = 'sandbox') => [`pull-image ${c}`, `write-volumes ${c}`, `create ${c}#${attempt} ${network}`, `start ${c}`];
const sandboxChain = (attempt: number, changed = false) => ['pull-image POD', 'write-volumes POD', `create-sandbox #${attempt}${changed ? ' changed' : ''}`, 'start-sandbox'];
/** The pod's running sandbox. */
const SB: Ctr = { id: 'S', name: 'POD', attempt: 0, state: 'running' };

interface Row {
  name: string;
  facts: PodFacts;
  actions: string[];
  /** Waiting reasons per container (only those that wait). */
  waiting?: Record<string, string>;
}

const deleting = (extra: Partial<Pod['metadata']> = {}) => ({ deletionTimestamp: iso(0), deletionGracePeriodSeconds: 30, ...extra });

const rows: Row[] = [
  { name: 'new pod: the sandbox first, then pull, volumes, create (joining it), start, status', facts: facts(pod(['main']), []), actions: [...sandboxChain(0), ...chain('main', 0), 'update-status'] },
  { name: 'running and current: only the status', facts: facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running' }]), actions: ['update-status'] },
  { name: 'created but not started (agent died between): start it', facts: facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'created' }]), actions: ['start main c0', 'update-status'] },
  {
    name: 'spec changed: stop to replace, with the pod grace period',
    facts: facts(pod(['main'], { spec: { terminationGracePeriodSeconds: 7 } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running', stale: true }]),
    actions: ['stop main c0 7s replace', 'update-status'],
  },
  {
    name: 'stop in flight: wait for it, act on nothing else of that container',
    facts: facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running', stale: true }], { stopping: new Map([['c0', NOW + 20_000]]) }),
    actions: ['await-stop main c0', 'update-status'],
  },
  {
    name: 'stopped to be replaced: next attempt at once, whatever the restart policy and backoff',
    facts: facts(pod(['main'], { spec: { restartPolicy: 'Never' } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitCode: 143 }], { replaced: new Set(['c0']), restartDelayMs: () => 60_000 }),
    actions: [...chain('main', 1), 'update-status'],
  },
  {
    name: 'exited, Always, backoff over: next attempt',
    facts: facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited' }]),
    actions: [...chain('main', 1), 'update-status'],
  },
  {
    name: 'exited with an older previous attempt: it goes once the new one started',
    facts: facts(pod(['main']), [
      SB,
      { id: 'c1', name: 'main', attempt: 1, state: 'exited' },
      { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitedAgo: 5000 },
    ]),
    actions: [...chain('main', 2), 'remove c0', 'update-status'],
  },
  {
    name: 'exited, backoff not over: wait the rest (CrashLoopBackOff)',
    facts: facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitedAgo: 1000 }], { restartDelayMs: () => 5000 }),
    actions: ['back-off main 4000ms', 'update-status'],
    waiting: { main: 'CrashLoopBackOff' },
  },
  { name: 'exited 0 with OnFailure: done', facts: facts(pod(['main'], { spec: { restartPolicy: 'OnFailure' } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitCode: 0 }]), actions: ['update-status'] },
  { name: 'exited 1 with Never: done', facts: facts(pod(['main'], { spec: { restartPolicy: 'Never' } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited' }]), actions: ['update-status'] },
  { name: 'finished pod: never restarted, nor its sandbox', facts: facts(pod(['main'], { phase: 'Succeeded' }), [{ ...SB, state: 'exited', exitCode: 0 }, { id: 'c0', name: 'main', attempt: 0, state: 'exited' }]), actions: ['update-status'] },
  {
    name: 'two containers: both join the sandbox',
    facts: facts(pod(['a', 'b']), []),
    actions: [...sandboxChain(0), ...chain('a', 0), ...chain('b', 0), 'update-status'],
  },
  {
    name: 'one container restarts: the sandbox and its sibling are left alone',
    facts: facts(pod(['a', 'b']), [SB, { id: 'A', name: 'a', attempt: 0, state: 'exited' }, { id: 'B', name: 'b', attempt: 0, state: 'running' }]),
    actions: [...chain('a', 1), 'update-status'],
  },
  {
    name: 'sandbox died: a new attempt (SandboxChanged); the containers in the dead namespace are replaced',
    facts: facts(pod(['a', 'b']), [
      { ...SB, state: 'exited', exitCode: 137 },
      { id: 'A', name: 'a', attempt: 0, state: 'running' },
      { id: 'B', name: 'b', attempt: 0, state: 'running' },
    ]),
    actions: [...sandboxChain(1, true), 'stop a A 30s replace', 'stop b B 30s replace', 'update-status'],
  },
  {
    name: 'sandbox replaced: a container still in the old namespace is replaced; the old sandbox stays while it runs there',
    facts: facts(pod(['a']), [{ ...SB, id: 'S2', attempt: 1 }, { ...SB, state: 'exited' }, { id: 'A', name: 'a', attempt: 0, state: 'running' }]),
    actions: ['stop a A 30s replace', 'update-status'],
  },
  {
    name: 'an old sandbox nothing runs in any more is removed',
    facts: facts(pod(['a']), [{ ...SB, id: 'S2', attempt: 1 }, { ...SB, state: 'exited' }, { id: 'A', name: 'a', attempt: 1, state: 'running', networkMode: 'container:S2' }]),
    actions: ['remove S', 'update-status'],
  },
  {
    name: 'a container from before sandboxes (its own bridge network) is replaced to join the sandbox',
    facts: facts(pod(['a']), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running', networkMode: 'bridge' }]),
    actions: ['stop a A 30s replace', 'update-status'],
  },
  {
    name: 'sandbox keeps dying: re-created with backoff; the containers wait',
    facts: facts(pod(['a']), [{ ...SB, state: 'exited', exitedAgo: 0 }], { restartDelayMs: () => 2000 }),
    actions: ['back-off POD 2000ms', 'update-status'],
    waiting: { a: 'ContainerCreating' },
  },
  {
    name: 'sandbox created but not started (agent died between): start it, then the containers',
    facts: facts(pod(['a']), [{ ...SB, state: 'created' }]),
    actions: ['start-sandbox S', ...chain('a', 0), 'update-status'],
  },
  {
    name: 'sandbox created but not started, with a container created to join it (agent died before the starts): both started',
    facts: facts(pod(['a']), [{ ...SB, state: 'created' }, { id: 'A', name: 'a', attempt: 0, state: 'created' }]),
    actions: ['start-sandbox S', 'start a A', 'update-status'],
  },
  {
    name: 'a container created to join a sandbox whose start failed: removed and made again (same attempt) in the new sandbox',
    facts: facts(pod(['a']), [{ ...SB, state: 'exited' }, { id: 'A', name: 'a', attempt: 2, state: 'created' }]),
    actions: [...sandboxChain(1, true), 'remove A', ...chain('a', 2), 'update-status'],
  },
  {
    name: 'a never-started container of an older sandbox, the new one running: made again in it',
    facts: facts(pod(['a']), [{ ...SB, id: 'S2', attempt: 1 }, { ...SB, state: 'exited' }, { id: 'A', name: 'a', attempt: 0, state: 'created' }]),
    actions: ['remove A', ...chain('a', 0), 'remove S', 'update-status'],
  },
  {
    name: 'pod network not ready: no sandbox yet, the containers wait (NetworkNotReady)',
    facts: facts(pod(['a']), [], { network: { ready: false, reason: 'no pod CIDR assigned yet' } }),
    actions: ['update-status'],
    waiting: { a: 'NetworkNotReady' },
  },
  {
    name: 'pod network not ready: a running sandbox and its containers are left alone',
    facts: facts(pod(['a']), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running' }], { network: { ready: false, reason: 'no pod CIDR assigned yet' } }),
    actions: ['update-status'],
  },
  {
    name: 'hostNetwork: no sandbox, the containers use the host network',
    facts: facts(pod(['a', 'b'], { spec: { hostNetwork: true } }), []),
    actions: [...chain('a', 0, 'host'), ...chain('b', 0, 'host'), 'update-status'],
  },
  {
    name: 'hostNetwork: running on the host network is current',
    facts: facts(pod(['a'], { spec: { hostNetwork: true } }), [{ id: 'A', name: 'a', attempt: 0, state: 'running', networkMode: 'host' }]),
    actions: ['update-status'],
  },
  {
    name: 'finished pod: its sandbox is stopped once nothing runs',
    facts: facts(pod(['main'], { phase: 'Succeeded' }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitCode: 0 }]),
    actions: ['stop POD S 30s replace', 'update-status'],
  },
  {
    name: 'old attempts and containers no longer in the spec are removed',
    facts: facts(pod(['main']), [
      SB,
      { id: 'c2', name: 'main', attempt: 2, state: 'running' },
      { id: 'c1', name: 'main', attempt: 1, state: 'exited' },
      { id: 'c0', name: 'main', attempt: 0, state: 'exited' },
      { id: 'x', name: 'gone', attempt: 0, state: 'running' },
    ]),
    actions: ['remove c0', 'remove x', 'update-status'],
  },
  {
    name: 'deletion: stop every running container with the deletion grace period, in parallel; the sandbox keeps running',
    facts: facts(pod(['a', 'b'], { meta: deleting({ deletionGracePeriodSeconds: 12 }), spec: { terminationGracePeriodSeconds: 60 } }), [
      SB,
      { id: 'A', name: 'a', attempt: 0, state: 'running' },
      { id: 'B', name: 'b', attempt: 0, state: 'running' },
    ]),
    actions: ['begin-termination 12s', 'stop a A 12s delete', 'stop b B 12s delete'],
  },
  {
    name: 'deletion under way: stops in flight are waited for, not repeated',
    facts: facts(pod(['a'], { meta: deleting() }), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running' }], { terminating: true, stopping: new Map([['A', NOW + 25_000]]) }),
    actions: ['await-stop a A'],
  },
  {
    name: 'a second delete with a shorter grace period stops again with it',
    facts: facts(pod(['a'], { meta: deleting({ deletionGracePeriodSeconds: 2 }) }), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running' }], { terminating: true, stopping: new Map([['A', NOW + 25_000]]) }),
    actions: ['stop a A 2s delete'],
  },
  {
    name: 'deletion: nothing runs any more: remove everything, the sandbox last, confirm',
    facts: facts(pod(['a'], { meta: deleting() }), [
      SB,
      { id: 'A', name: 'a', attempt: 1, state: 'exited', exitCode: 137 },
      { id: 'A0', name: 'a', attempt: 0, state: 'exited' },
    ], { terminating: true }),
    actions: ['remove A', 'remove A0', 'remove S', 'confirm-deletion'],
  },
  {
    name: 'deleted, drain gate waiting: no stop yet (no preStop, no SIGTERM), only await-drain',
    facts: facts(pod(['a'], { meta: deleting() }), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running' }], { drain: 'waiting' }),
    actions: ['begin-termination 30s', 'await-drain'],
  },
  {
    name: 'deleted, drain gate done: the stops go ahead with the whole grace period',
    facts: facts(pod(['a'], { meta: deleting() }), [SB, { id: 'A', name: 'a', attempt: 0, state: 'running' }], { terminating: true, drain: 'done' }),
    actions: ['stop a A 30s delete'],
  },
  {
    name: 'deleted, drain gate waiting but nothing runs any more: removed and confirmed at once',
    facts: facts(pod(['a'], { meta: deleting() }), [SB, { id: 'A', name: 'a', attempt: 0, state: 'exited' }], { terminating: true, drain: 'waiting' }),
    actions: ['remove A', 'remove S', 'confirm-deletion'],
  },
  {
    name: 'a stale cache copy (no deletionTimestamp) of a terminating uid is never revived',
    facts: facts(pod(['a']), [], { terminating: true }),
    actions: ['confirm-deletion'],
  },
  {
    name: 'configMap/secret volumes: the first pass starts the refresh period',
    facts: facts(pod(['main'], { spec: { volumes: [{ name: 'c', configMap: { name: 'cm' } }] } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running' }]),
    actions: ['update-status', 'refresh-volumes'],
  },
  {
    name: 'configMap/secret volumes: compared with the API once the period passed',
    facts: facts(pod(['main'], { spec: { volumes: [{ name: 's', secret: { secretName: 's' } }] } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running' }], { volumesCheckedAt: NOW - 30_000 }),
    actions: ['update-status', 'refresh-volumes compare'],
  },
  {
    name: 'configMap/secret volumes: not before',
    facts: facts(pod(['main'], { spec: { volumes: [{ name: 's', secret: { secretName: 's' } }] } }), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'running' }], { volumesCheckedAt: NOW - 29_999 }),
    actions: ['update-status'],
  },
];

describe('planPod', () => {
  it.each(rows)('$name', (row) => {
    const plan = planPod(row.facts);
    expect(plan.actions.map(show)).toEqual(row.actions);
    const waiting = Object.fromEntries(plan.containers.filter((o) => o.waiting).map((o) => [o.container.name, o.waiting!.reason]));
    expect(waiting).toEqual(row.waiting ?? {});
  });

  it('the CrashLoopBackOff message names the whole delay, and the backoff is asked about that exit', () => {
    const asked: string[] = [];
    const f = facts(pod(['main']), [SB, { id: 'c0', name: 'main', attempt: 0, state: 'exited', exitedAgo: 1000 }], {
      restartDelayMs: (container, exitedId, ranForMs) => {
        asked.push(`${container} ${exitedId} ran ${ranForMs}ms`);
        return 8000;
      },
    });
    const plan = planPod(f);
    expect(asked).toEqual(['main c0 ran 1000ms']);
    expect(plan.containers[0]!.waiting).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 8s restarting failed container=main pod=web_default(u1)' });
  });

  it('observations carry the current and previous attempts and the restart count', () => {
    const plan = planPod(facts(pod(['main']), [
      SB,
      { id: 'c3', name: 'main', attempt: 3, state: 'running' },
      { id: 'c2', name: 'main', attempt: 2, state: 'exited' },
    ]));
    const o = plan.containers[0]!;
    expect([o.current?.id, o.previous?.id, o.restartCount]).toEqual(['c3', 'c2', 3]);
  });
});
