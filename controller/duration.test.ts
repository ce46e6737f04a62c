import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { enabledControllers } from './manager.js';

describe('parseDuration', () => {
  it.each([
    ['20s', 20_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0', 0],
  ])('%s → %i ms', (s, ms) => expect(parseDuration(s)).toBe(ms));
  it.each(['', '20', 's', '1x', '10s junk'])('rejects %j', (s) => expect(() => parseDuration(s)).toThrow(/invalid duration/));
});

describe('enabledControllers', () => {
  it('supports *, names and -name', () => {
    expect([...enabledControllers(['*'])].sort()).toEqual(['deployment', 'garbagecollector', 'nodelifecycle', 'replicaset']);
    expect([...enabledControllers(['*', '-nodelifecycle'])].sort()).toEqual(['deployment', 'garbagecollector', 'replicaset']);
    expect([...enabledControllers(['replicaset'])]).toEqual(['replicaset']);
    expect(() => enabledControllers(['nope'])).toThrow(/unknown controller/);
  });
});
