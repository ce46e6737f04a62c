// Scenario 1: node loss. Host 2's agent and engine stop; after the grace period the
// node is Ready=Unknown, after the eviction timeout its pods are evicted and their
// replacements run on hosts 1 and 3. Then host 2 comes back and the cluster is clean.

import { describe, expect, it } from 'vitest';
import { nodeName, NODE_GRACE_MS, EVICTION_MS, type Cluster } from '../harness.js';
import { Ledger, assertInvariants, snapshot } from '../invariants.js';
import { record } from '../results.js';
import { runningPodsOf, steadyWorkload, useCluster, waitConverged, withLogs } from '../scenario-kit.js';

const SCENARIO = '1 node loss';
// What the replacements may take to start once evicted, on a busy 2-core machine.
const START_ALLOWANCE_MS = 20_000;

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('pods of a lost host run on the others; the host returns cleanly', () => withLogs(cluster, async () => {
    await steadyWorkload(cluster, ledger, 'loss', 6);
    const s = await snapshot(cluster);
    const onH2 = s.pods.filter((p) => p.spec.nodeName === 'h2' && runningPodsOf(s, s.deployments[0]).includes(p.metadata.uid!));
    expect(onH2.length, 'the spreading scheduler puts some pods on h2').toBeGreaterThan(0);

    const t0 = Date.now();
    await cluster.stopAgent(2);
    await cluster.stopDocker(2);
    const bound = NODE_GRACE_MS + EVICTION_MS + START_ALLOWANCE_MS;
    const ms = await waitConverged(cluster, 'loss', 6, 180_000, { avoidHosts: [2] }, t0);
    record(SCENARIO, 'h2 lost -> 6 pods on h1,h3', ms, bound);
    const ready = await cluster.readyNodes();
    expect(ready).not.toContain('h2');

    const t1 = Date.now();
    await cluster.startDocker(2);
    await cluster.startAgent(2);
    await cluster.waitNodesReady(cluster.hostIndexes.map(nodeName), 90_000);
    await assertInvariants(cluster, ledger, 90_000);
    record(SCENARIO, 'h2 back -> clean', Date.now() - t1);
    // The old pods of h2 are gone from the API and their containers from h2's engine.
    const after = await snapshot(cluster);
    for (const p of onH2) expect(after.pods.find((x) => x.metadata.uid === p.metadata.uid), `evicted pod ${p.metadata.name}`).toBeUndefined();
    expect((after.containers.get(2) ?? []).filter((c) => c.running)).toEqual([]);
  }));
});
