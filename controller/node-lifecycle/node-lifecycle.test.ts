import { beforeEach, describe, expect, it } from 'vitest';
import type { Lease, Node, Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { isoSeconds } from '../../foundation/clock.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { DEFAULT_NODE_LIFECYCLE_OPTIONS, MONITOR_KEY, NodeLifecycleController, LEGACY_NODE_LEASE_NAMESPACE, NODE_LEASE_NAMESPACE } from './controller.js';
import { evictionDeadline, TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

const node = (name: string, ready: 'True' | 'False' = 'True'): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: { conditions: [{ type: 'Ready', status: ready, reason: 'AgentReady', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] },
});
const lease = (name: string, renew: string): Lease => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name, namespace: NODE_LEASE_NAMESPACE },
  spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: renew },
});
const pod = (name: string, nodeName: string, tolerations?: Pod['spec']['tolerations']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'x' }], ...(tolerations ? { tolerations } : {}) },
  status: { phase: 'Running' },
});

describe('evictionDeadline', () => {
  const taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute' as const, timeAdded: '2026-01-01T00:00:00Z' };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  it('uses the default timeout without a toleration, tolerationSeconds when one matches, never for an unlimited one', () => {
    expect(evictionDeadline(pod('a', 'n'), [taint], 10_000, t0)).toBe(t0 + 10_000);
    expect(evictionDeadline(pod('a', 'n', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }]), [taint], 10_000, t0)).toBe(t0 + 60_000);
    expect(evictionDeadline(pod('a', 'n', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }]), [taint], 10_000, t0)).toBeUndefined();
    expect(evictionDeadline(pod('a', 'n', [{ operator: 'Exists' }]), [taint], 10_000, t0)).toBeUndefined();
    expect(evictionDeadline(pod('a', 'n', [{ key: 'other', operator: 'Exists' }]), [taint], 10_000, t0)).toBe(t0 + 10_000);
  });
});

