import { describe, expect, it } from 'vitest';
import { FitError } from './fit-error.js';
import { Framework, normalise, PROFILE, type Profile } from './framework.js';
import { makePodInfo } from './pod-info.js';
import { makeNode, makePod, makeSnapshot } from './testing/builders.js';
import type { ScorePlugin } from './types.js';

function fitMessage(fw: Framework, pod: ReturnType<typeof makePod>, snap: ReturnType<typeof makeSnapshot>): string {
  try {
    fw.schedule(pod, snap);
  } catch (e) {
    if (e instanceof FitError) return e.message;
    throw e;
  }
  throw new Error('expected a FitError');
}

describe('Framework: FitError messages', () => {
  it("counts reasons across nodes exactly like Kubernetes' example", () => {
    const gpu = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' as const };
    const snap = makeSnapshot([
      makeNode({ name: 'a', cpu: '1' }),
      makeNode({ name: 'b', taints: [gpu] }),
      makeNode({ name: 'c', taints: [gpu] }),
    ]);
    expect(fitMessage(new Framework(), makePod({ name: 'p', cpu: '2' }), snap)).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}.',
    );
  });

  it('sorts the "count reason" strings as text and counts every resource shortfall', () => {
    const snap = makeSnapshot([
      makeNode({ name: 'a', cpu: '1', memory: '1Gi' }),
      makeNode({ name: 'b', cpu: '1', memory: '1Gi' }),
      makeNode({ name: 'c', unschedulable: true }),
      makeNode({ name: 'd', ready: false }),
    ]);
    expect(fitMessage(new Framework(), makePod({ name: 'p', cpu: '2', memory: '2Gi' }), snap)).toBe(
      '0/4 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable, 2 Insufficient cpu, 2 Insufficient memory.',
    );
  });

  it('stops at the first failing filter per node (cheap checks first)', () => {
    const snap = makeSnapshot([makeNode({ name: 'a', unschedulable: true, cpu: '1', taints: [{ key: 'k', effect: 'NoSchedule' }] })]);
    expect(fitMessage(new Framework(), makePod({ name: 'p', cpu: '2' }), snap)).toBe('0/1 nodes are available: 1 node(s) were unschedulable.');
  });

  it('has its own message when there are no nodes', () => {
    expect(fitMessage(new Framework(), makePod({ name: 'p' }), makeSnapshot([]))).toBe('no nodes available to schedule pods');
  });
});

describe('Framework: choosing a node', () => {
  it('picks the feasible node with most room', () => {
    const snap = makeSnapshot(
      [makeNode({ name: 'a' }), makeNode({ name: 'b' }), makeNode({ name: 'small', cpu: '100m' })],
      [makePod({ name: 'x', cpu: '2', memory: '4Gi', nodeName: 'a' })],
    );
    expect(new Framework().schedule(makePod({ name: 'p', cpu: '500m', memory: '1Gi' }), snap).nodeName).toBe('b');
  });

  it('breaks ties with the injected random source', () => {
    const snap = makeSnapshot([makeNode({ name: 'a' }), makeNode({ name: 'b' }), makeNode({ name: 'c' })]);
    const pod = makePod({ name: 'p', cpu: '1' });
    expect(new Framework({ random: () => 0 }).schedule(pod, snap).nodeName).toBe('a');
    expect(new Framework({ random: () => 0.5 }).schedule(pod, snap).nodeName).toBe('b');
    expect(new Framework({ random: () => 0.999 }).schedule(pod, snap).nodeName).toBe('c');
  });

  it('weights plugins: the heavier preference wins', () => {
    const likesA: ScorePlugin = { name: 'A', normalize: 'max', score: (_p, n) => (n.name === 'a' ? 1 : 0) };
    const likesB: ScorePlugin = { name: 'B', normalize: 'max', score: (_p, n) => (n.name === 'b' ? 1 : 0) };
    const snap = makeSnapshot([makeNode({ name: 'a' }), makeNode({ name: 'b' })]);
    const profile = (wa: number, wb: number): Profile => ({ filters: PROFILE.filters, scores: [{ plugin: likesA, weight: wa }, { plugin: likesB, weight: wb }] });
    const pod = makePod({ name: 'p' });
    expect(new Framework({ profile: profile(2, 1), random: () => 0.999 }).schedule(pod, snap).nodeName).toBe('a');
    expect(new Framework({ profile: profile(1, 2), random: () => 0 }).schedule(pod, snap).nodeName).toBe('b');
  });

  it('normalises raw scores to 0–100 per mode', () => {
    expect(normalise(3, 4, 'max')).toBe(75);
    expect(normalise(0, 0, 'max')).toBe(0);
    expect(normalise(1, 4, 'reverse')).toBe(75);
    expect(normalise(0, 0, 'reverse')).toBe(100);
    expect(normalise(62.9, 99, 'none')).toBe(62);
    expect(normalise(140, 0, 'none')).toBe(100);
  });

  it('scores through the whole profile: preferred affinity and PreferNoSchedule steer placement', () => {
    const snap = makeSnapshot([
      makeNode({ name: 'a', labels: { disk: 'ssd' } }),
      makeNode({ name: 'b', labels: { disk: 'ssd' }, taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] }),
      makeNode({ name: 'c' }),
    ]);
    const pod = makePod({
      name: 'p',
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } },
    });
    for (const r of [0, 0.5, 0.999]) expect(new Framework({ random: () => r }).schedule(pod, snap).nodeName).toBe('a');
  });

  it('spreads replicas of one owner evenly', () => {
    const names = ['n1', 'n2', 'n3', 'n4', 'n5'];
    const snap = makeSnapshot(names.map((name) => makeNode({ name })));
    const fw = new Framework({ random: () => 0.3 });
    for (let i = 0; i < 50; i++) {
      const pi = makePodInfo(makePod({ name: `p${i}`, ownerUid: 'rs1', cpu: '10m' }));
      snap.assume(pi, fw.schedule(pi, snap).nodeName);
    }
    expect(names.map((n) => snap.get(n)!.podCount)).toEqual([10, 10, 10, 10, 10]);
  });
});

