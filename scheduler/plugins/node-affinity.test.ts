import { describe, expect, it } from 'vitest';
import type { Affinity, NodeSelectorTerm } from '../../api/types.js';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, runScore, verdict } from '../testing/run-plugin.js';
import { nodeAffinityFilter, nodeAffinityScore } from './node-affinity.js';

const MISMATCH = "node(s) didn't match Pod's node affinity/selector";
const required = (...terms: NodeSelectorTerm[]): Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

describe('NodeAffinity filter', () => {
  const node = makeNode({ name: 'n1', labels: { disk: 'ssd', zone: 'a', gen: '5' } });
  const cases: { name: string; nodeSelector?: Record<string, string>; affinity?: Affinity; want: string }[] = [
    { name: 'nothing asked', want: 'ok' },
    { name: 'nodeSelector matches', nodeSelector: { disk: 'ssd' }, want: 'ok' },
    { name: 'nodeSelector value differs', nodeSelector: { disk: 'hdd' }, want: MISMATCH },
    { name: 'nodeSelector key missing', nodeSelector: { gpu: 'true' }, want: MISMATCH },
    { name: 'In', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), want: 'ok' },
    { name: 'In, no value matches', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }), want: MISMATCH },
    { name: 'NotIn', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }), want: 'ok' },
    { name: 'NotIn, excluded', affinity: required({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }), want: MISMATCH },
    { name: 'NotIn, label absent matches', affinity: required({ matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] }), want: 'ok' },
    { name: 'Exists', affinity: required({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), want: 'ok' },
    { name: 'Exists, absent', affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }), want: MISMATCH },
    { name: 'DoesNotExist', affinity: required({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }), want: 'ok' },
    { name: 'DoesNotExist, present', affinity: required({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), want: MISMATCH },
    { name: 'Gt', affinity: required({ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }), want: 'ok' },
    { name: 'Lt fails', affinity: required({ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }), want: MISMATCH },
    {
      name: 'expressions in a term are ANDed',
      affinity: required({ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'zone', operator: 'In', values: ['b'] }] }),
      want: MISMATCH,
    },
    {
      name: 'terms are ORed',
      affinity: required(
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
        { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
      ),
      want: 'ok',
    },
    { name: 'empty term list matches nothing', affinity: required(), want: MISMATCH },
    { name: 'empty term matches nothing', affinity: required({}), want: MISMATCH },
    { name: 'matchFields metadata.name', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }), want: 'ok' },
    { name: 'matchFields other name', affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }), want: MISMATCH },
    {
      name: 'nodeSelector and affinity must both hold',
      nodeSelector: { disk: 'hdd' },
      affinity: required({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }),
      want: MISMATCH,
    },
  ];
  it.each(cases)('$name', ({ nodeSelector, affinity, want }) => {
    expect(verdict(runFilter(nodeAffinityFilter, makePod({ name: 'p', nodeSelector, affinity }), node))).toBe(want);
  });
});

describe('NodeAffinity score (raw: sum of matching preference weights)', () => {
  const affinity: Affinity = {
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
        { weight: 5, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
      ],
    },
  };
  const cases: { name: string; labels: Record<string, string>; want: number }[] = [
    { name: 'both preferences', labels: { disk: 'ssd', zone: 'a' }, want: 15 },
    { name: 'one preference', labels: { disk: 'ssd' }, want: 10 },
    { name: 'none', labels: {}, want: 0 },
  ];
  it.each(cases)('$name', ({ labels, want }) => {
    expect(runScore(nodeAffinityScore, makePod({ name: 'p', affinity }), makeNode({ name: 'n', labels }))).toBe(want);
  });
  it('is 0 for pods without preferences', () => {
    expect(runScore(nodeAffinityScore, makePod({ name: 'p' }), makeNode({ name: 'n', labels: { disk: 'ssd' } }))).toBe(0);
  });
});
