import { describe, expect, it } from 'vitest';
import type { Pod, PodDisruptionBudget } from '../types.js';
import { budgetRefusal, canIgnoreBudgets, checkEviction, spentBudget, unhealthyPodMayGo } from './eviction.js';

const pdb = (status: Partial<NonNullable<PodDisruptionBudget['status']>>, generation = 1): PodDisruptionBudget => ({
  metadata: { name: 'web', namespace: 'default', generation },
  spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
  status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, observedGeneration: 1, ...status },
});

describe('budgetRefusal', () => {
  it('403 for a negative allowance or a disruptedPods map past 2000 (the controller is behind), as Kubernetes', () => {
    expect(budgetRefusal(pdb({ disruptionsAllowed: -1 }))?.status).toMatchObject({ code: 403, message: expect.stringContaining('pdb disruptions allowed is negative') });
    const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, '2026-01-01T00:00:00Z']));
    expect(budgetRefusal(pdb({ disruptionsAllowed: 5, disruptedPods: many }))?.status).toMatchObject({ code: 403, message: expect.stringContaining('DisruptedPods map too big') });
  });

  it('429 while behind its generation or out of disruptions; nothing when one is left', () => {
    expect(budgetRefusal(pdb({ disruptionsAllowed: 1 }, 2))?.status.details).toMatchObject({ retryAfterSeconds: 10 });
    expect(budgetRefusal(pdb({ disruptionsAllowed: 0, desiredHealthy: 2, currentHealthy: 2 }))?.status.details).toEqual({
      retryAfterSeconds: 0,
      causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }],
    });
    expect(budgetRefusal(pdb({ disruptionsAllowed: 1 }))).toBeUndefined();
  });
});

describe('spentBudget', () => {
  it('decrements, records the pod, and turns DisruptionAllowed False at zero; the input is not mutated', () => {
    const before = pdb({ disruptionsAllowed: 2 });
    const once = spentBudget(before, 'a', '2026-01-01T00:00:00Z');
    expect(before.status?.disruptionsAllowed).toBe(2);
    expect(once.status).toMatchObject({ disruptionsAllowed: 1, disruptedPods: { a: '2026-01-01T00:00:00Z' } });
    expect(once.status?.conditions).toBeUndefined();
    const twice = spentBudget(once, 'b', '2026-01-01T00:00:01Z');
    expect(twice.status?.disruptedPods).toEqual({ a: '2026-01-01T00:00:00Z', b: '2026-01-01T00:00:01Z' });
    expect(twice.status?.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:01Z' }]);
  });
});

describe('which pods skip or spend the budget', () => {
  const pod = (phase: string, extra: Partial<Pod['metadata']> = {}): Pod => ({ metadata: { name: 'p', ...extra }, spec: { containers: [] }, status: { phase: phase as never } });
  it('finished, pending and terminating pods skip it; running ones do not', () => {
    expect(['Succeeded', 'Failed', 'Pending'].map((p) => canIgnoreBudgets(pod(p)))).toEqual([true, true, true]);
    expect(canIgnoreBudgets(pod('Running', { deletionTimestamp: '2026-01-01T00:00:00Z' }))).toBe(true);
    expect(canIgnoreBudgets(pod('Running'))).toBe(false);
  });
  it('an unready pod goes free under AlwaysAllow, or while the budget is met and wants someone', () => {
    const p = pod('Running');
    expect(unhealthyPodMayGo(p, pdb({ currentHealthy: 2, desiredHealthy: 2 }), false)).toBe(true);
    expect(unhealthyPodMayGo(p, pdb({ currentHealthy: 1, desiredHealthy: 2 }), false)).toBe(false);
    expect(unhealthyPodMayGo(p, pdb({ currentHealthy: 0, desiredHealthy: 0 }), false)).toBe(false);
    const always = { ...pdb({ currentHealthy: 0, desiredHealthy: 2 }), spec: { minAvailable: 2, unhealthyPodEvictionPolicy: 'AlwaysAllow' as const } };
    expect(unhealthyPodMayGo(p, always, false)).toBe(true);
    expect(unhealthyPodMayGo(p, always, true)).toBe(false); // a Ready pod always spends
  });
});

describe('checkEviction', () => {
  it('400 for another namespace or version; a body without kind/apiVersion naming the pod is fine', () => {
    expect(() => checkEviction({ metadata: { name: 'p', namespace: 'other' } }, 'p', 'default')).toThrow(/namespace of the provided object/);
    expect(() => checkEviction({ apiVersion: 'policy/v2', kind: 'Eviction', metadata: { name: 'p' } }, 'p', 'default')).toThrow(/API version/);
    expect(checkEviction({ metadata: { name: 'p' } }, 'p', 'default').metadata.name).toBe('p');
  });
});
