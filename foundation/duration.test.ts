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
    ['0s', 0],
    ['90', 90_000],
    ['2.5', 2500],
    ['2m', 120_000],
    ['250ms', 250],
    // Go's time.ParseDuration syntax, as Kubernetes flags take it.
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['5.s', 5000],
    ['1h0m0.5s', 3_600_500],
    ['+3s', 3000],
    ['300us', 0.3],
    ['300µs', 0.3],
    ['300μs', 0.3],
    ['1500000ns', 1.5],
    [' 10s ', 10_000],
  ])('%s → %s ms', (s, ms) => expect(parseDuration(s)).toBeCloseTo(ms, 9));
  it.each(['', '-5s', '-1', 's', '1x', '10s junk', '1.2.3s', '5 minutes', '1d', '.s', '1e3s', '+'])('rejects %j', (s) =>
    expect(() => parseDuration(s)).toThrow(/invalid duration/),
  );
  it('says why a negative duration is refused', () => expect(() => parseDuration('-5s')).toThrow(/must not be negative/));
  it('names the flag when told', () => expect(() => parseDuration('-1', '--request-body-timeout')).toThrow('invalid duration "-1" for --request-body-timeout: must not be negative'));
});
