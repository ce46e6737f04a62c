import { describe, expect, test } from 'vitest';
import { WatchMemoryBudget, type BudgetedStream } from './watch-memory.js';

/** A stream holding `held` bytes; cutting it drops them from the budget. */
function stream(budget: WatchMemoryBudget, name: string, held: number, stalledSince?: number, cut: string[] = []) {
  const s: BudgetedStream & { heldBytes: number } = {
    heldBytes: held,
    stalledSince,
    cut: () => {
      cut.push(name);
      budget.dropped(s.heldBytes);
      s.heldBytes = 0;
    },
  };
  budget.register(s);
  budget.change(held);
  return s;
}

describe('WatchMemoryBudget', () => {
  test('over the budget, the streams holding the most are cut until the sum fits; the check runs once per turn', () => {
    const checks: Array<() => void> = [];
    const dropped: number[] = [];
    const budget = new WatchMemoryBudget(100, { schedule: (fn) => checks.push(fn), onDropped: (b) => dropped.push(b) });
    const cut: string[] = [];
    stream(budget, 'small', 10, 1, cut);
    stream(budget, 'big', 60, 5, cut);
    stream(budget, 'mid', 40, 2, cut);
    expect(checks).toHaveLength(1);
    stream(budget, 'more', 30, 3, cut);
    expect(checks).toHaveLength(1);
    checks[0]!();
    // 140 held: cutting big (60) brings it to 80 <= 100.
    expect(cut).toEqual(['big']);
    expect(budget.heldBytes).toBe(80);
    expect(dropped).toEqual([60]);
  });

  test('among equal streams the one stalled longest goes first; streams holding nothing are never cut', () => {
    const budget = new WatchMemoryBudget(50, { schedule: () => undefined });
    const cut: string[] = [];
    stream(budget, 'idle', 0, undefined, cut);
    stream(budget, 'recent', 30, 20, cut);
    stream(budget, 'oldest', 30, 10, cut);
    stream(budget, 'newest', 30, 30, cut);
    expect(budget.enforce()).toBe(2);
    expect(cut).toEqual(['oldest', 'recent']);
  });

  test('under the budget nothing happens; unregistered streams are not candidates', () => {
    const checks: Array<() => void> = [];
    const budget = new WatchMemoryBudget(100, { schedule: (fn) => checks.push(fn) });
    const s = { heldBytes: 500, stalledSince: 1, cut: () => { throw new Error('must not be cut'); } };
    const unregister = budget.register(s);
    budget.change(50);
    expect(checks).toHaveLength(0);
    unregister();
    budget.change(450);
    expect(budget.enforce()).toBe(0);
  });
});
