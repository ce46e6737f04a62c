import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { WorkQueue } from './work-queue.js';

describe('WorkQueue', () => {
  it('collapses duplicate adds while a key waits', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands a key being processed to a second worker; a re-add during processing requeues at done()', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a'); // dirty while processing
    expect(q.len()).toBe(0);
    let second: string | undefined = 'pending';
    const p = q.get().then((k) => (second = k));
    await flushMicrotasks();
    expect(second).toBe('pending'); // not handed out while 'a' is processing
    q.done('a');
    await p;
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('a key re-added several times during processing is processed once more, not several times', async () => {
    const q = new WorkQueue<string>();
    q.add('a');
    await q.get();
    q.add('a');
    q.add('a');
    q.add('a');
    q.done('a');
    expect(q.len()).toBe(1);
    await q.get();
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get() when a key arrives', async () => {
    const q = new WorkQueue<string>();
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
  });

  it('shutDown resolves waiting and future get() with undefined and ignores adds', async () => {
    const q = new WorkQueue<string>();
    const p1 = q.get();
    const p2 = q.get();
    q.shutDown();
    expect(await p1).toBeUndefined();
    expect(await p2).toBeUndefined();
    q.add('a');
    expect(await q.get()).toBeUndefined();
    expect(q.isShuttingDown()).toBe(true);
  });

  it('addRateLimited backs off exponentially per key and caps at maxDelay; forget resets', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock, baseDelayMs: 10, maxDelayMs: 100 });
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      // Advance 1 ms at a time until the key shows up.
      while (q.len() === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      expect(await q.get()).toBe('k');
      q.done('k');
    }
    expect(delays).toEqual([10, 20, 40, 80, 100, 100]);
    expect(q.numRequeues('k')).toBe(6);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    const start = clock.now();
    q.addRateLimited('k');
    while (q.len() === 0) await clock.advance(1);
    expect(clock.now() - start).toBe(10);
  });

  it('addAfter keeps the earliest of several pending delays for one key', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('k', 1000);
    q.addAfter('k', 100);
    q.addAfter('k', 500);
    await clock.advance(99);
    expect(q.len()).toBe(0);
    await clock.advance(1);
    expect(q.len()).toBe(1);
    await clock.advance(2000);
    expect(q.len()).toBe(1); // the superseded delays did not add it again
    expect(clock.pending()).toBe(0);
  });

  it('shutDown cancels pending delayed adds', async () => {
    const clock = new FakeClock();
    const q = new WorkQueue<string>({ clock });
    q.addAfter('k', 100);
    q.shutDown();
    await clock.advance(200);
    expect(q.len()).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});
