import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, verdict } from '../testing/run-plugin.js';
import { nodeReady } from './node-ready.js';

describe('NodeReady filter', () => {
  const notReady = 'node(s) were not ready';
  const cases = [
    { name: 'ready node', node: makeNode({ name: 'n' }), pod: makePod({ name: 'p' }), want: 'ok' },
    { name: 'Ready=False', node: makeNode({ name: 'n', ready: false }), pod: makePod({ name: 'p' }), want: notReady },
    { name: 'Ready=Unknown', node: makeNode({ name: 'n', ready: 'Unknown' }), pod: makePod({ name: 'p' }), want: notReady },
    {
      name: 'no conditions at all',
      node: { ...makeNode({ name: 'n' }), status: { allocatable: { cpu: '1', memory: '1Gi' } } },
      pod: makePod({ name: 'p' }),
      want: notReady,
    },
    {
      name: 'Ready=False, pod tolerates not-ready',
      node: makeNode({ name: 'n', ready: false }),
      pod: makePod({ name: 'p', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }),
      want: 'ok',
    },
    {
      name: 'Ready=Unknown, not-ready toleration is not enough',
      node: makeNode({ name: 'n', ready: 'Unknown' }),
      pod: makePod({ name: 'p', tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] }),
      want: notReady,
    },
    {
      name: 'Ready=Unknown, pod tolerates unreachable',
      node: makeNode({ name: 'n', ready: 'Unknown' }),
      pod: makePod({ name: 'p', tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }] }),
      want: 'ok',
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    expect(verdict(runFilter(nodeReady, pod, node))).toBe(want);
  });
});
