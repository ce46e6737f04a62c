import { describe, expect, it } from 'vitest';
import { runPaced, runPool } from './concurrency.js';

describe('runPool', () => {
  it('runs every index once with at most `concurrency` in flight, counting errors', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const r = await runPool({ concurrency: 4, total: 50, maxMs: 60_000 }, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 1));
      inFlight--;
      seen.push(i);
      if (i % 10 === 0) throw new Error(`boom ${i}`);
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(peak).toBe(4);
    expect(r.done).toBe(45);
    expect(r.errors).toBe(5);
    expect(String(r.firstError)).toMatch(/boom/);
  });

  it('stops starting new work after maxMs', async () => {
    const r = await runPool({ concurrency: 2, total: 1_000_000, maxMs: 100 }, () => new Promise((res) => setTimeout(res, 5)));
    expect(r.done).toBeGreaterThan(0);
    expect(r.done).toBeLessThan(1_000_000);
  });
});

describe('runPaced', () => {
  it('starts rate × duration operations and no more', async () => {
    const r = await runPaced({ ratePerSec: 200, durationMs: 250, maxInFlight: 8 }, async () => {});
    expect(r.offered).toBe(50);
    expect(r.done).toBe(50);
    expect(r.errors).toBe(0);
    // Open loop: it does not finish far earlier than the duration (generous bound).
    expect(r.elapsedMs).toBeGreaterThan(200);
  });

  it('stops offering after the duration plus grace when the server is too slow', async () => {
    const r = await runPaced({ ratePerSec: 1000, durationMs: 100, maxInFlight: 1, graceMs: 100 }, () => new Promise((res) => setTimeout(res, 50)));
    expect(r.offered).toBeLessThan(100); // 100 planned; at most ~4 fit in 200 ms one at a time
    expect(r.done).toBe(r.offered);
  });

  it('never exceeds maxInFlight when operations are slow', async () => {
    let inFlight = 0;
    let peak = 0;
    await runPaced({ ratePerSec: 1000, durationMs: 40, maxInFlight: 3 }, async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((res) => setTimeout(res, 20));
      inFlight--;
    });
    expect(peak).toBe(3);
  });
});
