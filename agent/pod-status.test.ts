import { describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import { computePodStatus, type ContainerObservation } from './pod-status.js';
import type { ContainerInfo } from './runtime/types.js';

const NOW = '2026-01-01T00:00:10.000Z';

function pod(restartPolicy?: 'Always' | 'OnFailure' | 'Never', status?: Pod['status']): Pod {
  return {
    metadata: { name: 'p', namespace: 'd', uid: 'u' },
    spec: { nodeName: 'n', restartPolicy, containers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:2' }] },
    status,
  };
}

function ctr(id: string, state: ContainerInfo['state'], extra: Partial<ContainerInfo> = {}): ContainerInfo {
  return { id, name: id, labels: {}, state, image: 'img', imageId: 'sha256:abc', startedAt: '2026-01-01T00:00:01.000Z', ...extra };
}

function obs(p: Pod, a: Partial<ContainerObservation>, b: Partial<ContainerObservation>): ContainerObservation[] {
  return [
    { container: p.spec.containers[0]!, restartCount: 0, ...a },
    { container: p.spec.containers[1]!, restartCount: 0, ...b },
  ];
}

describe('computePodStatus', () => {
  it('nothing created yet → Pending with ContainerCreating, conditions false', () => {
    const p = pod();
    const s = computePodStatus({ pod: p, observations: obs(p, {}, {}), hostIP: '10.0.0.1', now: NOW });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses!.map((c) => c.state)).toEqual([{ waiting: { reason: 'ContainerCreating' } }, { waiting: { reason: 'ContainerCreating' } }]);
    expect(s.conditions!.map((c) => [c.type, c.status])).toEqual([
      ['PodScheduled', 'True'],
      ['Initialized', 'True'],
      ['ContainersReady', 'False'],
      ['Ready', 'False'],
    ]);
    expect(s.conditions![3]!.message).toBe('containers with unready status: [a b]');
    expect(s.hostIP).toBe('10.0.0.1');
    expect(s.startTime).toBe(NOW);
  });

  it('all running → Running/Ready with ids, pod IP; lastTransitionTime kept on no change', () => {
    const p = pod();
    const o = obs(p, { current: ctr('c1', 'running') }, { current: ctr('c2', 'running'), restartCount: 2, previous: ctr('c0', 'exited', { exitCode: 1, finishedAt: '2026-01-01T00:00:00.500Z' }) });
    const s = computePodStatus({ pod: p, observations: o, podIPs: ['172.17.0.2'], now: NOW });
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('172.17.0.2');
    expect(s.conditions!.every((c) => c.status === 'True')).toBe(true);
    const b = s.containerStatuses![1]!;
    expect(b).toMatchObject({ ready: true, restartCount: 2, containerID: 'docker://c2', imageID: 'docker://sha256:abc', image: 'img:2' });
    expect(b.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error', containerID: 'docker://c0' });
    const again = computePodStatus({ pod: { ...p, status: s }, observations: o, podIPs: ['172.17.0.2'], now: '2026-01-01T01:00:00.000Z' });
    expect(again).toEqual(s);
  });

  it('dual stack: podIP is the first (IPv4) address, podIPs both; without addresses the last known stay', () => {
    const p = pod();
    const o = obs(p, { current: ctr('c1', 'running') }, { current: ctr('c2', 'running') });
    const s = computePodStatus({ pod: p, observations: o, podIPs: ['10.244.1.5', 'fd00:10:244:1::5'], now: NOW });
    expect([s.podIP, s.podIPs]).toEqual(['10.244.1.5', [{ ip: '10.244.1.5' }, { ip: 'fd00:10:244:1::5' }]]);
    const later = computePodStatus({ pod: { ...p, status: s }, observations: o, podIPs: [], now: NOW });
    expect([later.podIP, later.podIPs]).toEqual([s.podIP, s.podIPs]);
  });

  it('crash loop waiting keeps lastState; phase stays Running under Always', () => {
    const p = pod();
    const dead = ctr('c1', 'exited', { exitCode: 137, oomKilled: true, finishedAt: '2026-01-01T00:00:05.000Z' });
    const s = computePodStatus({ pod: p, observations: obs(p, { current: dead, restartCount: 3, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 4s' } }, { current: ctr('c2', 'running') }), now: NOW });
    expect(s.phase).toBe('Running');
    const a = s.containerStatuses![0]!;
    expect(a.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 4s' } });
    expect(a.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled', signal: 9 });
    expect(a.ready).toBe(false);
  });

  it('terminal phases per restart policy', () => {
    const ok = (id: string) => ctr(id, 'exited', { exitCode: 0, finishedAt: NOW });
    const bad = (id: string) => ctr(id, 'exited', { exitCode: 2, finishedAt: NOW });
    let p = pod('Never');
    expect(computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: ok('2') }), now: NOW }).phase).toBe('Succeeded');
    expect(computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: bad('2') }), now: NOW }).phase).toBe('Failed');
    expect(computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: ctr('2', 'running') }), now: NOW }).phase).toBe('Running');
    p = pod('OnFailure');
    expect(computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: ok('2') }), now: NOW }).phase).toBe('Succeeded');
    expect(computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: bad('2') }), now: NOW }).phase).toBe('Running');
    const done = computePodStatus({ pod: p, observations: obs(p, { current: ok('1') }, { current: ok('2') }), now: NOW });
    expect(done.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(done.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    // A terminal phase never goes back.
    p = pod('Never', { phase: 'Failed' });
    expect(computePodStatus({ pod: p, observations: obs(p, {}, {}), now: NOW }).phase).toBe('Failed');
  });

  it('image pull failure shows in waiting reason; Pending', () => {
    const p = pod();
    const s = computePodStatus({ pod: p, observations: obs(p, { waiting: { reason: 'ErrImagePull', message: 'failed to pull image "x": no such host' } }, { current: ctr('c2', 'running') }), now: NOW });
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses![0]!.state.waiting).toEqual({ reason: 'ErrImagePull', message: 'failed to pull image "x": no such host' });
  });

  it('ready transition moves lastTransitionTime', () => {
    const p = pod();
    const s1 = computePodStatus({ pod: p, observations: obs(p, {}, {}), now: NOW });
    const later = '2026-01-01T00:05:00.000Z';
    const s2 = computePodStatus({ pod: { ...p, status: s1 }, observations: obs(p, { current: ctr('1', 'running') }, { current: ctr('2', 'running') }), now: later });
    const t = (s: typeof s1, type: string) => s.conditions!.find((c) => c.type === type)!.lastTransitionTime;
    expect(t(s2, 'Ready')).toBe(later);
    expect(t(s2, 'PodScheduled')).toBe(NOW);
  });
});

