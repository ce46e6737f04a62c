import { describe, expect, it } from 'vitest';
import { POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordFromConfigMap, recordToData, emptyRecord } from '../../api/net/pod-network.js';
import type { ConfigMap, Node } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { realClock } from '../../foundation/clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { ControllerMetrics } from '../metrics.js';
import { podNetworkPlan } from './config.js';
import { CIDR_NOT_AVAILABLE_EVENT, NodeIpamController, NO_POD_CIDR_REASON, RECORD_KEY } from './controller.js';

const node = (name: string, podCIDRs?: string[], created = '2026-01-01T00:00:00Z'): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, creationTimestamp: created },
  spec: podCIDRs ? { podCIDR: podCIDRs[0], podCIDRs } : {},
});

const recordCm = (allocations: Record<string, string[]>, clusterCIDRs = ['10.244.0.0/16'], masks = [24]): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: POD_NETWORK_CONFIGMAP, namespace: POD_NETWORK_NAMESPACE },
  data: recordToData({ ...emptyRecord(clusterCIDRs, masks), allocations }),
});

function setup(opts: { clusterCidr?: string; mask?: number; nodes?: Node[]; cm?: ConfigMap } = {}) {
  const client = new FakeClient();
  client.seed([...(opts.nodes ?? []), ...(opts.cm ? [opts.cm] : [])]);
  const nodes = new MemoryInformer<Node>();
  const queue = new RecordingQueue();
  const recorder = new RecordingRecorder();
  const plan = podNetworkPlan({ clusterCidr: opts.clusterCidr ?? '10.244.0.0/16', nodeCidrMaskSize: opts.mask });
  const metrics = new ControllerMetrics();
  const c = new NodeIpamController({ client, nodes, queue, recorder, clock: realClock, logger: silentLogger(), options: { plan, exhaustedRetryMs: 5000 }, metrics });
  const sync = () => syncInformer(client, 'nodes', nodes);
  const stored = () => recordFromConfigMap(client.peek<ConfigMap>('configmaps', POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE))!;
  const spec = (name: string) => client.peek<Node>('nodes', name)!.spec;
  return { client, nodes, queue, recorder, c, sync, stored, spec, metrics };
}

