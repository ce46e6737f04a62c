import { describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { findResource } from '../resources.js';
import type { KubeObject } from '../types.js';
import { planDelete, type DeleteOptionsParsed } from './deletion.js';

const pods = findResource('', 'v1', 'pods')!;
const cms = findResource('', 'v1', 'configmaps')!;
const nss = findResource('', 'v1', 'namespaces')!;
const NOW = Date.parse('2026-01-01T00:00:00Z');
const opts = (o: Partial<DeleteOptionsParsed> = {}): DeleteOptionsParsed => ({ dryRun: false, ...o });

const pod = (spec: Record<string, unknown> = {}, md: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', uid: 'u1', resourceVersion: '5', ...md },
  spec: { containers: [], terminationGracePeriodSeconds: 30, ...spec },
});

describe('planDelete', () => {
  test('unscheduled pod: removed now', () => {
    expect(planDelete(pods, pod(), opts(), NOW)).toEqual({ action: 'remove' });
  });

  test('scheduled pod: graceful with the pod grace, or the requested one', () => {
    const out = planDelete(pods, pod({ nodeName: 'n' }), opts(), NOW);
    expect(out.action).toBe('update');
    if (out.action !== 'update') return;
    expect(out.object.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(out.object.metadata.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    const short = planDelete(pods, pod({ nodeName: 'n' }), opts({ gracePeriodSeconds: 3 }), NOW);
    expect(short.action === 'update' && short.object.metadata.deletionGracePeriodSeconds).toBe(3);
    expect(planDelete(pods, pod({ nodeName: 'n' }), opts({ gracePeriodSeconds: 0 }), NOW)).toEqual({ action: 'remove' });
  });

  test('finished pods go at once', () => {
    const p = { ...pod({ nodeName: 'n' }), status: { phase: 'Succeeded' } };
    expect(planDelete(pods, p, opts(), NOW)).toEqual({ action: 'remove' });
  });

  test('pod being deleted: confirmation removes it, longer grace is ignored, finalizers hold it', () => {
    const deleting = pod({ nodeName: 'n' }, { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 });
    expect(planDelete(pods, deleting, opts(), NOW)).toEqual({ action: 'none' });
    expect(planDelete(pods, deleting, opts({ gracePeriodSeconds: 60 }), NOW)).toEqual({ action: 'none' });
    expect(planDelete(pods, deleting, opts({ gracePeriodSeconds: 0 }), NOW)).toEqual({ action: 'remove' });
    const held = pod({ nodeName: 'n' }, { deletionTimestamp: '2026-01-01T00:00:30Z', deletionGracePeriodSeconds: 30, finalizers: ['x'] });
    const out = planDelete(pods, held, opts({ gracePeriodSeconds: 0 }), NOW);
    expect(out.action === 'update' && out.object.metadata.deletionGracePeriodSeconds).toBe(0);
  });

  test('finalizers and propagation policies', () => {
    const cm: KubeObject = { kind: 'ConfigMap', metadata: { name: 'c', uid: 'u', finalizers: ['f'] } };
    const out = planDelete(cms, cm, opts(), NOW);
    expect(out.action === 'update' && out.object.metadata.deletionTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(planDelete(cms, { ...cm, metadata: { name: 'c' } }, opts(), NOW)).toEqual({ action: 'remove' });
    const fg = planDelete(cms, { ...cm, metadata: { name: 'c' } }, opts({ propagationPolicy: 'Foreground' }), NOW);
    expect(fg.action === 'update' && fg.object.metadata.finalizers).toEqual(['foregroundDeletion']);
    const or = planDelete(cms, { ...cm, metadata: { name: 'c' } }, opts({ propagationPolicy: 'Orphan' }), NOW);
    expect(or.action === 'update' && or.object.metadata.finalizers).toEqual(['orphan']);
  });

  test('namespaces always go through Terminating', () => {
    const ns: KubeObject = { kind: 'Namespace', metadata: { name: 'x' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    const out = planDelete(nss, ns, opts(), NOW);
    expect(out.action === 'update' && (out.object.status as { phase: string }).phase).toBe('Terminating');
  });

  test('a grace period past year 9999 gives the last RFC 3339 timestamp instead of a RangeError', () => {
    // Regression: terminationGracePeriodSeconds 1e13 is a valid int64, but every graceful
    // DELETE of such a pod answered 500 (Invalid time value), so it could never be removed.
    const huge = planDelete(pods, pod({ nodeName: 'n', terminationGracePeriodSeconds: 1e13 }), opts(), NOW);
    expect(huge.action === 'update' && huge.object.metadata).toMatchObject({ deletionTimestamp: '9999-12-31T23:59:59Z', deletionGracePeriodSeconds: 1e13 });
    const max = planDelete(pods, pod({ nodeName: 'n' }), opts({ gracePeriodSeconds: Number.MAX_SAFE_INTEGER }), NOW);
    expect(max.action === 'update' && max.object.metadata.deletionTimestamp).toBe('9999-12-31T23:59:59Z');
    // ... and the confirmation still removes it.
    if (huge.action !== 'update') return;
    expect(planDelete(pods, huge.object, opts({ gracePeriodSeconds: 0 }), NOW)).toEqual({ action: 'remove' });
  });

  test('preconditions', () => {
    expect(() => planDelete(pods, pod(), opts({ preconditions: { uid: 'other' } }), NOW)).toThrow(ApiError);
    expect(() => planDelete(pods, pod(), opts({ preconditions: { resourceVersion: '4' } }), NOW)).toThrow(/Precondition/);
    expect(planDelete(pods, pod(), opts({ preconditions: { uid: 'u1', resourceVersion: '5' } }), NOW)).toEqual({ action: 'remove' });
  });
});
