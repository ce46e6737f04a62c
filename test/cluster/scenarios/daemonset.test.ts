// Scenario: a DaemonSet on the multi-host harness (real agents, each with its own Docker
// engine, the scheduler and the controller manager as processes). Two hosts at start: a
// pod on each; the third host joins: a pod there; an update rolls through one node at a
// time (checked on every pod event: never two nodes without a ready pod, and the new pods
// start one after another); a host tainted NoSchedule is skipped by a new DaemonSet.

import { describe, expect, it } from 'vitest';
import type { DaemonSet } from '../../../api/daemonset-types.js';
import type { Pod } from '../../../api/types.js';
import { Informer } from '../../../client/informer.js';
import { nodeName, type Cluster } from '../harness.js';
import { record } from '../results.js';
import { useCluster, withLogs } from '../scenario-kit.js';
import { eventually } from '../../helpers/eventually.js';

const SCENARIO = 'daemonset';

function daemonSet(name: string, revision: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { ds: name } },
      template: {
        metadata: { labels: { ds: name } },
        spec: { terminationGracePeriodSeconds: 2, containers: [{ name: 'web', image: 'orch.local/web:latest', imagePullPolicy: 'Never', env: [{ name: 'REVISION', value: revision }] }] },
      },
    },
  };
}

const isReady = (p: Pod) => p.status?.phase === 'Running' && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const revisionOf = (p: Pod) => p.spec.containers[0]!.env?.find((e) => e.name === 'REVISION')?.value;

describe(SCENARIO, () => {
  let cluster!: Cluster;
  useCluster({ hosts: 3, agentsAtStart: 2 }, (c) => (cluster = c));
  const dsClient = () => cluster.client.resource<DaemonSet>('daemonsets');
  const readyOn = async (name: string): Promise<Map<string, Pod>> => {
    const pods = (await cluster.client.pods.list({ namespace: 'default', labelSelector: `ds=${name}` })).items.filter((p) => !p.metadata.deletionTimestamp);
    return new Map(pods.filter(isReady).map((p) => [p.spec.nodeName!, p]));
  };

  it('a pod on each host, one more for a joining host, a rolling update one node at a time, a tainted host skipped', async () => {
    await withLogs(cluster, async () => {
      const t0 = Date.now();
      await dsClient().create(daemonSet('shipper', '1'));
      await eventually('a ready pod on h1 and h2', async () => [...(await readyOn('shipper')).keys()].sort().join() === 'h1,h2', 120_000);
      record(SCENARIO, 'DaemonSet on 2 hosts -> 2 pods ready', Date.now() - t0);

      const t1 = Date.now();
      await cluster.startAgent(3);
      await cluster.waitNodesReady([nodeName(3)]);
      await eventually('a ready pod on h3 too', async () => [...(await readyOn('shipper')).keys()].sort().join() === 'h1,h2,h3', 120_000);
      record(SCENARIO, 'host h3 joined -> its pod ready', Date.now() - t1);

      // Rolling update, watched pod by pod.
      const inf = new Informer<Pod>(cluster.client.pods, { namespace: 'default', labelSelector: 'ds=shipper' });
      let worst = 0;
      const readySince = new Map<string, number>();
      const check = () => {
        const live = inf.list().filter((p) => !p.metadata.deletionTimestamp);
        const ok = new Set(live.filter(isReady).map((p) => p.spec.nodeName));
        worst = Math.max(worst, ['h1', 'h2', 'h3'].filter((n) => !ok.has(n)).length);
        for (const p of live) if (revisionOf(p) === '2' && isReady(p) && !readySince.has(p.spec.nodeName!)) readySince.set(p.spec.nodeName!, Date.now());
      };
      const created: { node: string; at: number }[] = [];
      inf.addEventHandler({
        onAdd: (p) => {
          if (revisionOf(p) === '2') created.push({ node: p.spec.nodeName ?? p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]?.values?.[0] ?? '?', at: Date.now() });
          check();
        },
        onUpdate: check,
        onDelete: check,
      });
      inf.start();
      await inf.waitForSync();
      try {
        const t2 = Date.now();
        const cur = await dsClient().get('shipper', 'default');
        cur.spec.template.spec.containers[0]!.env = [{ name: 'REVISION', value: '2' }];
        await dsClient().update(cur);
        await eventually('all three pods on revision 2 and ready', async () => {
          const m = await readyOn('shipper');
          return m.size === 3 && [...m.values()].every((p) => revisionOf(p) === '2');
        }, 180_000);
        record(SCENARIO, 'rolling update of 3 hosts (maxUnavailable 1)', Date.now() - t2);
      } finally {
        inf.stop();
      }
      expect(worst, 'nodes without a ready pod at once').toBe(1);
      // One node at a time: each new pod was created only after the previous one was ready.
      expect(created.map((c) => c.node).sort()).toEqual(['h1', 'h2', 'h3']);
      for (let i = 1; i < created.length; i++) {
        const prev = readySince.get(created[i - 1]!.node);
        expect(prev, `new pod on ${created[i - 1]!.node} ready`).toBeDefined();
        expect(created[i]!.at, `pod on ${created[i]!.node} created after ${created[i - 1]!.node}'s was ready`).toBeGreaterThanOrEqual(prev!);
      }
      const s = (await dsClient().get('shipper', 'default')).status;
      expect(s).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3, updatedNumberScheduled: 3, numberMisscheduled: 0 });

      // A tainted host is skipped.
      await cluster.client.nodes.patch(nodeName(3), undefined, { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } }, 'merge');
      // The controller has seen the taint once shipper's h3 pod counts as misscheduled
      // (a NoSchedule taint keeps a running pod, as in Kubernetes).
      await eventually('shipper: desired 2, misscheduled 1', async () => {
        const st = (await dsClient().get('shipper', 'default')).status;
        return st?.desiredNumberScheduled === 2 && st.numberMisscheduled === 1;
      }, 30_000);
      await dsClient().create(daemonSet('monitor', '1'));
      await eventually('monitor: ready pods on h1 and h2', async () => [...(await readyOn('monitor')).keys()].sort().join() === 'h1,h2', 120_000);
      await eventually('monitor status: desired 2', async () => (await dsClient().get('monitor', 'default')).status?.desiredNumberScheduled === 2, 30_000);
      const monitorPods = (await cluster.client.pods.list({ namespace: 'default', labelSelector: 'ds=monitor' })).items;
      expect(monitorPods.map((p) => p.spec.nodeName).sort()).toEqual(['h1', 'h2']);
    });
  });
});
