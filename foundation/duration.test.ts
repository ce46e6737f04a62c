import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['20s', 20_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0', 0],
    ['90', 90_000],
    ['2m', 120_000],
    ['250ms', 250],
  ])('%s → %i ms', (s, ms) => expect(parseDuration(s)).toBe(ms));
  it.each(['', '-5s', 's', '1x', '10s junk', '1.2.3s'])('rejects %j', (s) => expect(() => parseDuration(s)).toThrow(/invalid duration/));
});

