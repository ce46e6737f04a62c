import { describe, expect, test } from 'vitest';
import { LongRunningLimiter } from './long-running.js';

describe('LongRunningLimiter', () => {
  test('bounds open streams per user and in all; releasing (once) frees the slot', () => {
    const l = new LongRunningLimiter({ total: 3, perUser: 2 });
    const a1 = l.acquire('a');
    const a2 = l.acquire('a');
    expect(typeof a1).toBe('function');
    expect(l.acquire('a')).toMatchObject({ reason: 'per-user' });
    const b1 = l.acquire('b');
    expect(typeof b1).toBe('function');
    expect(l.acquire('c')).toMatchObject({ reason: 'total' });
    (a1 as () => void)();
    (a1 as () => void)();
    expect(l.size).toBe(2);
    expect(l.openFor('a')).toBe(1);
    expect(typeof l.acquire('c')).toBe('function');
    (a2 as () => void)();
    expect(l.openFor('a')).toBe(0);
  });
});