describe('computePodStatus: orch.io/ProxiesRouted (endpoint-drain/routed-condition.ts)', () => {
  const running = (p: Pod) => obs(p, { current: ctr('a1', 'running') }, { current: ctr('b1', 'running') });
  it('written False in the same status that first turns Ready True, when a Service selects the pod; kept on later passes', () => {
    const p = pod();
    const s = computePodStatus({ pod: p, observations: running(p), now: NOW, routed: { state: 'waiting', selected: true } });
    expect(s.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['PodScheduled', 'True', undefined],
      ['Initialized', 'True', undefined],
      ['ContainersReady', 'True', undefined],
      ['Ready', 'True', undefined],
      ['orch.io/ProxiesRouted', 'False', 'WaitingForProxies'],
    ]);
    const again = computePodStatus({ pod: { ...p, status: s }, observations: running(p), now: NOW, routed: { state: 'waiting', selected: true } });
    expect(again).toEqual(s);
    const routed = computePodStatus({ pod: { ...p, status: s }, observations: running(p), now: NOW, routed: { state: 'routed', selected: true } });
    expect(routed.conditions!.at(-1)).toMatchObject({ type: 'orch.io/ProxiesRouted', status: 'True', reason: 'Routed' });
  });

  it('protocol off or no fact: no such condition', () => {
    const p = pod();
    for (const routed of [{ state: 'off' } as const, undefined]) {
      const s = computePodStatus({ pod: p, observations: running(p), now: NOW, routed });
      expect(s.conditions!.map((c) => c.type)).not.toContain('orch.io/ProxiesRouted');
    }
  });
});
