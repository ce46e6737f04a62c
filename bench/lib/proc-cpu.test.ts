import { describe, expect, it } from 'vitest';
import { parseProcCpuMs, readProcCpuMs } from './proc-cpu.js';

describe('parseProcCpuMs', () => {
  it('sums utime, stime and the waited-for children, past a command name with spaces and parentheses', () => {
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 30 7 3 20 0 11 0 500 1000 200';
    expect(parseProcCpuMs(stat)).toBe((150 + 30 + 7 + 3) * 10);
  });

  it('reads this very process, and its count grows with work', () => {
    const before = readProcCpuMs(process.pid);
    const end = Date.now() + 60;
    while (Date.now() < end) Math.sqrt(Math.random());
    expect(readProcCpuMs(process.pid)).toBeGreaterThan(before);
  });
});
