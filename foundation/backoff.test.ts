import { describe, expect, it } from 'vitest';
import { Backoff, KeyedBackoff, backoffDelay } from './backoff.js';
import { FakeClock, flushMicrotasks } from './testing/fake-clock.js';

const seq = (b: Backoff, n: number, ranForMs?: number) => Array.from({ length: n }, () => b.next(ranForMs));

describe('backoffDelay', () => {
  it('doubles from initialMs per failure up to maxMs; 0 before the first failure', () => {
    const p = { initialMs: 1000, maxMs: 10_000 };
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(p, n))).toEqual([0, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(backoffDelay(p, 5000)).toBe(10_000); // factor^n overflows to Infinity: still the cap
    expect(backoffDelay({ initialMs: 0, maxMs: 10 }, 3000)).toBe(0);
    expect(backoffDelay({ initialMs: 100, maxMs: 10_000, factor: 3 }, 3)).toBe(900);
  });

  it('immediateFirst: the first retry at once, then the sequence', () => {
    const p = { initialMs: 1000, maxMs: 60_000, immediateFirst: true };
    expect([1, 2, 3, 4].map((n) => backoffDelay(p, n))).toEqual([0, 1000, 2000, 4000]);
  });

  it('jitter spreads ±jitter around the delay and never beyond the cap', () => {
    const p = { initialMs: 200, maxMs: 30_000, jitter: 0.2 };
    expect(backoffDelay(p, 1, () => 0)).toBeCloseTo(160);
    expect(backoffDelay(p, 1, () => 0.5)).toBeCloseTo(200);
    expect(backoffDelay(p, 1, () => 0.999999)).toBeCloseTo(240, 3);
    expect(backoffDelay(p, 20, () => 0.999999)).toBe(30_000);
    expect(backoffDelay(p, 20, () => 0)).toBe(24_000);
  });
});

describe('Backoff', () => {
  it('counts a streak until reset()', () => {
    const b = new Backoff({ initialMs: 5, maxMs: 40 });
    expect(seq(b, 5)).toEqual([5, 10, 20, 40, 40]);
    expect(b.failures).toBe(5);
    b.reset();
    expect(b.next()).toBe(5);
  });

  it('a failure after running resetAfterMs or longer starts a new streak', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 });
    expect(seq(b, 3, 500)).toEqual([1000, 2000, 4000]);
    expect(b.next(59_999)).toBe(8000);
    expect(b.next(60_000)).toBe(1000);
  });

  it('wait() sleeps the delay on the injected clock', async () => {
    const clock = new FakeClock();
    const b = new Backoff({ initialMs: 1000, maxMs: 5000 }, { clock });
    let done: number | undefined;
    void b.wait().then((d) => (done = d));
    await clock.advance(999);
    expect(done).toBeUndefined();
    await clock.advance(1);
    await flushMicrotasks();
    expect(done).toBe(1000);
  });

  it('wait() rejects when its signal aborts', async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const waiting = new Backoff({ initialMs: 1000, maxMs: 5000 }, { clock }).wait(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('KeyedBackoff', () => {
  it('keeps one streak per key; forget and forgetWhere end them', () => {
    const b = new KeyedBackoff<string>({ initialMs: 5, maxMs: 60_000 });
    expect([b.next('a'), b.next('a'), b.next('b'), b.next('a')]).toEqual([5, 10, 5, 20]);
    expect(b.failures('a')).toBe(3);
    b.forget('a');
    expect(b.failures('a')).toBe(0);
    expect(b.next('a')).toBe(5);
    b.next('pod1/c1');
    b.next('pod1/c2');
    b.forgetWhere((k) => k.startsWith('pod1/'));
    expect([b.failures('pod1/c1'), b.failures('pod1/c2'), b.failures('b')]).toEqual([0, 0, 1]);
  });

  it('resetAfterMs per key', () => {
    const b = new KeyedBackoff<string>({ initialMs: 1000, maxMs: 60_000, resetAfterMs: 600_000, immediateFirst: true });
    expect([b.next('c', 10), b.next('c', 10), b.next('c', 10)]).toEqual([0, 1000, 2000]);
    expect(b.next('c', 600_000)).toBe(0);
  });
});
