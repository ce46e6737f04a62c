// Init containers, sidecars and their order in the pure pod plan (pod-plan.ts + init-plan.ts)
// and in the status computed from it: facts in, actions and statuses out. No Docker.

import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '../api/types.js';
import { planPod, type Action, type PodFacts } from './pod-plan.js';
import { computePodStatus } from './pod-status.js';
import { containerHash } from './pod-to-container.js';
import type { ContainerInfo, ContainerStateName } from './runtime/types.js';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const iso = (msBeforeNow: number) => new Date(NOW - msBeforeNow).toISOString();
const img = { image: 'img:1', imagePullPolicy: 'IfNotPresent' as const };

const regular = (name: string): Container => ({ name, ...img });
const sidecar = (name: string, extra: Partial<Container> = {}): Container => ({ name, ...img, restartPolicy: 'Always', ...extra });

function pod(inits: Container[], extra: { apps?: string[]; restartPolicy?: Pod['spec']['restartPolicy']; deleting?: boolean; phase?: 'Failed' } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', ...(extra.deleting ? { deletionTimestamp: iso(0), deletionGracePeriodSeconds: 30 } : {}) },
    spec: { nodeName: 'n', restartPolicy: extra.restartPolicy ?? 'Always', initContainers: inits, containers: (extra.apps ?? ['app']).map(regular) },
    ...(extra.phase ? { status: { phase: extra.phase } } : {}),
  };
}

type State = ContainerStateName | 'ok' | 'failed';
/** [id, container name, state, attempt?, sandbox id?]: 'ok'/'failed' are exited 0/1, 1 s before now. */
type C = [string, string, State, number?, string?];

function facts(p: Pod, cs: C[], extra: Partial<PodFacts> = {}): PodFacts {
  const specs = new Map([...(p.spec.initContainers ?? []), ...p.spec.containers].map((c) => [c.name, c]));
  const info = ([id, name, st, attempt = 0, sb = 'S']: C): ContainerInfo => {
    const state: ContainerStateName = st === 'ok' || st === 'failed' ? 'exited' : st;
    const sandbox = name === 'POD';
    return {
      id,
      name: `orch_default_web_${name}_u1_${attempt}`,
      labels: { 'orch.io/container': name, 'orch.io/attempt': String(attempt), ...(sandbox ? {} : { 'orch.io/container-hash': containerHash(specs.get(name)!) }) },
      state,
      image: 'img:1',
      imageId: 'sha256:1',
      createdAt: iso(60_000 - attempt),
      startedAt: state === 'created' ? undefined : iso(2000),
      finishedAt: state === 'exited' ? iso(1000) : undefined,
      exitCode: st === 'ok' ? 0 : st === 'failed' || state === 'exited' ? 1 : 0,
      networkMode: sandbox ? 'bridge' : `container:${sb}`,
    };
  };
  return { pod: p, containers: cs.map(info), now: NOW, terminating: false, stopping: new Map(), replaced: new Set(), restartDelayMs: () => 0, volumesRefreshMs: 30_000, ...extra };
}

const SB: C = ['S', 'POD', 'running'];
const chain = (c: string, attempt = 0) => [`pull-image ${c}`, `write-volumes ${c}`, `create ${c}#${attempt}`, `start ${c}`];

function show(a: Action): string {
  switch (a.type) {
    case 'stop':
      return `stop ${a.container} ${a.id}`;
    case 'create':
      return `create ${a.container}#${a.attempt}`;
    case 'start':
      return `start ${a.container}${a.id ? ` ${a.id}` : ''}`;
    case 'back-off':
      return `back-off ${a.container}`;
    case 'await-stop':
      return `await-stop ${a.container}`;
    case 'remove':
      return `remove ${a.id}`;
    case 'pull-image':
    case 'write-volumes':
      return `${a.type} ${a.container}`;
    default:
      return a.type;
  }
}

function plan(f: PodFacts) {
  const p = planPod(f);
  const waiting: Record<string, string> = {};
  for (const o of [...(p.initContainers ?? []), ...p.containers]) if (o.waiting) waiting[o.container.name] = o.waiting.reason;
  return { actions: p.actions.map(show).filter((a) => !a.startsWith('pull-image POD') && a !== 'update-status'), all: p.actions.map(show), waiting, p };
}

