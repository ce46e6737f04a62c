// runScheduler with leader election, in-process against the FakeClient: only the lease
// holder binds; a standby takes over when the leader stops; a leader that cannot renew
// stops binding and reports 'lost-lease' (the command then exits non-zero).

import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../api/errors.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { runScheduler, type RunOutcome } from './run.js';
import type { Scheduler } from './scheduler.js';
import { makeNode, makePod } from './testing/builders.js';
import { eventually } from '../test/helpers/eventually.js';

const LEASE = { namespace: 'kube-system', leaseName: 'orch-scheduler', leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };
const quietEvents = { record: () => undefined };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function replica(client: FakeClient, identity: string) {
  const ac = new AbortController();
  const schedulers: Scheduler[] = [];
  const done: Promise<RunOutcome> = runScheduler(
    { client, leaderElection: { ...LEASE, identity }, scheduler: { events: quietEvents }, onScheduler: (s) => schedulers.push(s) },
    ac.signal,
  );
  cleanups.push(async () => {
    ac.abort();
    await done;
  });
  return { ac, done, schedulers };
}

const holder = async (c: FakeClient) => {
  try {
    return (await c.leases.get('orch-scheduler', 'kube-system')).spec.holderIdentity ?? '';
  } catch {
    return '';
  }
};
const boundCount = async (c: FakeClient) => (await c.pods.list({ namespace: 'default' })).items.filter((p) => p.spec.nodeName).length;

describe('runScheduler with leader election', () => {
  it('only the leader schedules; the standby takes over when the leader stops', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'n1' }), makeNode({ name: 'n2' }), ...Array.from({ length: 10 }, (_, i) => makePod({ name: `a${i}` }))]);
    const a = replica(c, 'a');
    await eventually('a leads', async () => (await holder(c)) === 'a', 15_000);
    const b = replica(c, 'b');
    await eventually('10 pods bound', async () => (await boundCount(c)) === 10, 15_000);
    expect(b.schedulers).toHaveLength(0);

    a.ac.abort();
    expect(await a.done).toBe('stopped');
    await eventually('b leads', async () => (await holder(c)) === 'b', 15_000);
    for (let i = 0; i < 10; i++) await c.pods.create(makePod({ name: `b${i}` }));
    await eventually('20 pods bound', async () => (await boundCount(c)) === 20, 15_000);
    expect(b.schedulers).toHaveLength(1);
    const binds = c.actions.filter((x) => x.verb === 'bind').map((x) => x.name);
    expect(binds).toHaveLength(20);
    expect(new Set(binds).size).toBe(20);
  });

  it('a leader that cannot renew stops binding and reports lost-lease', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'n1' })]);
    const a = replica(c, 'a');
    await eventually('a leads', async () => (await holder(c)) === 'a' && a.schedulers[0]?.hasSynced() === true, 15_000);
    // The apiserver starts refusing a's lease writes (e.g. a network partition).
    c.prependReactor('update', 'leases', () => {
      throw errors.unavailable('partitioned');
    });
    c.prependReactor('get', 'leases', () => {
      throw errors.unavailable('partitioned');
    });
    expect(await a.done).toBe('lost-lease');
    // runScheduler resolves only after the scheduler's run() did, and run() only after its
    // loop, its informers and its in-flight bindings ended (scheduler.ts): from here on
    // nothing of a's can bind, so no sleep is needed to give it a chance to.
    expect(a.schedulers[0]!.hasSynced()).toBe(false);
    await c.pods.create(makePod({ name: 'orphan' }));
    expect(c.actions.filter((x) => x.verb === 'bind')).toHaveLength(0);
  });
});
