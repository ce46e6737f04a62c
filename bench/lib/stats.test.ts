import { describe, expect, it } from 'vitest';
import { median, percentile, percentileSorted, Samples, summarize } from './stats.js';

describe('percentiles (nearest rank)', () => {
  it('picks measured values by rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile([5, 1, 3], 50)).toBe(3); // unsorted input is sorted first
    expect(median([10, 20, 30, 40])).toBe(20);
    expect(percentileSorted([7], 99)).toBe(7);
  });

  it('is NaN without samples rather than a made-up zero', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(summarize([]).n).toBe(0);
    expect(summarize([]).p99).toBeNaN();
  });

  it('summarize gives min/mean/p50/p90/p99/max', () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s).toEqual({ n: 4, min: 1, mean: 2.5, p50: 2, p90: 4, p99: 4, max: 4 });
  });

  it('Samples grows past its initial capacity and keeps every value', () => {
    const s = new Samples();
    for (let i = 0; i < 5000; i++) s.add(i);
    expect(s.count).toBe(5000);
    expect(s.values()[4999]).toBe(4999);
    expect(s.summary().p50).toBe(2499);
  });
});
