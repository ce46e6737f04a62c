import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.js';

describe('RestartBackoff', () => {
  it('restarts immediately first, then 1 s doubling up to the cap', () => {
    const b = new RestartBackoff({ initialMs: 1000, maxMs: 8000 });
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) delays.push(b.delayFor('p/c', `c${i}`, 10));
    expect(delays).toEqual([0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('is idempotent for the same exit', () => {
    const b = new RestartBackoff();
    expect(b.delayFor('k', 'a', 0)).toBe(0);
    expect(b.delayFor('k', 'b', 0)).toBe(1000);
    expect(b.delayFor('k', 'b', 0)).toBe(1000);
    expect(b.remaining('k', 'b', 200, 0, 700)).toBe(500);
    expect(b.remaining('k', 'b', 200, 0, 5000)).toBe(0);
  });

  it('resets after a container ran cleanly long enough', () => {
    const b = new RestartBackoff({ resetAfterMs: 60_000 });
    b.delayFor('k', 'x1', 0);
    b.delayFor('k', 'x2', 0);
    expect(b.delayFor('k', 'x3', 0)).toBe(2000);
    expect(b.delayFor('k', 'x4', 60_000)).toBe(0);
    expect(b.delayFor('k', 'x5', 0)).toBe(1000);
  });

  it('keys are independent and can be forgotten', () => {
    const b = new RestartBackoff();
    b.delayFor('uid1/a', 'x1', 0);
    expect(b.delayFor('uid1/a', 'x2', 0)).toBe(1000);
    expect(b.delayFor('uid2/a', 'x2', 0)).toBe(0);
    b.forgetPrefix('uid1/');
    expect(b.delayFor('uid1/a', 'x3', 0)).toBe(0);
  });
});
