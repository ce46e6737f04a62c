// Node lifecycle against a real apiserver + etcd, with a fake heartbeat: a node whose
// Lease stops being renewed is tainted, its pods are evicted and replaced elsewhere;
// when it comes back the taint goes away.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event, Lease, Node, Pod } from '../../api/types.js';
import { deployment, rolledOut, startHarness, waitFor, type Harness } from './controller-helpers.js';

const NS = 'kube-node-lease';

describe('node lifecycle controller (real apiserver)', () => {
  let h: Harness;
  const down = new Set<string>();
  let rr = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  beforeEach(async () => {
    down.clear();
    h = await startHarness({
      nodes: ['node-1', 'node-2'],
      manager: { controllers: ['*'], nodeMonitorGracePeriodMs: 3000, podEvictionTimeoutMs: 2000, nodeMonitorPeriodMs: 300 },
      standIn: {
        // a tiny scheduler: round robin over the nodes that are up
        pickNode: () => {
          const up = ['node-1', 'node-2'].filter((n) => !down.has(n));
          return up[rr++ % up.length];
        },
        // an unreachable agent cannot confirm deletions
        confirmDeletion: (p: Pod) => !down.has(p.spec.nodeName ?? ''),
      },
    });
    for (const name of ['node-1', 'node-2']) {
      await h.client.leases.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: NS }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date().toISOString() } } as Lease);
    }
    heartbeat = setInterval(() => {
      for (const name of ['node-1', 'node-2']) {
        if (down.has(name)) continue;
        void h.client.leases
          .get(name, NS)
          .then((l) => h.client.leases.update({ ...l, spec: { ...l.spec, renewTime: new Date().toISOString() } }))
          .catch(() => {});
      }
    }, 500);
  });
  afterEach(async () => {
    clearInterval(heartbeat);
    await h?.stop();
  });

  it('taints a silent node, evicts its pods so they are replaced on the other node, and untaints it when it returns', async () => {
    await h.client.deployments.create(deployment('web', 4, 'web:1'));
    await waitFor('rolled out', async () => rolledOut(await h.client.deployments.get('web', 'default')));
    const onNode = async (n: string) => (await h.client.pods.list({ namespace: 'default' })).items.filter((p) => p.spec.nodeName === n);
    expect((await onNode('node-1')).length).toBeGreaterThan(0);

    down.add('node-1');
    const t0 = Date.now();
    await waitFor('node-1 tainted', async () => {
      const n: Node = await h.client.nodes.get('node-1');
      return !!n.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
    }, 20_000);
    const n1 = await h.client.nodes.get('node-1');
    expect(n1.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect((await h.client.nodes.get('node-2')).spec.taints ?? []).toEqual([]);

    await waitFor('4 ready pods on node-2', async () => {
      const pods = (await onNode('node-2')).filter((p) => !p.metadata.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return pods.length === 4;
    }, 30_000);
    const moved = Date.now() - t0;
    // grace 3 s + eviction 2 s + replacement; generous bound for a busy machine
    expect(moved).toBeLessThan(25_000);
    // evicted pods stay Terminating: their agent cannot confirm
    expect((await onNode('node-1')).every((p) => !!p.metadata.deletionTimestamp)).toBe(true);
    const events = (await h.client.events.list({ namespace: 'default' })).items as Event[];
    expect(events.some((e) => e.reason === 'TaintManagerEviction' && /^Marking for deletion Pod default\/web-/.test(e.message ?? ''))).toBe(true);

    down.delete('node-1');
    h.standIn.resync();
    await waitFor('node-1 untainted and its old pods gone', async () => {
      const n: Node = await h.client.nodes.get('node-1');
      return (n.spec.taints ?? []).length === 0 && (await onNode('node-1')).length === 0;
    }, 20_000);
    expect((await h.client.nodes.get('node-1')).status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    const active = (await h.client.pods.list({ namespace: 'default' })).items.filter((p) => !p.metadata.deletionTimestamp);
    expect(active).toHaveLength(4);
  });
});
