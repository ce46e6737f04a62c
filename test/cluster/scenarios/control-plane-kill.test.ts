// Scenario 5: the controller manager SIGKILLed in the middle of a rollout, and the
// scheduler SIGKILLed while a Deployment scales from 10 to 15. After each restart the
// cluster converges with no extra pods (objects or containers).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../harness.js';
import { DuplicateMonitor, Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { rollout, waitConverged, webDeployment, withLogs, writeConfigMaps } from '../scenario-kit.js';
import { sleep } from '../sh.js';

const SCENARIO = '5 control plane SIGKILL';

async function podObjects(cluster: Cluster, app: string): Promise<number> {
  const list = await cluster.client.pods.list({ labelSelector: `app=${app}` });
  return list.items.filter((p) => !p.metadata.deletionTimestamp).length;
}

describe(SCENARIO, () => {
  let cluster: Cluster;
  const ledger = new Ledger();

  beforeAll(async () => {
    cluster = await startCluster({ hosts: 3 });
  });
  afterAll(async () => {
    await cluster?.teardown();
  });

  it('controller manager SIGKILL mid-rollout: the rollout completes, no extra pods', () => withLogs(cluster, async () => {
    await cluster.client.deployments.create(webDeployment('cm', 6));
    await waitConverged(cluster, 'cm', 6, 120_000);
    await writeConfigMaps(cluster, ledger, 'cm', 5);
    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const t0 = Date.now();
    await rollout(cluster, 'cm', '2');
    await sleep(1500);
    await cluster.kill('controller-manager', 'SIGKILL');
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
    await cluster.client.deployments.patch('sched', 'default', { spec: { replicas: 15 } }, 'merge');
    await sleep(300);
    await cluster.kill('scheduler', 'SIGKILL');
    await sleep(2000);
    await cluster.start('scheduler');
    const ms = await waitConverged(cluster, 'sched', 15, 120_000, {}, t0);
    expect(await monitor.stop()).toEqual([]);
    record(SCENARIO, 'scheduler killed while 10->15 -> converged', ms);
    expect(await podObjects(cluster, 'sched')).toBe(15);
    await assertInvariants(cluster, ledger);
  }));
});
