import { describe, expect, it } from 'vitest';
import { humanDuration, timestampAge } from './duration.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [0, '0s'],
    [1 * s, '1s'],
    [119 * s, '119s'],
    [120 * s, '2m'],
    [190 * s, '3m10s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [7 * h + 59 * m, '7h59m'],
    // kubectl switches to whole hours at 8h (orch's CLI printed "9h5m" here).
    [9 * h + 5 * m, '9h'],
    [47 * h + 59 * m, '47h'],
    [48 * h, '2d'],
    [49 * h, '2d1h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d + 2 * h, '8d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [731 * d, '2y1d'],
    [8 * 365 * d + 2 * h, '8y'],
    // Clock skew up to two seconds reads "0s" (Go truncates toward zero); more is invalid.
    [-1500, '0s'],
    [-2 * s, '<invalid>'],
  ])('%i ms → %s', (ms, want) => expect(humanDuration(ms)).toBe(want));
});

describe('timestampAge', () => {
  it('is the age of an RFC 3339 timestamp, <unknown> without one', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(timestampAge('2026-01-01T11:59:00Z', now)).toBe('60s');
    expect(timestampAge(undefined, now)).toBe('<unknown>');
    expect(timestampAge('not a time', now)).toBe('<unknown>');
  });
});
