// Scenario 4: an agent SIGKILLed in the middle of a rollout, ten times at random moments
// (seeded: the seed is printed, ORCH_CLUSTER_SEED replays a run). Each rollout must
// complete and no pod may ever run twice.

import { describe, expect, it } from 'vitest';
import type { Cluster } from '../harness.js';
import { DuplicateMonitor, Ledger, assertInvariants } from '../invariants.js';
import { record } from '../results.js';
import { rollout, steadyWorkload, useCluster, waitConverged, withLogs } from '../scenario-kit.js';
import { sleep } from '../sh.js';
import { rng as prng } from '../../helpers/fuzz.js';

const SCENARIO = '4 agent SIGKILL mid-rollout x10';
const ROUNDS = 10;

describe(SCENARIO, () => {
  let cluster!: Cluster;
  const ledger = new Ledger();
  useCluster({ hosts: 3 }, (c) => (cluster = c));

  it('every rollout completes with no duplicate container', () => withLogs(cluster, async () => {
    const seed = Number(process.env.ORCH_CLUSTER_SEED ?? Date.now() % 1_000_000);
    process.stdout.write(`[${SCENARIO}] seed ${seed}\n`);
    const rand = prng(seed);
    await steadyWorkload(cluster, ledger, 'roll', 6, { revision: '1' });

    const monitor = new DuplicateMonitor(cluster);
    monitor.start();
    const times: number[] = [];
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const revision = String(round + 1);
        const host = 1 + Math.floor(rand() * cluster.opts.hosts);
        const delay = Math.floor(rand() * 4000);
        const down = 500 + Math.floor(rand() * 2500);
        const t0 = Date.now();
        await rollout(cluster, 'roll', revision);
        await sleep(delay);
        await cluster.killAgent(host, 'SIGKILL');
        await sleep(down);
        await cluster.startAgent(host);
        const ms = await waitConverged(cluster, 'roll', 6, 120_000, { revision }, t0);
        process.stdout.write(`[${SCENARIO}] round ${round}: killed agent-h${host} ${delay} ms into the rollout for ${down} ms; converged in ${ms} ms\n`);
        times.push(ms);
      }
    } finally {
      const dups = await monitor.stop();
      expect(dups, `duplicates seen in ${monitor.samples} samples`).toEqual([]);
    }
    expect(monitor.samples).toBeGreaterThan(10);
    record(SCENARIO, 'rollout -> converged (mean)', times.reduce((a, b) => a + b, 0) / times.length);
    record(SCENARIO, 'rollout -> converged (max)', Math.max(...times));
    await assertInvariants(cluster, ledger);
  }));
});
