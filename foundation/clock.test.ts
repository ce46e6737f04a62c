import { describe, expect, it } from 'vitest';
import { isoSeconds, nowIso } from './clock.js';

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
