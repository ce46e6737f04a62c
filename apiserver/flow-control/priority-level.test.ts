import { describe, expect, test } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../foundation/testing/fake-clock.js';
import { PriorityLevel, RejectedError, type Admission } from './priority-level.js';

const level = (seats: number, flowSeats: number, queueLength = 10, clock = new FakeClock()) =>
  new PriorityLevel({ name: 'test', seats, flowSeats, queueLength }, clock, 1000);

/** Start an acquire and record how it ends. */
function ask(l: PriorityLevel, flow: string, signal?: AbortSignal) {
  const r: { admission?: Admission; error?: RejectedError } = {};
  l.acquire(flow, signal).then(
    (a) => (r.admission = a),
    (e: RejectedError) => (r.error = e),
  );
  return r;
}

describe('PriorityLevel', () => {
  test('runs at once while seats are free, then queues; a released seat goes to the next waiter', async () => {
    const l = level(2, 2);
    const a = ask(l, 'u');
    const b = ask(l, 'v');
    const c = ask(l, 'w');
    await flushMicrotasks();
    expect(a.admission?.waitedMs).toBe(0);
    expect(b.admission).toBeDefined();
    expect(c.admission).toBeUndefined();
    expect(l.waiting).toBe(1);
    a.admission!.release();
    a.admission!.release(); // idempotent: frees one seat, not two
    await flushMicrotasks();
    expect(c.admission).toBeDefined();
    expect(l.executing).toBe(2);
    expect(l.waiting).toBe(0);
  });

  test('one flow cannot hold more than its seat cap, even with the level idle; other flows still run at once', async () => {
    const l = level(10, 2);
    const mine = [ask(l, 'flooder'), ask(l, 'flooder'), ask(l, 'flooder')];
    const other = ask(l, 'node-2');
    await flushMicrotasks();
    expect(mine.map((m) => m.admission !== undefined)).toEqual([true, true, false]);
    expect(other.admission?.waitedMs).toBe(0);
    expect(l.executing).toBe(3);
    mine[0]!.admission!.release();
    await flushMicrotasks();
    expect(mine[2]!.admission).toBeDefined();
  });

  test("a flow's queue is bounded: beyond it, rejected at once with queue-full", async () => {
    const l = level(1, 1, 2);
    const first = ask(l, 'f');
    const queued = [ask(l, 'f'), ask(l, 'f')];
    const over = ask(l, 'f');
    const otherFlow = ask(l, 'g');
    await flushMicrotasks();
    expect(first.admission).toBeDefined();
    expect(queued.every((q) => !q.admission && !q.error)).toBe(true);
    expect(over.error?.reason).toBe('queue-full');
    // Another flow has its own queue.
    expect(otherFlow.error).toBeUndefined();
    expect(l.waiting).toBe(3);
  });

  test('freed seats go round robin between flows, not in arrival order', async () => {
    const l = level(1, 1, 50);
    const holder = ask(l, 'x');
    // Flow a queues 5 requests before b and c queue one each.
    const asks = ['a', 'a', 'a', 'a', 'a', 'b', 'c'].map((flow) => ({ flow, r: ask(l, flow), served: false }));
    await flushMicrotasks();
    const order: string[] = [];
    let current = holder.admission!;
    for (let i = 0; i < asks.length; i++) {
      current.release();
      await flushMicrotasks();
      const next = asks.find((x) => x.r.admission && !x.served)!;
      next.served = true;
      order.push(next.flow);
      current = next.r.admission!;
    }
    expect(order).toEqual(['a', 'b', 'c', 'a', 'a', 'a', 'a']);
  });

  test('a request waits at most the queue wait, then is rejected with time-out (fake clock)', async () => {
    const clock = new FakeClock();
    const l = level(1, 1, 10, clock);
    const holder = ask(l, 'h');
    const waiter = ask(l, 'w');
    await clock.advance(999);
    expect(waiter.error).toBeUndefined();
    await clock.advance(1);
    expect(waiter.error?.reason).toBe('time-out');
    expect(l.waiting).toBe(0);
    // The seat it never got is still the holder's; releasing it leaves the level empty.
    holder.admission!.release();
    expect(l.executing).toBe(0);
    expect(l.activeFlows).toBe(0);
  });

  test('a waiter whose client goes away leaves the queue (cancelled) and is not admitted later', async () => {
    const clock = new FakeClock();
    const l = level(1, 1, 10, clock);
    const holder = ask(l, 'h');
    const ac = new AbortController();
    const gone = ask(l, 'w', ac.signal);
    const next = ask(l, 'z');
    await flushMicrotasks();
    ac.abort();
    await flushMicrotasks();
    expect(gone.error?.reason).toBe('cancelled');
    holder.admission!.release();
    await flushMicrotasks();
    expect(gone.admission).toBeUndefined();
    expect(next.admission).toBeDefined();
    expect(clock.pending()).toBe(0);
  });

  test('a waiter that got its seat cancels its timer (no later rejection)', async () => {
    const clock = new FakeClock();
    const l = level(1, 1, 10, clock);
    const holder = ask(l, 'h');
    const w = ask(l, 'w');
    await flushMicrotasks();
    holder.admission!.release();
    await clock.advance(5000);
    expect(w.admission).toBeDefined();
    expect(w.error).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });
});
