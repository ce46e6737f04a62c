import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../api/errors.js';
import type { Component, RunOutcome } from '../foundation/component.js';
import { ComponentRunner } from '../foundation/component-runner.js';
import { silentLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { eventually } from '../test/helpers/eventually.js';
import { LeaderElected } from './leader-elected.js';
import { FakeClient } from './testing/fake-client.js';

const TIMINGS = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };
const holder = async (c: FakeClient) => (await c.leases.get('lease', 'kube-system').catch(() => undefined))?.spec.holderIdentity ?? '';

const runs: { ac: AbortController; done: Promise<RunOutcome> }[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) {
    r.ac.abort();
    await r.done;
  }
});

/** A replica: a runner around one LeaderElected whose inner component records its life. */
function replica(client: FakeClient, identity: string, log: string[], innerReady?: () => string | undefined) {
  const registry = processRegistry({ defaultMetrics: false });
  const inner = (): Component => ({
    name: 'work',
    start: async () => void log.push(`${identity} start`),
    // What the lease says at the moment the work stops: still ours on a normal stop.
    stop: async () => void log.push(`${identity} stop (lease held by ${await holder(client)})`),
    ready: innerReady,
  });
  const le = new LeaderElected({ client, namespace: 'kube-system', leaseName: 'lease', identity, logger: silentLogger(), registry, leaderComponents: () => [inner()], ...TIMINGS });
  const ac = new AbortController();
  const done = new ComponentRunner([le], { logger: silentLogger() }).run(ac.signal);
  runs.push({ ac, done });
  return { le, ac, done, registry };
}

describe('LeaderElected', () => {
  it('runs its components only while leading; on stop they stop before the lease is released', async () => {
    const c = new FakeClient();
    const log: string[] = [];
    const a = replica(c, 'a', log);
    await eventually('a leads and started its work', () => log.includes('a start'), 10_000);
    expect(await a.registry.metrics()).toContain('leader_election_master_status{name="lease"} 1');
    const b = replica(c, 'b', log);
    expect(await b.le.ready()).toBeUndefined(); // a standby is ready: waiting is its job
    a.ac.abort();
    expect(await a.done).toBe('stopped');
    expect(log).toEqual(['a start', 'a stop (lease held by a)']);
    // Released, so the standby takes over at once (well before the 1 s lease expiry would let it).
    await eventually('b leads', () => log.includes('b start'), 10_000);
    expect(await b.registry.metrics()).toContain('leader_election_master_status{name="lease"} 1');
  });

  it('a lost lease stops the work at once and ends the run with lost-lease', async () => {
    const c = new FakeClient();
    const log: string[] = [];
    const a = replica(c, 'a', log);
    await eventually('a leads', () => log.includes('a start'), 10_000);
    c.prependReactor('update', 'leases', () => {
      throw errors.unavailable('partitioned');
    });
    expect(await a.done).toBe('lost-lease');
    expect(log[1]).toMatch(/^a stop/);
    expect(await a.registry.metrics()).toContain('leader_election_master_status{name="lease"} 0');
  });

  it('while leading, it is ready when its components are', async () => {
    const c = new FakeClient();
    const log: string[] = [];
    let why: string | undefined = 'caches not synced';
    const a = replica(c, 'a', log, () => why);
    await eventually('a leads', () => log.includes('a start'), 10_000);
    expect(await a.le.ready()).toBe('work: caches not synced');
    why = undefined;
    expect(await a.le.ready()).toBeUndefined();
  });
});
