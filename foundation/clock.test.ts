import { describe, expect, it } from 'vitest';
import { isoSeconds, nowIso, raceClock } from './clock.js';
import { FakeClock } from './testing/fake-clock.js';

describe('metav1.Time formatting', () => {
  it('isoSeconds drops the milliseconds (floor), as Kubernetes writes object times', () => {
    expect(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05Z');
    expect(isoSeconds(Date.UTC(2026, 0, 2, 3, 4, 5, 0))).toBe('2026-01-02T03:04:05Z');
    expect(isoSeconds(0)).toBe('1970-01-01T00:00:00Z');
  });

  it('nowIso reads the given clock, else the real one', () => {
    expect(nowIso({ now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 999) })).toBe('2026-01-02T03:04:05Z');
    expect(nowIso()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('raceClock', () => {
  it('gives the promise\'s value when it settles first, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    expect(await raceClock(clock, Promise.resolve('done'), 1000, () => 'late')).toBe('done');
    expect(clock.pending()).toBe(0);
    await expect(raceClock(clock, Promise.reject(new Error('boom')), 1000, () => 'late')).rejects.toThrow('boom');
    expect(clock.pending()).toBe(0);
  });

  it('gives late()\'s value, or its error, when the time passes first', async () => {
    const clock = new FakeClock();
    const never = new Promise<string>(() => undefined);
    const v = raceClock(clock, never, 1000, () => 'late');
    await clock.advance(999);
    let settled = false;
    void v.then(() => (settled = true));
    await clock.advance(0);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await v).toBe('late');
    const e = raceClock(clock, never, 500, (): never => {
      throw new Error('no answer within 500 ms');
    });
    const refused = expect(e).rejects.toThrow('no answer within 500 ms');
    await clock.advance(500);
    await refused;
  });
});
