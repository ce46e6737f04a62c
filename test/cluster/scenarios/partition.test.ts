// Scenario 2: partition and return. Host 3 loses its network (its engine and containers
// keep running) for longer than grace + eviction; replacements run elsewhere. When the
// network heals, host 3's agent stops its stale containers and the total is exactly the
// desired count again.

import { describe, expect, it } from 'vitest';
import { nodeName, NODE_GRACE_MS, EVICTION_MS, type Cluster } from '../harness.js';
import { Ledger, assertInvariants, snapshot } from '../invariants.js';
import { record } from '../results.js';
import { runningPodsOf, steadyWorkload, useCluster, waitConverged, withLogs } from '../scenario-kit.js';
import { sleep } from '../sh.js';

const SCENARIO = '2 partition + heal';

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('replacements run elsewhere; after healing the stale containers stop', () => withLogs(cluster, async () => {
    await steadyWorkload(cluster, ledger, 'part', 6);
    const s0 = await snapshot(cluster);
    const staleIds = (s0.containers.get(3) ?? []).filter((c) => c.running).map((c) => c.id);
    expect(staleIds.length, 'the spreading scheduler puts some pods on h3').toBeGreaterThan(0);

    const t0 = Date.now();
    await cluster.cutNetwork(3);
    const ms = await waitConverged(cluster, 'part', 6, 180_000, { avoidHosts: [3], partitioned: true }, t0);
    record(SCENARIO, 'h3 cut -> 6 pods on h1,h2', ms, NODE_GRACE_MS + EVICTION_MS + 20_000);
    // Still cut: h3's engine keeps running the evicted pods' containers (it cannot know).
    const during = await snapshot(cluster);
    const stillRunning = (during.containers.get(3) ?? []).filter((c) => c.running && staleIds.includes(c.id));
    expect(stillRunning.length, 'a partitioned host keeps its containers').toBe(staleIds.length);
    // Stay cut well past the eviction timeout, as the scenario asks.
    const cutFor = Date.now() - t0;
    if (cutFor < NODE_GRACE_MS + EVICTION_MS + 5000) await sleep(NODE_GRACE_MS + EVICTION_MS + 5000 - cutFor);

    const t1 = Date.now();
    await cluster.healNetwork(3);
    await cluster.waitNodesReady(cluster.hostIndexes.map(nodeName), 90_000);
    const healed = await waitConverged(cluster, 'part', 6, 120_000, {}, t1);
    record(SCENARIO, 'healed -> stale stopped, exactly 6', healed);
    const after = await snapshot(cluster);
    expect(runningPodsOf(after, after.deployments[0]).length).toBe(6);
    expect((after.containers.get(3) ?? []).filter((c) => c.running && staleIds.includes(c.id))).toEqual([]);
    await assertInvariants(cluster, ledger);
  }));
});
