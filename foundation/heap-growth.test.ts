import { expect, test } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

test('limitHeapGrowth takes a positive integer percent and refuses anything else', () => {
  for (const bad of [0, -5, 1.5, Number.NaN]) expect(() => limitHeapGrowth(bad, [])).toThrow(/positive integer/);
  expect(limitHeapGrowth(100, [])).toBe(true);
});

test("an operator's own --heap-growing-percent node flag wins", () => {
  expect(limitHeapGrowth(100, ['--heap-growing-percent=300'])).toBe(false);
  expect(limitHeapGrowth(100, ['--max-old-space-size=512', '--heap_growing_percent=50'])).toBe(false);
  expect(limitHeapGrowth(100, ['--heap-growing-percentage-typo'])).toBe(true);
});