describe('init containers: one at a time, in order, each to completion', () => {
  const p = pod([regular('i1'), regular('i2')]);
  it('a new pod runs the first one only; the rest wait PodInitializing', () => {
    const r = plan(facts(p, [SB]));
    expect(r.actions).toEqual(chain('i1'));
    expect(r.waiting).toEqual({ i2: 'PodInitializing', app: 'PodInitializing' });
  });
  it('the next one starts once the previous exited 0; the app once all did', () => {
    expect(plan(facts(p, [SB, ['A', 'i1', 'running']])).actions).toEqual([]);
    expect(plan(facts(p, [SB, ['A', 'i1', 'ok']])).actions).toEqual(chain('i2'));
    expect(plan(facts(p, [SB, ['A', 'i1', 'ok'], ['B', 'i2', 'ok']])).actions).toEqual(chain('app'));
  });
  it('once the app ran in this sandbox, init containers never run again', () => {
    expect(plan(facts(p, [SB, ['A', 'i1', 'ok'], ['B', 'i2', 'ok'], ['C', 'app', 'running']])).actions).toEqual([]);
    // The app crashed: restarted, not the init containers.
    expect(plan(facts(p, [SB, ['A', 'i1', 'ok'], ['B', 'i2', 'ok'], ['C', 'app', 'failed']])).actions).toEqual(chain('app', 1));
  });
  it('a new sandbox runs them all again, in order', () => {
    const f = facts(p, [['S2', 'POD', 'running', 1], ['S', 'POD', 'exited'], ['A', 'i1', 'ok'], ['B', 'i2', 'ok'], ['C', 'app', 'exited']], { replaced: new Set(['C']) });
    const r = plan(f);
    expect(r.actions).toEqual([...chain('i1', 1), 'remove S']);
    expect(r.waiting).toMatchObject({ app: 'PodInitializing' });
  });
});

describe('a failing init container', () => {
  it('Always/OnFailure: the failure is written first (Init:Error), then it is restarted', () => {
    for (const policy of ['Always', 'OnFailure'] as const) {
      const r = plan(facts(pod([regular('i1')], { restartPolicy: policy }), [SB, ['A', 'i1', 'failed']]));
      expect(r.all.indexOf('update-status')).toBeLessThan(r.all.indexOf('create i1#1'));
      expect(r.actions).toEqual(chain('i1', 1));
    }
  });
  it('backing off: CrashLoopBackOff, the app waits', () => {
    const r = plan(facts(pod([regular('i1')]), [SB, ['A', 'i1', 'failed']], { restartDelayMs: () => 10_000 }));
    expect(r.actions).toEqual(['back-off i1']);
    expect(r.waiting).toEqual({ i1: 'CrashLoopBackOff', app: 'PodInitializing' });
  });
  it('Never: not retried, the app never starts, the pod fails', () => {
    const p = pod([regular('i1'), regular('i2')], { restartPolicy: 'Never' });
    const r = plan(facts(p, [SB, ['A', 'i1', 'failed']]));
    expect(r.actions).toEqual([]);
    const st = computePodStatus({ pod: p, observations: r.p.containers, initObservations: r.p.initContainers, now: iso(0) });
    expect(st.phase).toBe('Failed');
    expect(st.initContainerStatuses?.map((s) => s.state.terminated?.reason ?? s.state.waiting?.reason)).toEqual(['Error', 'PodInitializing']);
  });
});

