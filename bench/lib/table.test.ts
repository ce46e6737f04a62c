import { describe, expect, it } from 'vitest';
import { formatNumber, ratio, renderTable, verdict, type ResultRow } from './table.js';

const row = (r: Partial<ResultRow>): ResultRow => ({ metric: 'm', unit: 'ms', orch: 10, direction: 'lower', ...r });

describe('result table', () => {
  it('verdicts follow the direction of the target', () => {
    expect(verdict(row({ orch: 10, target: 50 }))).toBe('PASS');
    expect(verdict(row({ orch: 50, target: 50 }))).toBe('FAIL'); // "< 50" is strict
    expect(verdict(row({ orch: 2000, target: 2000, direction: 'higher' }))).toBe('PASS');
    expect(verdict(row({ orch: 1999, target: 2000, direction: 'higher' }))).toBe('FAIL');
    expect(verdict(row({ orch: NaN, target: 2000 }))).toBe('FAIL');
    expect(verdict(row({}))).toBe('-');
  });

  it('ratio is orch / baseline', () => {
    expect(ratio(row({ orch: 30, baseline: 10 }))).toBe('3.0x');
    expect(ratio(row({ orch: 5, baseline: 20 }))).toBe('0.25x');
    expect(ratio(row({ orch: 500, baseline: 10 }))).toBe('50x');
    expect(ratio(row({ orch: 5 }))).toBe('-');
    expect(ratio(row({ orch: 5, baseline: 0 }))).toBe('-');
  });

  it('formats figures with about three significant digits', () => {
    expect(formatNumber(12345.6)).toBe('12346');
    expect(formatNumber(42.25)).toBe('42.3');
    expect(formatNumber(1.234)).toBe('1.23');
    expect(formatNumber(NaN)).toBe('n/a');
  });

  it('renders aligned columns and the notes', () => {
    const text = renderTable('title', [
      row({ metric: 'creates/s', unit: '/s', orch: 2500, baseline: 10000, target: 2000, direction: 'higher', note: 'how' }),
      row({ metric: 'list 10000 pods (median)', orch: 120.5, baseline: 40, target: 300 }),
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('title');
    expect(lines[1]).toMatch(/^metric\s+\|\s+orch \|\s+baseline \|\s+ratio \|\s+target \| verdict$/);
    // Every row's separators line up with the header's.
    const bars = (l: string) => [...l].flatMap((c, i) => (c === '|' ? [i] : []));
    expect(bars(lines[3]!)).toEqual(bars(lines[1]!));
    expect(bars(lines[4]!)).toEqual(bars(lines[1]!));
    expect(lines[3]).toContain('2500 /s');
    expect(lines[3]).toContain('0.25x');
    expect(lines[3]).toContain('>= 2000 /s');
    expect(lines[3]).toMatch(/PASS$/);
    expect(lines[4]).toContain('3.0x');
    expect(text).toContain('notes:\n  creates/s: how');
  });
});
