import { describe, expect, it } from 'vitest';
import type { Taint, Toleration } from '../../api/types.js';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, runScore, verdict } from '../testing/run-plugin.js';
import { taintTolerationFilter, taintTolerationScore } from './taint-toleration.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('TaintToleration filter', () => {
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: string }[] = [
    { name: 'no taints', taints: [], want: 'ok' },
    { name: 'untolerated NoSchedule', taints: [gpu], want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'untolerated NoExecute', taints: [{ key: 'k', value: 'v', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {k: v}' },
    { name: 'taint without value', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {node.kubernetes.io/not-ready: }' },
    { name: 'PreferNoSchedule never filters', taints: [{ key: 'k', effect: 'PreferNoSchedule' }], want: 'ok' },
    { name: 'Equal toleration', taints: [gpu], tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }], want: 'ok' },
    { name: 'Equal is the default operator', taints: [gpu], tolerations: [{ key: 'dedicated', value: 'gpu' }], want: 'ok' },
    { name: 'wrong value', taints: [gpu], tolerations: [{ key: 'dedicated', value: 'cpu' }], want: 'node(s) had untolerated taint {dedicated: gpu}' },
    { name: 'Exists on key', taints: [gpu], tolerations: [{ key: 'dedicated', operator: 'Exists' }], want: 'ok' },
    { name: 'empty key with Exists tolerates all', taints: [gpu, { key: 'x', effect: 'NoExecute' }], tolerations: [{ operator: 'Exists' }], want: 'ok' },
    { name: 'effect must match', taints: [gpu], tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {dedicated: gpu}' },
    {
      name: 'first untolerated taint is named',
      taints: [gpu, { key: 'zone', value: 'a', effect: 'NoSchedule' }],
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      want: 'node(s) had untolerated taint {zone: a}',
    },
  ];
  it.each(cases)('$name', ({ taints, tolerations, want }) => {
    const node = makeNode({ name: 'n', taints });
    expect(verdict(runFilter(taintTolerationFilter, makePod({ name: 'p', tolerations }), node))).toBe(want);
  });
});

describe('TaintToleration score (raw: untolerated PreferNoSchedule taints)', () => {
  const prefer = (key: string): Taint => ({ key, value: 'v', effect: 'PreferNoSchedule' });
  const cases: { name: string; taints: Taint[]; tolerations?: Toleration[]; want: number }[] = [
    { name: 'none', taints: [], want: 0 },
    { name: 'two untolerated', taints: [prefer('a'), prefer('b')], want: 2 },
    { name: 'NoSchedule taints do not count', taints: [gpu], want: 0 },
    { name: 'one tolerated', taints: [prefer('a'), prefer('b')], tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }], want: 1 },
    { name: 'NoSchedule-only toleration does not count', taints: [prefer('a')], tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }], want: 1 },
  ];
  it.each(cases)('$name', ({ taints, tolerations, want }) => {
    expect(runScore(taintTolerationScore, makePod({ name: 'p', tolerations }), makeNode({ name: 'n', taints }))).toBe(want);
  });
});
