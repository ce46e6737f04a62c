import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, verdict } from '../testing/run-plugin.js';
import { nodeUnschedulable } from './node-unschedulable.js';

describe('NodeUnschedulable filter', () => {
  const cases = [
    { name: 'schedulable node', node: makeNode({ name: 'n' }), pod: makePod({ name: 'p' }), want: 'ok' },
    { name: 'cordoned node', node: makeNode({ name: 'n', unschedulable: true }), pod: makePod({ name: 'p' }), want: 'node(s) were unschedulable' },
    {
      name: 'cordoned node, pod tolerates the unschedulable taint',
      node: makeNode({ name: 'n', unschedulable: true }),
      pod: makePod({ name: 'p', tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }),
      want: 'ok',
    },
    {
      name: 'cordoned node, toleration for another effect does not help',
      node: makeNode({ name: 'n', unschedulable: true }),
      pod: makePod({ name: 'p', tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }),
      want: 'node(s) were unschedulable',
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    expect(verdict(runFilter(nodeUnschedulable, pod, node))).toBe(want);
  });
});
