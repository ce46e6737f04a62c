// Unit tests of the DaemonSet controller's pure parts: which nodes run a daemon pod,
// the per-node plan, the rolling-update step arithmetic and the status counts.

import { describe, expect, it } from 'vitest';
import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Node, Pod, Taint } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH } from '../history/revisions.js';
import { newDaemonPod, targetNodeName } from './daemon-pods.js';
import { nodeShouldRunDaemonPod } from './eligibility.js';
import { FailedPodBackoff } from './failed-pod-backoff.js';
import { planNode } from './node-plan.js';
import { rollingLimits, rollingUpdateStep } from './rolling-update.js';
import { calculateStatus } from './status.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const ds = (spec: Partial<DaemonSet['spec']> = {}, tpl: Partial<DaemonSet['spec']['template']['spec']> = {}): DaemonSet => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'd', namespace: 'default', uid: 'u1', generation: 3 },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...tpl } }, ...spec },
});
const node = (name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints } });
let seq = 0;
function pod(nodeName: string, hash: string, o: { ready?: boolean; phase?: string; deleting?: boolean; readySince?: number } = {}): Pod {
  seq++;
  const ready = o.ready ?? true;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${seq}`, namespace: 'default', uid: `uid${seq}`, labels: { a: 'b', [CONTROLLER_REVISION_HASH]: hash }, creationTimestamp: new Date(NOW - 100_000 + seq * 1000).toISOString(), ...(o.deleting ? { deletionTimestamp: new Date(NOW).toISOString() } : {}) },
    spec: { nodeName, containers: [{ name: 'c', image: 'i' }] },
    status: { phase: (o.phase ?? 'Running') as 'Running', conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(o.readySince ?? NOW - 60_000).toISOString() }] : [] },
  };
}

describe('eligibility', () => {
  it('nodeSelector, node affinity and template nodeName narrow the nodes', () => {
    expect(nodeShouldRunDaemonPod(ds({}, { nodeSelector: { role: 'edge' } }), node('n', { role: 'edge' })).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(ds({}, { nodeSelector: { role: 'edge' } }), node('n'))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['x'] }] }] } } };
    expect(nodeShouldRunDaemonPod(ds({}, { affinity }), node('n', { zone: 'x' })).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(ds({}, { affinity }), node('n', { zone: 'y' })).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(ds({}, { nodeName: 'm' }), node('n')).shouldRun).toBe(false);
  });

  it('the daemon tolerations cover not-ready, unreachable, pressure and cordoned nodes', () => {
    for (const t of [
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
    ] as Taint[]) {
      expect(nodeShouldRunDaemonPod(ds(), node('n', {}, [t])).shouldRun, t.key).toBe(true);
    }
    const net: Taint = { key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' };
    expect(nodeShouldRunDaemonPod(ds(), node('n', {}, [net])).shouldRun).toBe(false);
    expect(nodeShouldRunDaemonPod(ds({}, { hostNetwork: true }), node('n', {}, [net])).shouldRun).toBe(true);
  });

  it('an untolerated NoSchedule taint keeps new pods away but not running ones; NoExecute removes them', () => {
    expect(nodeShouldRunDaemonPod(ds(), node('n', {}, [{ key: 'k', effect: 'NoSchedule' }]))).toEqual({ shouldRun: false, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(ds(), node('n', {}, [{ key: 'k', effect: 'NoExecute' }]))).toEqual({ shouldRun: false, shouldContinueRunning: false });
    expect(nodeShouldRunDaemonPod(ds(), node('n', {}, [{ key: 'k', effect: 'PreferNoSchedule' }])).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(ds({}, { tolerations: [{ key: 'k', operator: 'Exists' }] }), node('n', {}, [{ key: 'k', effect: 'NoExecute' }])).shouldRun).toBe(true);
  });

  it('a daemon pod is pinned with matchFields and found again by it', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['x'] }] }] } } };
    const p = newDaemonPod(ds({}, { affinity, tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }] }), 'n7', 'h1', { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'd', uid: 'u1', controller: true });
    expect(p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }]);
    expect(p.spec.nodeName).toBeUndefined();
    expect(targetNodeName(p)).toBe('n7');
    expect(p.metadata.labels).toEqual({ a: 'b', [CONTROLLER_REVISION_HASH]: 'h1' });
    // The user's toleration of the same key and effect wins (tolerationSeconds kept, not duplicated).
    expect(p.spec.tolerations!.filter((t) => t.key === 'node.kubernetes.io/not-ready')).toEqual([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]);
  });
});

describe('node plan', () => {
  const base = { hash: 'new', surge: false, minReadySeconds: 0, now: NOW };
  const run = { shouldRun: true, shouldContinueRunning: true };
  it('creates where a pod should run and none exists, waits for a terminating one', () => {
    expect(planNode({ ...base, eligibility: run, pods: [] }).create).toBe(true);
    expect(planNode({ ...base, eligibility: run, pods: [pod('n', 'old', { deleting: true })] })).toEqual({ create: false, delete: [], failed: [] });
  });
  it('keeps the oldest of several pods, reports failed ones, deletes succeeded ones', () => {
    const [a, b] = [pod('n', 'new'), pod('n', 'new')];
    expect(planNode({ ...base, eligibility: run, pods: [b, a] }).delete).toEqual([b]);
    const f = pod('n', 'new', { phase: 'Failed' });
    const s = pod('n', 'new', { phase: 'Succeeded' });
    expect(planNode({ ...base, eligibility: run, pods: [f, s] })).toEqual({ create: false, delete: [s], failed: [f] });
  });
  it('deletes every pod where none may run any more', () => {
    const a = pod('n', 'new');
    expect(planNode({ ...base, eligibility: { shouldRun: false, shouldContinueRunning: false }, pods: [a] }).delete).toEqual([a]);
    expect(planNode({ ...base, eligibility: { shouldRun: false, shouldContinueRunning: true }, pods: [a] }).delete).toEqual([]);
  });
  it('with surge, an old and a new pod overlap until the new one is available', () => {
    const old = pod('n', 'old');
    const fresh = pod('n', 'new', { ready: false });
    expect(planNode({ ...base, surge: true, eligibility: run, pods: [old, fresh] }).delete).toEqual([]);
    const ready = pod('n', 'new');
    expect(planNode({ ...base, surge: true, eligibility: run, pods: [old, ready] }).delete).toEqual([old]);
    // minReadySeconds not yet over: still both.
    const recent = pod('n', 'new', { readySince: NOW - 1000 });
    expect(planNode({ ...base, surge: true, minReadySeconds: 10, eligibility: run, pods: [old, recent] }).delete).toEqual([]);
  });
});

describe('rolling update step', () => {
  const nodes = (entries: [string, Pod[]][]) => new Map(entries);
  const input = (limits: { maxSurge: number; maxUnavailable: number }, m: Map<string, Pod[]>) => ({ limits, nodeToPods: m, hash: 'new', shouldRun: () => true, minReadySeconds: 0, now: NOW });

  it('limits: int or percent of desired nodes rounded up; both 0 means unavailable 1', () => {
    expect(rollingLimits(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: 0 } } }), 15)).toEqual({ maxSurge: 0, maxUnavailable: 2 });
    expect(rollingLimits(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '34%' } } }), 3)).toEqual({ maxSurge: 2, maxUnavailable: 0 });
    expect(rollingLimits(ds({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '0%', maxSurge: '0%' } } }), 3)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
    expect(rollingLimits(ds(), 5)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it('maxUnavailable 1: one available old pod at a time; unavailable old pods go at once', () => {
    const [a, b, c] = [pod('a', 'old'), pod('b', 'old'), pod('c', 'old', { ready: false })];
    const step = rollingUpdateStep(input({ maxSurge: 0, maxUnavailable: 1 }, nodes([['a', [a]], ['b', [b]], ['c', [c]]])));
    expect(step.deletePods).toEqual([c, a]);
    expect(step.createOnNodes).toEqual([]);
  });

  it('maxUnavailable 1: waits while a node lacks an available new pod', () => {
    const step = rollingUpdateStep(input({ maxSurge: 0, maxUnavailable: 1 }, nodes([['a', [pod('a', 'new', { ready: false })]], ['b', [pod('b', 'old')]]])));
    expect(step.deletePods).toEqual([]);
    const gone = rollingUpdateStep(input({ maxSurge: 0, maxUnavailable: 1 }, nodes([['a', [pod('a', 'old', { deleting: true })]], ['b', [pod('b', 'old')]]])));
    expect(gone.deletePods).toEqual([]);
  });

  it('maxUnavailable 2 of 3: two at once', () => {
    const ps = ['a', 'b', 'c'].map((n) => pod(n, 'old'));
    expect(rollingUpdateStep(input({ maxSurge: 0, maxUnavailable: 2 }, nodes(ps.map((p) => [p.spec.nodeName!, [p]])))).deletePods).toEqual(ps.slice(0, 2));
  });

  it('maxSurge 1: a new pod beside the old one, the old one deleted once the new is available', () => {
    const [a, b] = [pod('a', 'old'), pod('b', 'old')];
    expect(rollingUpdateStep(input({ maxSurge: 1, maxUnavailable: 0 }, nodes([['a', [a]], ['b', [b]]])))).toEqual({ deletePods: [], createOnNodes: ['a'] });
    const waiting = rollingUpdateStep(input({ maxSurge: 1, maxUnavailable: 0 }, nodes([['a', [a, pod('a', 'new', { ready: false })]], ['b', [b]]])));
    expect(waiting).toEqual({ deletePods: [], createOnNodes: [] });
    const done = rollingUpdateStep(input({ maxSurge: 1, maxUnavailable: 0 }, nodes([['a', [a, pod('a', 'new')]], ['b', [b]]])));
    // a's surge is over (its old pod goes): the next node surges in the same step.
    expect(done.deletePods).toEqual([a]);
    expect(done.createOnNodes).toEqual(['b']);
    // An unavailable old pod is replaced at once, beyond maxSurge.
    const sick = pod('b', 'old', { ready: false });
    expect(rollingUpdateStep(input({ maxSurge: 1, maxUnavailable: 0 }, nodes([['a', [a, pod('a', 'new', { ready: false })]], ['b', [sick]]]))).createOnNodes).toEqual(['b']);
  });
});

describe('status', () => {
  it('counts desired, current, ready, available, updated and misscheduled per node', () => {
    const m = new Map<string, Pod[]>([
      ['a', [pod('a', 'new')]],
      ['b', [pod('b', 'old')]],
      ['c', [pod('c', 'new', { ready: false })]],
      ['x', [pod('x', 'new')]],
    ]);
    const nodesRun = new Map([['a', true], ['b', true], ['c', true], ['d', true], ['x', false]]);
    const { status } = calculateStatus({ ds: ds(), nodes: nodesRun, nodeToPods: m, hash: 'new', now: NOW });
    expect(status).toEqual({ desiredNumberScheduled: 4, currentNumberScheduled: 3, numberMisscheduled: 1, numberReady: 2, numberAvailable: 2, numberUnavailable: 2, updatedNumberScheduled: 2, observedGeneration: 3 });
  });
  it('asks to look again when a ready pod becomes available after minReadySeconds', () => {
    const m = new Map<string, Pod[]>([['a', [pod('a', 'new', { readySince: NOW - 4000 })]]]);
    const r = calculateStatus({ ds: ds({ minReadySeconds: 10 }), nodes: new Map([['a', true]]), nodeToPods: m, hash: 'new', now: NOW });
    expect(r.status.numberAvailable).toBe(0);
    expect(r.recheckAfterMs).toBe(6000);
  });
});

describe('failed pod backoff', () => {
  it('1 s, 2 s, 4 s ... per node', () => {
    let now = 0;
    const b = new FailedPodBackoff(() => now);
    expect(b.holdOff('k')).toBe(0);
    now = 500;
    expect(b.holdOff('k')).toBe(500);
    now = 1000;
    expect(b.holdOff('k')).toBe(0);
    now = 2500;
    expect(b.holdOff('k')).toBe(500);
    now = 3000;
    expect(b.holdOff('k')).toBe(0);
    expect(b.holdOff('other')).toBe(0);
  });
});
