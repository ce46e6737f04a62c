import { describe, expect, it } from 'vitest';
import { parseProcStatus, readRss, RssSampler } from './rss.js';

describe('rss', () => {
  it('parses VmRSS and VmHWM from /proc status text', () => {
    const text = 'Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n';
    expect(parseProcStatus(text)).toEqual({ rss: 1024 * 1024, hwm: 2048 * 1024 });
    expect(() => parseProcStatus('Name: x\n')).toThrow(/VmRSS/);
  });

  it('reads a live process (this one) and sees memory it allocates', async () => {
    const before = readRss(process.pid);
    expect(before.rss).toBeGreaterThan(1024 * 1024);
    expect(before.hwm).toBeGreaterThanOrEqual(before.rss);
    const sampler = new RssSampler(process.pid, 10).start();
    const big = Buffer.alloc(64 * 1024 * 1024, 1); // touched pages count in RSS
    await new Promise((r) => setTimeout(r, 50));
    const s = sampler.stop();
    expect(big[big.length - 1]).toBe(1);
    expect(s.samples).toBeGreaterThan(1);
    expect(s.max).toBeGreaterThanOrEqual(before.rss + 32 * 1024 * 1024);
  });
});