describe('NodeLifecycleController', () => {
  let clock: FakeClock;
  let client: FakeClient;
  let nodes: MemoryInformer<Node>;
  let leases: MemoryInformer<Lease>;
  let pods: MemoryInformer<Pod>;
  let recorder: RecordingRecorder;
  let ctrl: NodeLifecycleController;
  const sync = async () => {
    await syncInformer(client, 'nodes', nodes);
    await syncInformer(client, 'leases', leases);
    await syncInformer(client, 'pods', pods);
  };
  const renew = async (name: string) => {
    const l = await client.leases.get(name, NODE_LEASE_NAMESPACE);
    l.spec.renewTime = new Date(clock.now()).toISOString();
    await client.leases.update(l);
  };
  const pass = async () => {
    await sync();
    await ctrl.monitor();
    await sync();
  };
  const n = (name: string) => client.peek<Node>('nodes', name)!;

  beforeEach(() => {
    clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
    client = new FakeClient({ clock });
    nodes = new MemoryInformer();
    leases = new MemoryInformer();
    pods = new MemoryInformer();
    recorder = new RecordingRecorder();
    ctrl = new NodeLifecycleController({ client, nodes, leases, pods, recorder, clock, logger: silentLogger(), queue: new RecordingQueue() });
  });

  async function seedCluster(names: string[]) {
    client.seed(names.map((x) => node(x)));
    client.seed(names.map((x) => lease(x, '2026-01-01T00:00:00Z')));
    client.seed([pod('p1', 'n1'), pod('p2', 'n1', [{ key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]), pod('q1', 'n2')]);
    await pass();
  }

  it('is a one-key controller: its key is queued at once and comes back every monitor period', async () => {
    const queue = new RecordingQueue();
    const c = new NodeLifecycleController({ client, nodes, leases, pods, recorder, clock, logger: silentLogger(), queue, options: { monitorPeriodMs: 750 } });
    expect(queue.take()).toEqual([MONITOR_KEY]);
    expect(await c.reconcile(MONITOR_KEY)).toEqual({ requeueAfterMs: 750 });
  });

  it('a node whose lease stops being renewed gets Ready=Unknown, the unreachable taint, and its pods evicted after the timeout', async () => {
    await seedCluster(['n1', 'n2']);
    // The defaults (8 s grace, 4 s eviction timeout): one second past each.
    const { gracePeriodMs, podEvictionTimeoutMs } = DEFAULT_NODE_LIFECYCLE_OPTIONS;
    for (let t = 0; t < gracePeriodMs / 1000 + 1; t++) {
      await clock.advance(1000);
      await renew('n2');
      await pass();
    }
    const ready = n('n1').status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(n('n1').spec.taints).toEqual([{ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: isoSeconds(clock.now()) }]);
    expect(n('n2').spec.taints ?? []).toEqual([]);
    expect(recorder.events.filter((e) => e.reason === 'NodeNotReady').map((e) => e.object)).toEqual(['n1']);
    expect(client.actionsFor('delete', 'pods')).toHaveLength(0);
    for (let t = 0; t < podEvictionTimeoutMs / 1000 + 1; t++) {
      await clock.advance(1000);
      await renew('n2');
      await pass();
    }
    expect(client.actionsFor('delete', 'pods').map((a) => a.name)).toEqual(['p1']);
    expect(recorder.events.find((e) => e.reason === 'TaintManagerEviction')!.message).toBe('Marking for deletion Pod default/p1');
    // p2 tolerates the taint for 30 s
    for (let t = podEvictionTimeoutMs / 1000 + 1; t < 31; t++) {
      await clock.advance(1000);
      await renew('n2');
      await pass();
    }
    expect(client.actionsFor('delete', 'pods').map((a) => a.name)).toEqual(['p1', 'p2']);
  });

  it('reads Leases of older agents in orch-node-lease until the node renews one in kube-node-lease; a stale old one never keeps a node alive', async () => {
    const legacy = (name: string, renewTime: string): Lease => ({ ...lease(name, renewTime), metadata: { name, namespace: LEGACY_NODE_LEASE_NAMESPACE } });
    client.seed([node('old'), node('new'), legacy('old', '2026-01-01T00:00:00Z'), legacy('new', '2026-01-01T00:00:00Z'), lease('new', '2026-01-01T00:00:00Z')]);
    await pass();
    const readyOf = (name: string) => n(name).status!.conditions!.find((c) => c.type === 'Ready')!.status;
    for (let t = 0; t < 25; t++) {
      await clock.advance(1000);
      // The old agent renews where it always did; the new node's agent stopped, and only its
      // left-over old Lease still changes (an edit that is not a renewal by this agent).
      const o = await client.leases.get('old', LEGACY_NODE_LEASE_NAMESPACE);
      await client.leases.update({ ...o, spec: { ...o.spec, renewTime: new Date(clock.now()).toISOString() } });
      const stale = await client.leases.get('new', LEGACY_NODE_LEASE_NAMESPACE);
      await client.leases.update({ ...stale, spec: { ...stale.spec, renewTime: new Date(clock.now()).toISOString() } });
      await pass();
    }
    expect(readyOf('old')).toBe('True');
    expect(readyOf('new')).toBe('Unknown');
  });

  it('a node reporting Ready after NotReady (its pod network came up) is looked at at once: the not-ready taint goes before the next monitor period', async () => {
    const queue = new RecordingQueue();
    const c = new NodeLifecycleController({ client, nodes, leases, pods, recorder, clock, logger: silentLogger(), queue, options: { monitorPeriodMs: 60_000 } });
    client.seed([node('n1', 'False'), lease('n1', '2026-01-01T00:00:00Z')]);
    await sync();
    await c.monitor();
    await sync();
    expect(n('n1').spec.taints?.map((t) => t.key)).toEqual([TAINT_NOT_READY]);
    queue.take();
    const cur = n('n1');
    await client.nodes.updateStatus({ ...cur, status: { conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady', lastHeartbeatTime: new Date(clock.now()).toISOString() }] } });
    await sync();
    expect(queue.take()).toEqual([MONITOR_KEY]);
    await c.reconcile(MONITOR_KEY);
    expect(n('n1').spec.taints ?? []).toEqual([]);
  });

  it('recovers: heartbeats again → Ready restored and taint removed', async () => {
    await seedCluster(['n1', 'n2']);
    for (let t = 0; t < 22; t++) {
      await clock.advance(1000);
      await renew('n2');
      await pass();
    }
    expect(n('n1').spec.taints).toHaveLength(1);
    await renew('n1');
    await pass();
    expect(n('n1').status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    expect(n('n1').spec.taints).toEqual([]);
  });

  it('agent-reported Ready=False gets the not-ready taint', async () => {
    client.seed([node('n1', 'False'), node('n2'), lease('n1', 'x'), lease('n2', 'x')]);
    await pass();
    expect(n('n1').spec.taints!.map((t) => t.key)).toEqual([TAINT_NOT_READY]);
  });

  it('evicts one node at a time, and at 0.01 nodes/s when more than 55% of the nodes are down (partial disruption)', async () => {
    client.seed(['n1', 'n2', 'n3', 'n4'].map((x) => node(x)));
    client.seed(['n1', 'n2', 'n3', 'n4'].map((x) => lease(x, '2026-01-01T00:00:00Z')));
    client.seed([pod('p1', 'n1'), pod('p2', 'n2'), pod('p3', 'n3'), pod('p4', 'n4')]);
    await pass();
    for (let t = 0; t < 35; t++) {
      await clock.advance(1000);
      await renew('n4');
      await pass();
    }
    expect(ctrl.mode).toBe('partial');
    expect(client.actionsFor('delete', 'pods')).toHaveLength(1);
    for (let t = 0; t < 100; t++) {
      await clock.advance(1000);
      await renew('n4');
      await pass();
    }
    expect(client.actionsFor('delete', 'pods')).toHaveLength(2);
  });

  it('stops evicting when every node is down (full disruption)', async () => {
    await seedCluster(['n1', 'n2']);
    for (let t = 0; t < 40; t++) {
      await clock.advance(1000);
      await pass();
    }
    expect(ctrl.mode).toBe('full');
    expect(n('n1').spec.taints).toHaveLength(1);
    expect(client.actionsFor('delete', 'pods')).toHaveLength(0);
  });
});
