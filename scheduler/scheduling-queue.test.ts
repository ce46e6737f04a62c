import { describe, expect, it } from 'vitest';
import { SchedulingQueue } from './scheduling-queue.js';
import { makePod } from './testing/builders.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';

function setup() {
  const clock = new FakeClock();
  const q = new SchedulingQueue({ clock });
  return { clock, q };
}

function drain(q: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let p = q.tryPop(); p; p = q.tryPop()) out.push(p.pod.metadata.name!);
  return out;
}

describe('SchedulingQueue ordering', () => {
  it('pops higher priority first, then older pods, then FIFO', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'late', creationTimestamp: '2026-01-01T00:00:05Z' }));
    q.addOrUpdate(makePod({ name: 'first', creationTimestamp: '2026-01-01T00:00:01Z' }));
    q.addOrUpdate(makePod({ name: 'second', creationTimestamp: '2026-01-01T00:00:01Z' }));
    q.addOrUpdate(makePod({ name: 'urgent', priority: 1000, creationTimestamp: '2026-01-01T00:00:09Z' }));
    q.addOrUpdate(makePod({ name: 'low', priority: -5, creationTimestamp: '2026-01-01T00:00:00Z' }));
    expect(drain(q)).toEqual(['urgent', 'first', 'second', 'late', 'low']);
  });

  it('dedupes by key and keeps the latest object', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addOrUpdate(makePod({ name: 'a', cpu: '1' }));
    const p = q.tryPop()!;
    expect(p.pod.spec.containers[0]!.resources?.requests?.cpu).toBe('1');
    expect(q.tryPop()).toBeUndefined();
  });

  it('an update while in flight does not queue the pod a second time', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    const p = q.tryPop()!;
    q.addOrUpdate(makePod({ name: 'a', labels: { x: 'y' } }));
    expect(q.tryPop()).toBeUndefined();
    expect(p.pod.metadata.labels).toEqual({ x: 'y' });
    q.done(p.key);
    expect(q.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inflight: 0 });
  });

  it('deleted pods leave every queue', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.delete('default/a');
    expect(q.tryPop()).toBeUndefined();
  });
});

describe('SchedulingQueue backoff', () => {
  it('grows 1 s, 2 s, 4 s, 8 s, then caps at 10 s', async () => {
    const { q } = setup();
    expect([1, 2, 3, 4, 5, 9].map((n) => q.backoffDuration(n))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('holds a failed pod until its backoff has passed', async () => {
    const { q, clock } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addBackoff(q.tryPop()!); // attempt 1 failed → 1 s
    expect(q.tryPop()).toBeUndefined();
    await clock.advance(999);
    expect(q.tryPop()).toBeUndefined();
    await clock.advance(1);
    const p = q.tryPop()!;
    expect(p.attempts).toBe(2);
    q.addBackoff(p); // attempt 2 failed → 2 s
    await clock.advance(1999);
    expect(q.tryPop()).toBeUndefined();
    await clock.advance(1);
    expect(q.tryPop()?.attempts).toBe(3);
  });
});

describe('SchedulingQueue unschedulable pods', () => {
  it('are parked until a move event, then retried (after their backoff)', async () => {
    const { q, clock } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addUnschedulable(q.tryPop()!);
    expect(q.placeOf('default/a')).toBe('unschedulable');
    await clock.advance(30_000);
    expect(q.tryPop()).toBeUndefined();
    q.moveAllToActiveOrBackoff();
    expect(q.tryPop()?.pod.metadata.name).toBe('a');
  });

  it('go to backoff, not straight to active, when moved while still backing off', async () => {
    const { q, clock } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addUnschedulable(q.tryPop()!);
    await clock.advance(200);
    q.moveAllToActiveOrBackoff();
    expect(q.placeOf('default/a')).toBe('backoff');
    await clock.advance(800);
    expect(q.tryPop()?.pod.metadata.name).toBe('a');
  });

  it('are flushed back after 60 s without any event', async () => {
    const { q, clock } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addUnschedulable(q.tryPop()!);
    await clock.advance(59_999);
    expect(q.tryPop()).toBeUndefined();
    await clock.advance(1);
    expect(q.tryPop()?.pod.metadata.name).toBe('a');
  });

  it('go to backoff if a move event happened during their attempt', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    const p = q.tryPop()!;
    q.moveAllToActiveOrBackoff(); // e.g. a node was added while we were filtering
    q.addUnschedulable(p);
    expect(q.placeOf('default/a')).toBe('backoff');
  });

  it('are retried when the user edits the pod, but not on status-only updates', async () => {
    const { q, clock } = setup();
    const pod = makePod({ name: 'a', cpu: '64' });
    q.addOrUpdate(pod);
    q.addUnschedulable(q.tryPop()!);
    await clock.advance(5000);
    q.addOrUpdate({ ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] } });
    expect(q.placeOf('default/a')).toBe('unschedulable');
    q.addOrUpdate(makePod({ name: 'a', cpu: '1' }));
    expect(q.tryPop()?.pod.spec.containers[0]!.resources?.requests?.cpu).toBe('1');
  });

  it('are not requeued once deleted while in flight', async () => {
    const { q } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    const p = q.tryPop()!;
    q.delete(p.key);
    q.addUnschedulable(p);
    q.addBackoff(p);
    expect(q.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inflight: 0 });
  });
});

describe('SchedulingQueue.pop', () => {
  it('waits for a pod to arrive and wakes at once', async () => {
    const { q } = setup();
    const popped = q.pop();
    q.addOrUpdate(makePod({ name: 'a' }));
    expect((await popped)?.pod.metadata.name).toBe('a');
  });

  it('wakes when a backoff ends on the clock', async () => {
    const { q, clock } = setup();
    q.addOrUpdate(makePod({ name: 'a' }));
    q.addBackoff(q.tryPop()!);
    const popped = q.pop();
    await new Promise((r) => setImmediate(r));
    await clock.advance(1000);
    expect((await popped)?.attempts).toBe(2);
  });

  it('returns undefined when closed or aborted', async () => {
    const { q } = setup();
    const popped = q.pop();
    q.close();
    expect(await popped).toBeUndefined();
    const q2 = new SchedulingQueue({ clock: new FakeClock() });
    const ac = new AbortController();
    const p2 = q2.pop(ac.signal);
    ac.abort();
    // The fake clock's sleep rejects on abort; pop sees the signal and stops.
    expect(await p2).toBeUndefined();
  });
});