describe('NodeIpamController', () => {
  it('waits for the record, then reserves in the ConfigMap before it writes the Node', async () => {
    const t = setup({ nodes: [node('n1')] });
    await t.sync();
    expect(await t.c.reconcile('n1')).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(t.client.actionsFor('patch', 'nodes')).toHaveLength(0);
    await t.c.reconcile(RECORD_KEY);
    t.client.clearActions();
    await t.c.reconcile('n1');
    expect(t.spec('n1')).toMatchObject({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] });
    expect(t.stored().allocations).toEqual({ n1: ['10.244.0.0/24'] });
    const writes = t.client.actions.filter((a) => a.verb !== 'get').map((a) => `${a.verb} ${a.resource}`);
    expect(writes).toEqual(['update configmaps', 'patch nodes']);
  });

  it('after a crash between reserving and writing, the node gets its reserved range', async () => {
    const t = setup({ nodes: [node('n1'), node('n2')], cm: recordCm({ n2: ['10.244.7.0/24'] }) });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    await t.c.reconcile('n2');
    await t.c.reconcile('n1');
    expect(t.spec('n2').podCIDRs).toEqual(['10.244.7.0/24']);
    expect(t.spec('n1').podCIDRs).toEqual(['10.244.0.0/24']);
  });

  it('on a 409 from a racing writer it re-reads and chooses another range', async () => {
    const t = setup({ nodes: [node('n1')] });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    // Another controller manager reserves 10.244.0.0/24 for "other" just before our write.
    let raced = false;
    t.client.prependReactor('update', 'configmaps', () => {
      if (raced) return undefined;
      raced = true;
      const cm = t.client.peek<ConfigMap>('configmaps', POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE)!;
      const rec = recordFromConfigMap(cm)!;
      void t.client.configmaps.update({ ...cm, data: recordToData({ ...rec, allocations: { other: ['10.244.0.0/24'] }, next: [1] }) });
      return undefined;
    });
    await t.c.reconcile('n1');
    expect(t.c.store.conflicts).toBe(1);
    expect(await t.metrics.registry.getSingleMetricAsString('orch_nodeipam_record_conflicts_total')).toMatch(/^orch_nodeipam_record_conflicts_total 1$/m);
    expect(await t.metrics.registry.getSingleMetricAsString('orch_nodeipam_cidrset_usage_ratio')).toContain(`cluster_cidr="10.244.0.0/16"} ${2 / 256}`);
    expect(t.spec('n1').podCIDRs).toEqual(['10.244.1.0/24']);
    expect(t.stored().allocations).toEqual({ other: ['10.244.0.0/24'], n1: ['10.244.1.0/24'] });
  });

  it('on start, Nodes are the truth: a missing record is rebuilt from them, an edited one corrected, a gone node released', async () => {
    const t = setup({
      nodes: [node('a', ['10.244.3.0/24']), node('b')],
      // Edited by hand: b's reservation collides with a's range; "ghost" no longer exists.
      cm: recordCm({ b: ['10.244.3.0/24'], ghost: ['10.244.9.0/24'] }),
    });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    expect(t.stored().allocations).toEqual({ a: ['10.244.3.0/24'] });
    expect(t.queue.added.has('b')).toBe(true);
    await t.c.reconcile('b');
    expect(t.spec('b').podCIDRs).toEqual(['10.244.0.0/24']);

    const fresh = setup({ nodes: [node('a', ['10.244.0.0/24'])] });
    await fresh.sync();
    await fresh.c.reconcile(RECORD_KEY);
    expect(fresh.stored().allocations).toEqual({ a: ['10.244.0.0/24'] });
  });

  it('keeps the reservation of a node its informer has not seen yet (live GET), drops one of a deleted node', async () => {
    const t = setup({ nodes: [node('new')], cm: recordCm({ new: ['10.244.5.0/24'], gone: ['10.244.6.0/24'] }) });
    // informer left empty: "new" exists in the apiserver only
    await t.c.reconcile(RECORD_KEY);
    expect(t.stored().allocations).toEqual({ new: ['10.244.5.0/24'] });
  });

  it('releases a deleted node\'s range (not while the Node still exists) and retries waiting nodes', async () => {
    const t = setup({ clusterCidr: '10.244.0.0/23', mask: 24, nodes: [node('a'), node('b'), node('c')] });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    await t.c.reconcile('a');
    await t.c.reconcile('b');
    await t.sync();
    expect(await t.c.reconcile('c')).toEqual({ requeueAfterMs: 5000 });
    // the informer lags: "a" looks deleted but still exists → nothing released
    t.nodes.replaceAll(t.client.peekAll<Node>('nodes').filter((n) => n.metadata.name !== 'a'));
    await t.c.reconcile('a');
    expect(t.stored().allocations.a).toEqual(['10.244.0.0/24']);
    await t.client.nodes.delete('a');
    t.queue.take();
    await t.c.reconcile('a');
    expect(t.stored().allocations.a).toBeUndefined();
    expect(t.queue.take()).toContain('c');
    await t.sync();
    await t.c.reconcile('c');
    expect(t.spec('c').podCIDRs).toEqual(['10.244.0.0/24']);
  });

  it('an exhausted range: condition NetworkUnavailable/NoPodCIDRAvailable and a Warning Event, then cleared once allocated', async () => {
    const t = setup({ clusterCidr: '10.244.0.0/24', mask: 24, nodes: [node('a', ['10.244.0.0/24']), node('b')] });
    await t.client.nodes.patchStatus('b', undefined, { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady' }] } }, 'strategic');
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    expect(await t.c.reconcile('b')).toEqual({ requeueAfterMs: 5000 });
    const conds = t.client.peek<Node>('nodes', 'b')!.status!.conditions!;
    expect(conds.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(conds.find((c) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'True', reason: NO_POD_CIDR_REASON });
    expect(t.recorder.events).toEqual([{ object: 'b', type: 'Warning', reason: CIDR_NOT_AVAILABLE_EVENT, message: expect.stringContaining('--cluster-cidr 10.244.0.0/24') }]);
    expect(t.spec('b').podCIDRs).toBeUndefined();
    expect(await t.metrics.registry.getSingleMetricAsString('orch_nodeipam_cidrset_usage_ratio')).toContain('orch_nodeipam_cidrset_usage_ratio{cluster_cidr="10.244.0.0/24"} 1');

    await t.client.nodes.delete('a');
    await t.sync();
    await t.c.reconcile('a');
    await t.c.reconcile('b');
    const after = t.client.peek<Node>('nodes', 'b')!;
    expect(after.spec.podCIDRs).toEqual(['10.244.0.0/24']);
    expect(after.status!.conditions!.map((c) => c.type)).toEqual(['Ready']);
  });

  it('dual stack: one range per family, IPv4 first', async () => {
    const t = setup({ clusterCidr: 'fd00:10:244::/56,10.244.0.0/16', nodes: [node('n1'), node('n2')] });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    await t.c.reconcile('n1');
    await t.c.reconcile('n2');
    expect(t.spec('n1')).toMatchObject({ podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] });
    expect(t.spec('n2').podCIDRs).toEqual(['10.244.1.0/24', 'fd00:10:244:1::/64']);
  });

  it('adopts a Node created with ranges; one that takes another node\'s reservation wins it (rebuild)', async () => {
    const t = setup({ nodes: [node('z')], cm: recordCm({ z: ['10.244.4.0/24'] }) });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    await t.client.nodes.create(node('y', ['10.244.4.0/24']));
    await t.sync();
    t.queue.take();
    expect(await t.c.reconcile('y')).toMatchObject({ requeueAfterMs: expect.any(Number) });
    expect(t.queue.take()).toContain(RECORD_KEY);
    await t.c.reconcile(RECORD_KEY);
    expect(t.stored().allocations).toEqual({ y: ['10.244.4.0/24'] });
    expect(t.queue.take()).toContain('z');
    await t.c.reconcile('y');
    await t.c.reconcile('z');
    expect(t.spec('z').podCIDRs).toEqual(['10.244.0.0/24']);
    await t.client.nodes.create(node('w', ['10.244.9.0/24']));
    await t.sync();
    await t.c.reconcile('w');
    expect(t.stored().allocations.w).toEqual(['10.244.9.0/24']);
  });
  it('a Node given other ranges between our reservation and our write keeps them; the record follows the Node', async () => {
    const t = setup({ nodes: [node('n1')] });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    let once = false;
    t.client.prependReactor('patch', 'nodes', () => {
      if (once) return undefined;
      once = true;
      const n = t.client.peek<Node>('nodes', 'n1')!;
      void t.client.nodes.update({ ...n, spec: { podCIDR: '10.244.8.0/24', podCIDRs: ['10.244.8.0/24'] } });
      return undefined;
    });
    expect(await t.c.reconcile('n1')).toEqual({});
    expect(t.spec('n1').podCIDRs).toEqual(['10.244.8.0/24']);
    expect(t.stored().allocations).toEqual({ n1: ['10.244.8.0/24'] });
  });
  it("removes its exhaustion condition only while it is its own: the agent's RouteCreated stays", async () => {
    const t = setup({ clusterCidr: '10.244.0.0/24', mask: 24, nodes: [node('a', ['10.244.0.0/24']), node('b')] });
    await t.sync();
    await t.c.reconcile(RECORD_KEY);
    await t.c.reconcile('b'); // exhausted: condition set
    await t.sync(); // the informer sees the condition
    await t.client.nodes.delete('a');
    t.nodes.replaceAll(t.client.peekAll<Node>('nodes'));
    await t.c.reconcile('a');
    // Before our clean-up, the agent (fast) already reports its own NetworkUnavailable.
    const ready = { type: 'NetworkUnavailable', status: 'False' as const, reason: 'RouteCreated', message: 'orch pod network ready' };
    await t.client.nodes.patchStatus('b', undefined, { status: { conditions: [ready] } }, 'strategic');
    await t.c.reconcile('b');
    const b = t.client.peek<Node>('nodes', 'b')!;
    expect(b.spec.podCIDRs).toEqual(['10.244.0.0/24']);
    expect(b.status!.conditions).toEqual([expect.objectContaining(ready)]);
  });
});
