import { describe, expect, it } from 'vitest';
import { errors } from '../api/errors.js';
import type { Lease } from '../api/types.js';
import { FakeClient } from './testing/fake-client.js';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';

type Probe = { started: number; stopped: number; signal?: AbortSignal; leaders: string[] };

function elector(client: FakeClient, clock: FakeClock, identity: string, extra: Partial<LeaderElectorOptions> = {}) {
  const probe: Probe = { started: 0, stopped: 0, leaders: [] };
  const le = new LeaderElector({
    client,
    clock,
    namespace: 'kube-system',
    name: 'scheduler',
    identity,
    random: () => 0,
    onStartedLeading: (signal) => {
      probe.started++;
      probe.signal = signal;
    },
    onStoppedLeading: () => void probe.stopped++,
    onNewLeader: (id) => void probe.leaders.push(id),
    ...extra,
  });
  return { le, probe };
}

const lease = (client: FakeClient) => client.peek<Lease>('leases', 'scheduler', 'kube-system')!;

describe('LeaderElector (FakeClient + FakeClock)', () => {
  it('acquires a missing lease by creating it, renews it every retry period', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const { le, probe } = elector(client, clock, 'a');
    const ac = new AbortController();
    const done = le.run(ac.signal);
    await flushMicrotasks();
    expect(le.isLeader()).toBe(true);
    expect(probe.started).toBe(1);
    expect(probe.leaders).toEqual(['a']);
    const first = lease(client);
    expect(first.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    await clock.advance(2000);
    const second = lease(client);
    expect(Date.parse(second.spec.renewTime!) - Date.parse(first.spec.renewTime!)).toBe(2000);
    expect(second.spec.acquireTime).toBe(first.spec.acquireTime);
    ac.abort();
    await done;
    expect(probe.signal!.aborted).toBe(true);
    expect(probe.stopped).toBe(1);
    expect(le.isLeader()).toBe(false);
    // Graceful stop released the lease.
    expect(lease(client).spec.holderIdentity).toBeUndefined();
  });

  it('a standby waits for expiry measured from when IT observed the record, then takes over', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    // A record renewed "long ago" by the remote clock: must still be respected for a full lease duration.
    client.seed([
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'scheduler', namespace: 'kube-system' },
        spec: { holderIdentity: 'old', leaseDurationSeconds: 15, renewTime: '2000-01-01T00:00:00.000Z', acquireTime: '2000-01-01T00:00:00.000Z', leaseTransitions: 3 },
      },
    ]);
    const { le, probe } = elector(client, clock, 'b');
    const ac = new AbortController();
    const done = le.run(ac.signal);
    await flushMicrotasks();
    expect(le.isLeader()).toBe(false);
    expect(probe.leaders).toEqual(['old']);
    await clock.advance(14_000);
    expect(le.isLeader()).toBe(false);
    await clock.advance(2_000);
    expect(le.isLeader()).toBe(true);
    expect(lease(client).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 4 });
    expect(probe.leaders).toEqual(['old', 'b']);
    ac.abort();
    await done;
  });

  it('only one of two electors leads; the other takes over at once after a graceful release', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const a = elector(client, clock, 'a');
    const b = elector(client, clock, 'b');
    const acA = new AbortController();
    const acB = new AbortController();
    const runA = a.le.run(acA.signal);
    await flushMicrotasks();
    const runB = b.le.run(acB.signal);
    for (let i = 0; i < 10; i++) {
      await clock.advance(2000);
      expect([a.le.isLeader(), b.le.isLeader()]).toEqual([true, false]);
    }
    acA.abort();
    await runA;
    await clock.advance(2500); // one retry period (+ jitter bound)
    expect(b.le.isLeader()).toBe(true);
    expect(lease(client).spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    acB.abort();
    await runB;
  });

  it('steps down (aborts the leading signal) when renewals fail for the renew deadline, and run() resolves', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const { le, probe } = elector(client, clock, 'a');
    const done = le.run();
    await flushMicrotasks();
    expect(le.isLeader()).toBe(true);
    client.prependReactor('*', 'leases', () => {
      throw errors.unavailable('fake: API server down');
    });
    await clock.advance(8000);
    expect(probe.signal!.aborted).toBe(false); // still within the 10 s renew deadline
    await clock.advance(4100);
    expect(probe.signal!.aborted).toBe(true);
    expect(le.isLeader()).toBe(false);
    await done;
    expect(probe.stopped).toBe(1);
  });

  it('steps down at once when another identity is found holding the lease', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const { le, probe } = elector(client, clock, 'a');
    const done = le.run();
    await flushMicrotasks();
    const l = lease(client);
    await client.leases.update({ ...l, spec: { ...l.spec, holderIdentity: 'intruder' } });
    await clock.advance(2000);
    await done;
    expect(probe.signal!.aborted).toBe(true);
    expect(probe.leaders).toEqual(['a', 'intruder']);
  });

  it('a 409 on the write means someone else won the race', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    client.failNext('create', 'leases', errors.alreadyExists({ plural: 'leases', group: 'coordination.k8s.io' }, 'scheduler'));
    const { le } = elector(client, clock, 'a');
    const ac = new AbortController();
    const done = le.run(ac.signal);
    await flushMicrotasks();
    expect(le.isLeader()).toBe(false);
    await clock.advance(2000);
    expect(le.isLeader()).toBe(true);
    ac.abort();
    await done;
  });

  it('rejects a renew deadline not shorter than the lease', () => {
    expect(() => elector(new FakeClient(), new FakeClock(), 'a', { leaseDurationMs: 5000, renewDeadlineMs: 5000 })).toThrow(/greater/);
  });

  it('steps down at the renew deadline even when the API hangs instead of failing', async () => {
    const fake = new FakeClient();
    const clock = new FakeClock();
    let hang = false;
    const leases = fake.leases;
    // A client whose lease calls never answer once `hang` is set (a black-holed network).
    const client = Object.create(fake) as FakeClient;
    Object.defineProperty(client, 'leases', {
      get: () => ({
        ...leases,
        get: (n: string, ns?: string) => (hang ? new Promise<never>(() => {}) : leases.get(n, ns)),
        update: (o: Lease) => (hang ? new Promise<never>(() => {}) : leases.update(o)),
        create: (o: Lease) => leases.create(o),
      }),
    });
    const { le, probe } = elector(client, clock, 'a');
    const done = le.run();
    await flushMicrotasks();
    expect(le.isLeader()).toBe(true);
    hang = true;
    await clock.advance(9_900);
    expect(probe.signal!.aborted).toBe(false);
    await clock.advance(200);
    expect(probe.signal!.aborted).toBe(true);
    await done;
    expect(probe.stopped).toBe(1);
  });
});
