// Scenario 15: a short randomized soak (test/soak, docs/soak.md) with a fixed seed: the
// same faults and workload writes on every run, two minutes of them, then the checks
// (acknowledged writes kept, watch resourceVersions in order, no pod identity running
// twice, the fault suite's invariants, convergence within 120 s of each heal). The whole
// file stays under five minutes including the cluster's start-up.

import { describe, expect, it } from 'vitest';
import { record } from '../results.js';
import { runSoak } from '../../soak/soak.js';
import { formatSummary } from '../../soak/summary.js';

const SCENARIO = '15 soak (short, fixed seed)';
const SEED = 20261204;

describe(SCENARIO, () => {
  it(`seed ${SEED}: no violation, every step converged`, async () => {
    const summary = await runSoak({ minutes: 2, seed: SEED, hosts: 3 });
    process.stdout.write(`${formatSummary(summary)}\n`);
    if (summary.worstConvergence.step) record(SCENARIO, `worst convergence (step ${summary.worstConvergence.step}, ${summary.worstConvergence.after})`, summary.worstConvergence.ms, 120_000);
    expect(summary.violations).toEqual([]);
    const injected = Object.entries(summary.faults).filter(([k]) => k !== 'none').reduce((n, [, v]) => n + v, 0);
    expect(injected, 'the nemesis injected faults').toBeGreaterThan(0);
    expect(summary.writes.ok, 'the workload got writes through').toBeGreaterThan(0);
    expect(summary.checks['convergence after a step']).toBe(summary.steps);
  }, 330_000);
});
