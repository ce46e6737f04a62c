// Scenario 3: SIGKILL every agent of a steady cluster and start them again. A restarted
// agent must adopt its containers (sandboxes included) from Docker's labels: zero
// restarts, zero new containers (same IDs, same start times).

import { describe, expect, it } from 'vitest';
import { nodeName, type Cluster } from '../harness.js';
import { Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { runningContainers, useCluster, waitConverged, webDeployment, writeConfigMaps } from '../scenario-kit.js';
import { sleep } from '../sh.js';

const SCENARIO = '3 agent SIGKILL (steady)';

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('restarted agents adopt their containers: no restart, no new container', async () => {
    try {
      const t0 = Date.now();
      await cluster.client.deployments.create(webDeployment('steady', 6));
      record(SCENARIO, 'initial 6 pods running', await waitConverged(cluster, 'steady', 6, 120_000, {}, t0));
      await writeConfigMaps(cluster, ledger, 'steady', 5);
      const before = await runningContainers(cluster);
      // Every pod is its sandbox (pause) container plus its one app container.
      expect([...before.values()].filter((c) => c.includes('_POD_')).length, 'sandboxes').toBe(6);
      expect(before.size, 'sandboxes and app containers').toBe(12);

      for (const i of cluster.hostIndexes) await cluster.killAgent(i, 'SIGKILL');
      await sleep(2000);
      const t1 = Date.now();
      for (const i of cluster.hostIndexes) await cluster.startAgent(i);
      await cluster.waitNodesReady(cluster.hostIndexes.map(nodeName), 60_000);
      // Converged again: the agents resynced (5 s interval) and reported status.
      record(SCENARIO, 'agents restarted -> converged', await waitConverged(cluster, 'steady', 6, 60_000, {}, t1));
      await sleep(12_000); // two full resyncs: a late duplicate or restart would show now

      const after = await runningContainers(cluster);
      expect([...after.entries()].sort()).toEqual([...before.entries()].sort());
      await assertInvariants(cluster, ledger);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.logTails()}`);
    }
  });
});
