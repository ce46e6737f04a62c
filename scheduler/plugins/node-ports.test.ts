import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { runFilter, verdict } from '../testing/run-plugin.js';
import { nodePorts } from './node-ports.js';

describe('NodePorts filter', () => {
  const node = makeNode({ name: 'n' });
  const busy = "node(s) didn't have free ports for the requested pod ports";
  const cases = [
    { name: 'no host ports', pod: makePod({ name: 'p' }), on: [makePod({ name: 'a', hostPorts: [80] })], want: 'ok' },
    { name: 'free port', pod: makePod({ name: 'p', hostPorts: [8080] }), on: [makePod({ name: 'a', hostPorts: [80] })], want: 'ok' },
    { name: 'same port taken', pod: makePod({ name: 'p', hostPorts: [80] }), on: [makePod({ name: 'a', hostPorts: [80] })], want: busy },
    {
      name: 'same port, other protocol',
      pod: makePod({ name: 'p', hostPorts: [{ port: 53, protocol: 'UDP' }] }),
      on: [makePod({ name: 'a', hostPorts: [53] })],
      want: 'ok',
    },
    {
      name: 'same port on two specific addresses',
      pod: makePod({ name: 'p', hostPorts: [{ port: 80, hostIP: '10.0.0.2' }] }),
      on: [makePod({ name: 'a', hostPorts: [{ port: 80, hostIP: '10.0.0.1' }] })],
      want: 'ok',
    },
    {
      name: 'specific address vs wildcard',
      pod: makePod({ name: 'p', hostPorts: [{ port: 80, hostIP: '10.0.0.2' }] }),
      on: [makePod({ name: 'a', hostPorts: [80] })],
      want: busy,
    },
    {
      name: 'port freed when the pod finished',
      pod: makePod({ name: 'p', hostPorts: [80] }),
      on: [{ ...makePod({ name: 'a', hostPorts: [80] }), status: { phase: 'Failed' as const } }],
      want: 'ok',
    },
  ];
  it.each(cases)('$name', ({ pod, on, want }) => {
    expect(verdict(runFilter(nodePorts, pod, node, on))).toBe(want);
  });
});
