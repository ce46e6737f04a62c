import { expect, test } from 'vitest';
import { EventRing } from './event-ring.js';
import type { StorageEvent } from './types.js';

const ev = (revision: number): StorageEvent => ({ type: 'MODIFIED', object: { metadata: { name: `o${revision}` } }, revision });

test('keeps the newest events, evicts the oldest, finds events after a revision', () => {
  const r = new EventRing(3);
  expect(r.after(0)).toEqual([]);
  expect(r.push(ev(2))).toBeUndefined();
  r.push(ev(5));
  r.push(ev(9));
  expect(r.push(ev(10))!.revision).toBe(2);
  expect(r.push(ev(12))!.revision).toBe(5);
  expect(r.length).toBe(3);
  expect(r.after(0).map((e) => e.revision)).toEqual([9, 10, 12]);
  expect(r.after(9).map((e) => e.revision)).toEqual([10, 12]);
  expect(r.after(11).map((e) => e.revision)).toEqual([12]);
  expect(r.after(12)).toEqual([]);
  r.clear();
  expect(r.length).toBe(0);
});
