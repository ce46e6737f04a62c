import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, verdict } from '../testing/run-plugin.js';
import { nodeResourcesFit } from './node-resources-fit.js';

describe('NodeResourcesFit filter', () => {
  const node = makeNode({ name: 'n', cpu: '2', memory: '4Gi', pods: 3 });
  const cases = [
    { name: 'fits on an empty node', pod: makePod({ name: 'p', cpu: '1', memory: '1Gi' }), on: [], want: 'ok' },
    { name: 'exactly fills the node', pod: makePod({ name: 'p', cpu: '2', memory: '4Gi' }), on: [], want: 'ok' },
    { name: 'no requests fits anywhere with room for a pod', pod: makePod({ name: 'p' }), on: [makePod({ name: 'a', cpu: '2', memory: '4Gi' })], want: 'ok' },
    { name: 'cpu over allocatable', pod: makePod({ name: 'p', cpu: '2001m' }), on: [], want: 'Insufficient cpu' },
    { name: 'memory over allocatable', pod: makePod({ name: 'p', memory: '5Gi' }), on: [], want: 'Insufficient memory' },
    {
      name: 'cpu taken by pods already there',
      pod: makePod({ name: 'p', cpu: '500m' }),
      on: [makePod({ name: 'a', cpu: '1' }), makePod({ name: 'b', cpu: '600m' })],
      want: 'Insufficient cpu',
    },
    { name: 'both short: both reasons', pod: makePod({ name: 'p', cpu: '3', memory: '8Gi' }), on: [], want: 'Insufficient cpu|Insufficient memory' },
    {
      name: 'pod count limit',
      pod: makePod({ name: 'p' }),
      on: [makePod({ name: 'a' }), makePod({ name: 'b' }), makePod({ name: 'c' })],
      want: 'Too many pods',
    },
    {
      name: 'finished pods do not count',
      pod: makePod({ name: 'p', cpu: '2' }),
      on: [{ ...makePod({ name: 'a', cpu: '2' }), status: { phase: 'Succeeded' as const } }],
      want: 'ok',
    },
  ];
  it.each(cases)('$name', ({ pod, on, want }) => {
    expect(verdict(runFilter(nodeResourcesFit, pod, node, on))).toBe(want);
  });

  it('counts a limit without a request as the request', () => {
    const pod = makePod({ name: 'p' });
    pod.spec.containers[0]!.resources = { limits: { cpu: '3' } };
    expect(verdict(runFilter(nodeResourcesFit, pod, node))).toBe('Insufficient cpu');
  });
});
