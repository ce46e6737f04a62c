import { describe, expect, it } from 'vitest';
import { cpuToMillis, formatBytes, formatCpu, isValidQuantity, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['2', 2],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['1.', 1],
    ['100m', 0.1],
    ['128Mi', 134217728],
    ['1Gi', 1073741824],
    ['1G', 1e9],
    ['500k', 500000],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['0.5Gi', 536870912],
    ['1Ki', 1024],
    ['2Ti', 2 * 2 ** 40],
    ['1M', 1e6],
    ['1u', 1e-6],
    ['5n', 5e-9],
    ['+3', 3],
    ['-1', -1],
    ['0', 0],
    ['0.1k', 100],
    ['1Pi', 2 ** 50],
    ['3Pi', 3 * 2 ** 50],
  ])('%s → %d', (q, want) => {
    expect(parseQuantity(q)).toBeCloseTo(want, 12);
  });

  it('accepts finite numbers as they are', () => {
    expect(parseQuantity(3)).toBe(3);
    expect(parseQuantity(0.25)).toBe(0.25);
  });

  it.each(['', 'abc', '1.2.3', '12Mb', '1 Gi', ' 1', '1Gi ', 'Mi', '--1', '1e', '1ee3', '1KI', '0x10'])('rejects %j with a clear Error', (q) => {
    expect(() => parseQuantity(q)).toThrow(/quantit/);
  });

  it('rejects non-finite numbers', () => {
    expect(() => parseQuantity(Infinity)).toThrow(Error);
    expect(() => parseQuantity(NaN)).toThrow(Error);
  });
});

describe('isValidQuantity', () => {
  it.each([
    ['100m', true],
    ['1Gi', true],
    [5, true],
    ['1Gb', false],
    [null, false],
    [{}, false],
    [undefined, false],
  ])('%j → %s', (q, want) => {
    expect(isValidQuantity(q)).toBe(want);
  });
});

describe('cpu and byte formatting', () => {
  it.each([
    ['250m', 250],
    ['2', 2000],
    ['0.1', 100],
    ['1.5', 1500],
    ['1u', 1], // rounds up like Kubernetes' MilliValue
    [0.5, 500],
  ])('cpuToMillis(%j) = %d', (q, want) => {
    expect(cpuToMillis(q)).toBe(want);
  });

  it.each([
    [2000, '2'],
    [250, '250m'],
    [0, '0'],
    [1500, '1500m'],
  ])('formatCpu(%d) = %s', (m, want) => {
    expect(formatCpu(m)).toBe(want);
  });

  it.each([
    [134217728, '128Mi'],
    [1073741824, '1Gi'],
    [1536 * 1024 * 1024, '1536Mi'],
    [1024, '1Ki'],
    [1000, '1000'],
    [0, '0'],
  ])('formatBytes(%d) = %s', (b, want) => {
    expect(formatBytes(b)).toBe(want);
  });

  it('formatBytes round-trips through parseQuantity', () => {
    for (const b of [1024, 3 * 2 ** 20, 5 * 2 ** 30, 12345, 2 ** 50, 7 * 2 ** 40]) expect(parseQuantity(formatBytes(b))).toBe(b);
  });
});
