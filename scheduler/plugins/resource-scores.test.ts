import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { runScore } from '../testing/run-plugin.js';
import { balancedAllocation } from './balanced-allocation.js';
import { leastAllocated } from './least-allocated.js';
import { selectorSpread } from './selector-spread.js';

describe('LeastAllocated score', () => {
  const node = makeNode({ name: 'n', cpu: '4', memory: '4Gi' });
  const cases = [
    { name: 'empty node, 1 cpu 1Gi pod → 75', pod: makePod({ name: 'p', cpu: '1', memory: '1Gi' }), on: [], want: 75 },
    { name: 'half used → 25', pod: makePod({ name: 'p', cpu: '1', memory: '1Gi' }), on: [makePod({ name: 'a', cpu: '2', memory: '2Gi' })], want: 25 },
    { name: 'full → 0', pod: makePod({ name: 'p', cpu: '4', memory: '4Gi' }), on: [], want: 0 },
    { name: 'overcommitted counts as 0', pod: makePod({ name: 'p', cpu: '8', memory: '2Gi' }), on: [], want: 25 },
  ];
  it.each(cases)('$name', ({ pod, on, want }) => {
    expect(runScore(leastAllocated, pod, node, on)).toBeCloseTo(want, 6);
  });
  it('uses non-zero defaults for pods without requests (100m, 200MiB)', () => {
    const s = runScore(leastAllocated, makePod({ name: 'p' }), makeNode({ name: 'n', cpu: '1', memory: '1000Mi' }));
    expect(s).toBeCloseTo((90 + 80) / 2, 6);
  });
});

describe('BalancedAllocation score', () => {
  const node = makeNode({ name: 'n', cpu: '4', memory: '4Gi' });
  const cases = [
    { name: 'equal fractions → 100', pod: makePod({ name: 'p', cpu: '2', memory: '2Gi' }), want: 100 },
    { name: 'cpu 100%, memory 0.25 → 62.5', pod: makePod({ name: 'p', cpu: '4', memory: '1Gi' }), want: 62.5 },
    { name: 'cpu 50%, memory 25% → 87.5', pod: makePod({ name: 'p', cpu: '2', memory: '1Gi' }), want: 87.5 },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(runScore(balancedAllocation, pod, node)).toBeCloseTo(want, 6);
  });
});

describe('SelectorSpread score (raw: pods of the same owner / labels on the node)', () => {
  const node = makeNode({ name: 'n' });
  const cases = [
    { name: 'same owner counted', pod: makePod({ name: 'p', ownerUid: 'rs1' }), on: [makePod({ name: 'a', ownerUid: 'rs1' }), makePod({ name: 'b', ownerUid: 'rs1' }), makePod({ name: 'c', ownerUid: 'rs2' })], want: 2 },
    { name: 'owner beats labels', pod: makePod({ name: 'p', ownerUid: 'rs1', labels: { app: 'x' } }), on: [makePod({ name: 'a', labels: { app: 'x' } })], want: 0 },
    { name: 'same labels without owner', pod: makePod({ name: 'p', labels: { app: 'x' } }), on: [makePod({ name: 'a', labels: { app: 'x' } }), makePod({ name: 'b', labels: { app: 'y' } })], want: 1 },
    { name: 'bare pod spreads on nothing', pod: makePod({ name: 'p' }), on: [makePod({ name: 'a' })], want: 0 },
  ];
  it.each(cases)('$name', ({ pod, on, want }) => {
    expect(runScore(selectorSpread, pod, node, on)).toBe(want);
  });
});
