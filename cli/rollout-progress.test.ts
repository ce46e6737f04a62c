import { describe, expect, it } from 'vitest';
import type { Deployment, DeploymentStatus } from '../api/types.js';
import { progressLine, rolloutState } from './rollout-progress.js';

const dep = (replicas: number, generation: number, status: DeploymentStatus): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', generation },
  spec: { replicas, selector: {}, template: { spec: { containers: [] } } },
  status,
});

describe('rolloutState', () => {
  it.each([
    [dep(3, 2, { observedGeneration: 1 }), false, /spec update to be observed/],
    [dep(3, 1, { observedGeneration: 1, replicas: 3, updatedReplicas: 1 }), false, /1 out of 3 new replicas have been updated/],
    [dep(3, 1, { observedGeneration: 1, replicas: 4, updatedReplicas: 3 }), false, /1 old replicas are pending termination/],
    [dep(3, 1, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }), false, /2 of 3 updated replicas are available/],
    [dep(3, 1, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }), true, /successfully rolled out/],
    [dep(0, 1, { observedGeneration: 1 }), true, /successfully rolled out/],
  ])('case %#', (d, done, re) => {
    const s = rolloutState(d);
    expect(s.done).toBe(done);
    expect(s.message).toMatch(re);
  });

  it('fails on ProgressDeadlineExceeded', () => {
    const s = rolloutState(dep(3, 1, { observedGeneration: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
    expect(s).toMatchObject({ done: false, failed: true });
    expect(s.message).toMatch(/exceeded its progress deadline/);
  });
});

describe('progressLine', () => {
  it('summarises ready, updated and available', () => {
    expect(progressLine(dep(3, 1, { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 1 }))).toBe('web: 2/3 ready, 3/3 updated, 1/3 available');
  });
});
