import { describe, expect, test } from 'vitest';
import { DEFAULT_LEVELS, levelLimits } from './config.js';

describe('levelLimits', () => {
  test('the default 400 seats are shared by shares; a node may hold a tenth of a node level', () => {
    const l = Object.fromEntries(levelLimits(400, DEFAULT_LEVELS).map((x) => [x.name, x]));
    // 220 shares: node-high 40 → ceil(400·40/220) = 73.
    expect(l['node-high']).toEqual({ name: 'node-high', seats: 73, flowSeats: 7, queueLength: 50 });
    expect(l['workload-low']!.seats).toBe(182);
    expect(l['leader-election']!.seats).toBe(19);
  });
  test('tiny totals still give every level and every flow a seat', () => {
    for (const l of levelLimits(1, DEFAULT_LEVELS)) {
      expect(l.seats).toBe(1);
      expect(l.flowSeats).toBe(1);
    }
  });
});
