import { describe, expect, it, vi } from 'vitest';
import { main } from './run.js';

describe('bench/run', () => {
  it('lists the benchmarks when no name is given, and fails on an unknown one', async () => {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
    try {
      expect(await main([])).toBe(0);
      expect(out).toMatch(/usage: npm run bench -- <name>/);
      expect(out).toMatch(/^\s+apiserver\s+creates\/s/m);
      expect(await main(['no-such-bench'])).toBe(2);
      expect(err).toMatch(/unknown benchmark "no-such-bench"/);
      expect(err).toMatch(/apiserver/);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
  });
});