describe('sidecars (init containers with restartPolicy Always)', () => {
  const p = pod([sidecar('proxy'), regular('i1')], { restartPolicy: 'Never' });
  it('start in order; the next one as soon as the sidecar started', () => {
    expect(plan(facts(p, [SB])).actions).toEqual(chain('proxy'));
    expect(plan(facts(p, [SB, ['P', 'proxy', 'running']])).actions).toEqual(chain('i1'));
    expect(plan(facts(p, [SB, ['P', 'proxy', 'running'], ['A', 'i1', 'ok']])).actions).toEqual(chain('app'));
  });
  it('with the prober: a sidecar without a startup probe has started once running; one with a startup probe only once it passed', () => {
    const noProbeStarted = { started: () => false, ready: () => false, failed: () => undefined };
    // The prober tracks only probed containers: its "not started" must not hold back an unprobed sidecar.
    expect(plan(facts(p, [SB, ['P', 'proxy', 'running']], { probes: noProbeStarted })).actions).toEqual(chain('i1'));
    const probed = pod([sidecar('proxy', { startupProbe: { exec: { command: ['true'] } } }), regular('i1')], { restartPolicy: 'Never' });
    expect(plan(facts(probed, [SB, ['P', 'proxy', 'running']], { probes: noProbeStarted })).actions).toEqual([]);
    expect(plan(facts(probed, [SB, ['P', 'proxy', 'running']], { probes: { ...noProbeStarted, started: (id) => id === 'P' } })).actions).toEqual(chain('i1'));
  });

  it('not started while its postStart runs', () => {
    const r = plan(facts(p, [SB, ['P', 'proxy', 'running']], { postStartRunning: (id) => id === 'P' }));
    expect(r.actions).toEqual([]);
    expect(r.waiting).toMatchObject({ i1: 'PodInitializing', app: 'PodInitializing' });
  });
  it('restarted whenever it exits, whatever the pod restartPolicy', () => {
    expect(plan(facts(p, [SB, ['P', 'proxy', 'ok'], ['A', 'i1', 'ok'], ['C', 'app', 'running']])).actions).toEqual(chain('proxy', 1));
  });
  it('stopped when the app is done for good, last one first', () => {
    const two = pod([sidecar('s1'), sidecar('s2')], { restartPolicy: 'Never' });
    expect(plan(facts(two, [SB, ['X', 's1', 'running'], ['Y', 's2', 'running'], ['C', 'app', 'running']])).actions).toEqual([]);
    expect(plan(facts(two, [SB, ['X', 's1', 'running'], ['Y', 's2', 'running'], ['C', 'app', 'ok']])).actions).toEqual(['stop s2 Y']);
    expect(plan(facts(two, [SB, ['X', 's1', 'running'], ['Y', 's2', 'ok'], ['C', 'app', 'ok']])).actions).toEqual(['stop s1 X']);
  });
  it('deletion: the app first, then the sidecars in reverse order', () => {
    const two = pod([sidecar('s1'), sidecar('s2')], { deleting: true });
    const stops = (cs: C[], stopping: string[] = []) => plan(facts(two, cs, { stopping: new Map(stopping.map((id) => [id, NOW + 30_000])) })).all.filter((a) => a.startsWith('stop') || a.startsWith('await'));
    expect(stops([SB, ['X', 's1', 'running'], ['Y', 's2', 'running'], ['C', 'app', 'running']])).toEqual(['stop app C']);
    expect(stops([SB, ['X', 's1', 'running'], ['Y', 's2', 'running'], ['C', 'app', 'running']], ['C'])).toEqual(['await-stop app']);
    expect(stops([SB, ['X', 's1', 'running'], ['Y', 's2', 'running'], ['C', 'app', 'ok']])).toEqual(['stop s2 Y']);
    expect(stops([SB, ['X', 's1', 'running'], ['Y', 's2', 'ok'], ['C', 'app', 'ok']])).toEqual(['stop s1 X']);
  });
});

describe('status during init (kubelet wording)', () => {
  it('Pending, Initialized False naming the incomplete ones, completed ones ready', () => {
    const p = pod([regular('i1'), regular('i2')]);
    const r = plan(facts(p, [SB, ['A', 'i1', 'ok'], ['B', 'i2', 'running']]));
    const st = computePodStatus({ pod: p, observations: r.p.containers, initObservations: r.p.initContainers, now: iso(0) });
    expect(st.phase).toBe('Pending');
    expect(st.conditions?.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [i2]' });
    expect(st.initContainerStatuses?.map((s) => [s.name, s.ready])).toEqual([['i1', true], ['i2', false]]);
    expect(st.containerStatuses?.[0]?.state.waiting?.reason).toBe('PodInitializing');
  });
  it('a sidecar counts for Ready; Initialized once the app ran', () => {
    const p = pod([sidecar('proxy')]);
    const r = plan(facts(p, [SB, ['P', 'proxy', 'failed'], ['C', 'app', 'running']], { restartDelayMs: () => 5000 }));
    const st = computePodStatus({ pod: p, observations: r.p.containers, initObservations: r.p.initContainers, now: iso(0) });
    expect(st.phase).toBe('Running');
    expect(st.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    expect(st.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', message: 'containers with unready status: [proxy]' });
  });
});
