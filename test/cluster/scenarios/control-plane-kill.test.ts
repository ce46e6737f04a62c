// Scenario 5: the controller manager SIGKILLed in the middle of a rollout, and the
// scheduler SIGKILLed while a Deployment scales from 10 to 15. After each restart the
// cluster converges with no extra pods (objects or containers).

import { describe, expect, it } from 'vitest';
import type { Cluster } from '../harness.js';
import { DuplicateMonitor, Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { rollout, steadyWorkload, useCluster, waitConverged, webDeployment, withLogs } from '../scenario-kit.js';
import { sleep, waitUntil } from '../sh.js';

const SCENARIO = '5 control plane SIGKILL';

async function podObjects(cluster: Cluster, app: string): Promise<number> {
  const list = await cluster.client.pods.list({ labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp).length;
}

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('controller manager SIGKILL mid-rollout: the rollout completes, no extra pods', () => withLogs(cluster, async () => {
    await steadyWorkload(cluster, ledger, 'cm', 6);
    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const t0 = Date.now();
    await rollout(cluster, 'cm', '2');
    // Kill at a known point of the rollout: the new ReplicaSet's first pod exists.
    const rev2 = async () => (await cluster.client.pods.list({ labelSelector: 'app=cm' })).items.filter((p) => p.spec.containers[0].env?.some((e) => e.name === 'REVISION' && e.value === '2')).length;
    await waitUntil('the rollout to create its first new pod', rev2, 60_000, 100);
    await cluster.kill('controller-manager', 'SIGKILL');
    const atKill = await rev2();
    process.stdout.write(`[${SCENARIO}] controller manager killed with ${atKill} of 6 new pods created\n`);
    await sleep(2000);
    await cluster.start('controller-manager');
    const ms = await waitConverged(cluster, 'cm', 6, 120_000, { revision: '2' }, t0);
    expect(await monitor.stop()).toEqual([]);
    record(SCENARIO, 'cm killed mid-rollout -> converged', ms);
    expect(await podObjects(cluster, 'cm')).toBe(6);
    const rs = await cluster.client.replicasets.list({ labelSelector: 'app=cm' });
    expect(rs.items.reduce((n, r) => n + (r.spec.replicas ?? 0), 0), 'replica sets sum to the desired count').toBe(6);
    await assertInvariants(cluster, ledger);
  }));

  it('scheduler SIGKILL while scaling 10 -> 15: exactly 15 pods', () => withLogs(cluster, async () => {
    await cluster.client.deployments.create(webDeployment('sched', 10));
    await waitConverged(cluster, 'sched', 10, 120_000);
    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const t0 = Date.now();
    // The scheduler binds 5 pods within a few ms of seeing them (measured: a kill aimed
    // at "after the first pod exists" always found all bound), so freeze it (SIGSTOP)
    // before the scale-up and SIGKILL it while the 5 new pods are pending: it dies with
    // the work in its queue (or half-sent) and a new scheduler must finish it, once.
    cluster.pause('scheduler');
    await cluster.client.deployments.patch('sched', 'default', { spec: { replicas: 15 } }, 'merge');
    const pods = async () => (await cluster.client.pods.list({ labelSelector: 'app=sched' })).items;
    await waitUntil('15 pods to exist, 5 pending', async () => (await pods()).filter((p) => !p.spec.nodeName).length === 5, 60_000, 100);
    await cluster.kill('scheduler', 'SIGKILL');
    const unbound = (await pods()).filter((p) => !p.spec.nodeName).length;
    process.stdout.write(`[${SCENARIO}] scheduler killed with ${unbound} pods not yet bound\n`);
    await sleep(2000);
    await cluster.start('scheduler');
    const ms = await waitConverged(cluster, 'sched', 15, 120_000, {}, t0);
    expect(await monitor.stop()).toEqual([]);
    record(SCENARIO, 'scheduler killed while 10->15 -> converged', ms);
    expect(await podObjects(cluster, 'sched')).toBe(15);
    await assertInvariants(cluster, ledger);
  }));
});
