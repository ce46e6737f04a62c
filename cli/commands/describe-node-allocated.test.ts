import { describe, expect, test } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { allocatedResources } from './describe-node-allocated.js';

const node = { metadata: { name: 'n' }, spec: {}, status: { allocatable: { cpu: '2', memory: '4Gi' } } } as Node;
const pod = (phase: string, requests: Record<string, string>, limits: Record<string, string> = {}, init?: Record<string, string>): Pod =>
  ({
    metadata: { name: 'p' },
    spec: {
      containers: [{ name: 'a', image: 'i', resources: { requests, limits } }, { name: 'b', image: 'i', resources: { requests } }],
      ...(init ? { initContainers: [{ name: 'init', image: 'i', resources: { requests: init } }] } : {}),
    },
    status: { phase },
  }) as unknown as Pod;

describe('describe node: Allocated resources', () => {
  test('sums requests and limits of live pods, with the share of allocatable rounded down', () => {
    const out = allocatedResources(node, [
      pod('Running', { cpu: '100m', memory: '64Mi' }, { cpu: '500m', memory: '128Mi' }),
      // The init container asks more than the app containers together: it counts.
      pod('Pending', { cpu: '50m' }, {}, { cpu: '300m', memory: '1Gi' }),
      pod('Succeeded', { cpu: '1', memory: '1Gi' }),
    ]);
    expect(out).toBe(
      [
        'Allocated resources:',
        '  (Total limits may be over 100 percent, i.e., overcommitted.)',
        '  Resource  Requests      Limits',
        '  --------  --------      ------',
        '  cpu       500m (25%)    500m (25%)',
        '  memory    1152Mi (28%)  128Mi (3%)',
      ].join('\n'),
    );
  });
});
