import { describe, expect, test } from 'vitest';
import type { KubeObject, Lease, Node, Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import type { DeleteOptions } from '../../client/types.js';
import type { LocalAgentState } from './node-liveness.js';
import { describePurge, purgeWorkloads, type PurgeOptions } from './purge-workloads.js';

const clock = () => new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));

function cluster(c: FakeClock): FakeClient {
  const client = new FakeClient({ clock: c });
  const node = (name: string): Node => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  const lease = (name: string): Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { leaseDurationSeconds: 40, renewTime: new Date(c.now()).toISOString() },
  });
  const pod = (name: string, nodeName?: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) } });
  client.seed([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } } as KubeObject,
    node('n1'),
    node('n2'),
    lease('n1'),
    lease('n2'),
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: {} } as KubeObject,
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default' }, spec: {} } as KubeObject,
    pod('a', 'n1'),
    pod('b', 'n2'),
    pod('pending'),
  ]);
  return client;
}

/** Runs the purge to its end, moving the fake clock past every sleep. */
async function run(client: FakeClient, c: FakeClock, opts: PurgeOptions) {
  let done = false;
  const p = purgeWorkloads(client, { ...opts, clock: c }).finally(() => (done = true));
  while (!done) await c.advance(500);
  return p;
}

/** A live agent on `node`: confirms every graceful delete of its pods right after (its containers are gone). */
function agentConfirms(client: FakeClient, node: string): void {
  client.prependReactor('delete', 'pods', (a) => {
    const grace = (a.object as DeleteOptions | undefined)?.gracePeriodSeconds;
    if (grace !== 0 && client.peek<Pod>('pods', a.name!, a.namespace)?.spec.nodeName === node)
      setImmediate(() => void client.pods.delete(a.name!, a.namespace, { gracePeriodSeconds: 0 }));
    return undefined;
  });
}

const podDeletes = (client: FakeClient) => client.actionsFor('delete', 'pods').map((a) => ({ name: a.name, grace: (a.object as DeleteOptions | undefined)?.gracePeriodSeconds }));
const agents = (states: Record<string, boolean>) => () => new Map<string, LocalAgentState>(Object.entries(states).map(([n, running]) => [n, { running }]));

describe('purgeWorkloads', () => {
  test('pods of a node whose agent is gone are force-deleted at once; the others gracefully; each is reported under its node', async () => {
    const c = clock();
    const client = cluster(c);
    agentConfirms(client, 'n1');
    const report = await run(client, c, { localAgents: agents({ n1: true, n2: false }) });

    expect(podDeletes(client)).toEqual(expect.arrayContaining([{ name: 'a', grace: 5 }, { name: 'b', grace: 0 }, { name: 'pending', grace: undefined }]));
    expect(report.clusterId).toBe(client.peek('namespaces', 'kube-system')!.metadata.uid);
    expect([...report.deployments, ...report.replicasets]).toEqual(['default/web', 'default/web-1']);
    expect(report.nodes.get('n1')).toEqual({ byAgent: ['default/a'], forced: [] });
    expect(report.nodes.get('n2')).toEqual({ problem: 'agent process not running', byAgent: [], forced: ['default/b'] });
    expect(report.unscheduled).toEqual(['default/pending']);
    expect(report.remaining.size).toBe(0);
    expect(describePurge(report)).toEqual([
      'Deleted 1 Deployment and 1 ReplicaSet; pods per node:',
      'Node n1: Ready',
      '  1 pod removed by its agent: default/a',
      'Node n2: not responding (agent process not running): not waiting for its agent',
      '  1 pod force-deleted from the API (no agent stopped their containers): default/b',
      'Not scheduled to any node, deleted: default/pending',
    ]);
  });

  test('an agent that looks healthy but never confirms is waited for only waitMs, then its pods are force-deleted too', async () => {
    const c = clock();
    const client = cluster(c);
    // The graceful delete is accepted, but nothing ever confirms it (a hung agent).
    const report = await run(client, c, { localAgents: agents({ n1: true, n2: true }), waitMs: 10_000 });

    const forcedAt = podDeletes(client).filter((d) => d.grace === 0).map((d) => d.name);
    expect(forcedAt.sort()).toEqual(['a', 'b']);
    // Deleted gracefully once each: a pod already terminating is not deleted again.
    expect(podDeletes(client).filter((d) => d.grace === 5).map((d) => d.name).sort()).toEqual(['a', 'b']);
    expect(report.nodes.get('n1')).toEqual({ byAgent: [], forced: ['default/a'], timedOut: true });
    expect(describePurge(report, 10_000)).toContain('  1 pod force-deleted from the API (its agent did not confirm within 10s): default/a');
    expect(report.remaining.size).toBe(0);
  });

  test('pods that cannot be deleted at all are reported as still there, not as removed', async () => {
    const c = clock();
    const client = cluster(c);
    client.prependReactor('delete', 'pods', (a) => client.peek('pods', a.name!, 'default'));
    const report = await run(client, c, { localAgents: agents({ n1: true, n2: false }), waitMs: 1000 });
    expect([...report.remaining.values()].sort()).toEqual(['default/a', 'default/b', 'default/pending']);
    expect(report.nodes.get('n2')).toEqual({ problem: 'agent process not running', byAgent: [], forced: [] });
    expect(report.nodes.get('n1')).toMatchObject({ byAgent: [], forced: [] });
    expect(describePurge(report, 1000).at(-1)).toBe('Still in the API after 16s (not deleted; their containers keep running): default/a, default/b, default/pending');
  });
});
