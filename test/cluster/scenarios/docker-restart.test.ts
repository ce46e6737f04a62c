// Scenario 8: the Docker engine of one host restarts (its containers stop with it). The
// agent reconnects to the new engine and the pods run again, with the same count.

import { describe, expect, it } from 'vitest';
import { nodeName, type Cluster } from '../harness.js';
import { DuplicateMonitor, Ledger, assertInvariants, snapshot } from '../invariants.js';
import { record } from '../results.js';
import { runningPodsOf, steadyWorkload, useCluster, waitConverged, withLogs } from '../scenario-kit.js';

const SCENARIO = '8 docker engine restart';

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('the agent reconnects and the pods run again', () => withLogs(cluster, async () => {
    await steadyWorkload(cluster, ledger, 'eng', 6);
    const s0 = await snapshot(cluster);
    const before = (s0.containers.get(1) ?? []).filter((c) => c.running);
    expect(before.length, 'h1 runs some pods').toBeGreaterThan(0);
    const agentPid = cluster.pid('agent-h1');

    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const t0 = Date.now();
    await cluster.stopDocker(1);
    await cluster.startDocker(1);
    const engineBack = Date.now() - t0;
    const ms = await waitConverged(cluster, 'eng', 6, 120_000, {}, t0);
    expect(await monitor.stop()).toEqual([]);
    record(SCENARIO, 'engine down+up', engineBack);
    record(SCENARIO, 'engine restart -> 6 pods running', ms);

    expect(cluster.pid('agent-h1'), 'the agent survived the engine restart').toBe(agentPid);
    expect(await cluster.readyNodes()).toContain(nodeName(1));
    const s1 = await snapshot(cluster);
    expect(runningPodsOf(s1, s1.deployments[0]).length).toBe(6);
    // Proof the engine restart was real: every container h1 runs now started after it.
    const nowOnH1 = (s1.containers.get(1) ?? []).filter((c) => c.running);
    expect(nowOnH1.length).toBeGreaterThan(0);
    for (const c of nowOnH1) expect(Date.parse(c.startedAt), `${c.name} started after the engine restart`).toBeGreaterThan(t0 - 1000);
    await assertInvariants(cluster, ledger);
  }));
});