describe('Framework: assumed pods', () => {
  it('prevent double-booking a node before the informer sees the binding', () => {
    const snap = makeSnapshot([makeNode({ name: 'only', cpu: '2' })]);
    const fw = new Framework();
    const first = makePodInfo(makePod({ name: 'p1', cpu: '1500m' }));
    snap.assume(first, fw.schedule(first, snap).nodeName);
    expect(() => fw.schedule(makePod({ name: 'p2', cpu: '1500m' }), snap)).toThrow('0/1 nodes are available: 1 Insufficient cpu.');
    // The binding failed: forgetting the assumption frees the room again.
    snap.forget(first.key);
    expect(fw.schedule(makePod({ name: 'p2', cpu: '1500m' }), snap).nodeName).toBe('only');
  });

  it('are confirmed by the informer without being counted twice, and expire if never confirmed', () => {
    const snap = makeSnapshot([makeNode({ name: 'n', cpu: '2' })]);
    const pod = makePod({ name: 'p1', cpu: '1' });
    snap.assume(makePodInfo(pod), 'n');
    // An informer update that still shows the pod pending keeps the assumption.
    snap.upsertPod(pod);
    expect(snap.get('n')!.requested.cpu).toBe(1000);
    snap.upsertPod({ ...pod, spec: { ...pod.spec, nodeName: 'n' } });
    expect(snap.get('n')!.requested.cpu).toBe(1000);
    expect(snap.isAssumed('default/p1')).toBe(false);

    const other = makePodInfo(makePod({ name: 'p2', cpu: '1' }));
    snap.assume(other, 'n');
    expect(snap.cleanupExpired(1_000_000)).toEqual([]); // binding not finished: never expires
    snap.finishBinding(other.key, 0);
    expect(snap.cleanupExpired(29_999)).toEqual([]);
    expect(snap.cleanupExpired(30_000)).toEqual(['default/p2']);
    expect(snap.get('n')!.requested.cpu).toBe(1000);
  });
});

describe('Framework: sampling large clusters', () => {
  it('filters every node below 100 nodes and max(100, 10%) feasible ones above, from a rotating start', () => {
    const fw = new Framework();
    expect(fw.numFeasibleNodesToFind(50)).toBe(50);
    expect(fw.numFeasibleNodesToFind(1000)).toBe(100);
    expect(fw.numFeasibleNodesToFind(5000)).toBe(500);

    const snap = makeSnapshot(Array.from({ length: 1000 }, (_, i) => makeNode({ name: `n${String(i).padStart(4, '0')}` })));
    const r1 = fw.schedule(makePod({ name: 'p1' }), snap);
    expect(r1).toMatchObject({ evaluatedNodes: 100, feasibleNodes: 100 });
    const r2 = fw.schedule(makePod({ name: 'p2' }), snap);
    // The second pod starts where the first stopped, so it can only land in n0100..n0199.
    const idx = Number(r2.nodeName.slice(1));
    expect(idx).toBeGreaterThanOrEqual(100);
    expect(idx).toBeLessThan(200);
  });

  it('examines every node when few are feasible, so the FitError counts all of them', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => makeNode({ name: `n${i}`, cpu: i === 299 ? '8' : '1' }));
    const snap = makeSnapshot(nodes);
    const fw = new Framework();
    expect(fw.schedule(makePod({ name: 'p', cpu: '4' }), snap)).toMatchObject({ nodeName: 'n299', evaluatedNodes: 300, feasibleNodes: 1 });
    expect(fitMessage(fw, makePod({ name: 'q', cpu: '16' }), snap)).toBe('0/300 nodes are available: 300 Insufficient cpu.');
  });
});
