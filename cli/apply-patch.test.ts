import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { LAST_APPLIED_ANNOTATION, computeApplyPatch, lastAppliedValue, withLastApplied } from './apply-patch.js';

const manifest = (spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...(labels ? { labels } : {}) },
  spec,
});

/** What the server holds after a create from `m`, plus fields other writers added. */
function liveFrom(m: KubeObject, extra: Record<string, unknown> = {}): KubeObject {
  const created = withLastApplied(m);
  return {
    ...created,
    metadata: { ...created.metadata, uid: 'u1', resourceVersion: '7', namespace: 'default' },
    status: { replicas: 3 },
    ...extra,
  };
}

describe('computeApplyPatch', () => {
  it('says unchanged when the manifest matches what was applied', () => {
    const m = manifest({ replicas: 3, paused: false });
    expect(computeApplyPatch(m, liveFrom(m))).toBeUndefined();
  });

  it('ignores fields set by others (status, server metadata, defaults)', () => {
    const m = manifest({ replicas: 3 });
    const live = liveFrom(m);
    (live.spec as Record<string, unknown>).revisionHistoryLimit = 10; // server default
    expect(computeApplyPatch(m, live)).toBeUndefined();
  });

  it('sets changed fields and records the new configuration', () => {
    const m1 = manifest({ replicas: 3 });
    const m2 = manifest({ replicas: 5 });
    const patch = computeApplyPatch(m2, liveFrom(m1));
    expect(patch?.spec).toEqual({ replicas: 5 });
    expect((patch?.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED_ANNOTATION]).toBe(lastAppliedValue(m2));
  });

  it('removes fields dropped from the manifest since the last apply, keeps others', () => {
    const m1 = manifest({ replicas: 3, paused: true }, { app: 'web', tier: 'front' });
    const m2 = manifest({ replicas: 3 }, { app: 'web' });
    const live = liveFrom(m1);
    (live.metadata.labels as Record<string, string>).addedByHand = 'x';
    const patch = computeApplyPatch(m2, live);
    expect(patch?.spec).toEqual({ paused: null });
    expect((patch?.metadata as { labels: unknown }).labels).toEqual({ tier: null });
  });

  it('replaces lists wholesale (containers) when they differ', () => {
    const c = (image: string) => ({ template: { spec: { containers: [{ name: 'web', image }] } } });
    const patch = computeApplyPatch(manifest(c('b')), liveFrom(manifest(c('a'))));
    expect(patch?.spec).toEqual({ template: { spec: { containers: [{ name: 'web', image: 'b' }] } } });
  });

  it('treats an object without annotation (created elsewhere) as having no history', () => {
    const m = manifest({ replicas: 2 });
    const live: KubeObject = { ...m, metadata: { name: 'web', uid: 'u' }, spec: { replicas: 2, paused: true } };
    const patch = computeApplyPatch(m, live);
    expect(patch?.spec).toBeUndefined(); // paused was never applied by us: left alone
    expect(patch?.metadata).toBeDefined(); // only the annotation is added
  });

  it('does not count server defaults inside list elements as a change', () => {
    const m = manifest({ template: { spec: { containers: [{ name: 'web', image: 'a', ports: [{ containerPort: 80 }] }] } } });
    const live = liveFrom(m);
    const c = (live.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0];
    c.imagePullPolicy = 'IfNotPresent';
    (c.ports as Record<string, unknown>[])[0].protocol = 'TCP';
    expect(computeApplyPatch(m, live)).toBeUndefined();
  });

  it('replaces a list when a field was dropped from one of its elements since the last apply', () => {
    const withLimits = manifest({ template: { spec: { containers: [{ name: 'web', image: 'a', resources: { limits: { cpu: '1' } } }] } } });
    const without = manifest({ template: { spec: { containers: [{ name: 'web', image: 'a' }] } } });
    const patch = computeApplyPatch(without, liveFrom(withLimits));
    expect(patch?.spec).toEqual({ template: { spec: { containers: [{ name: 'web', image: 'a' }] } } });
  });

  it('survives a corrupt annotation', () => {
    const m = manifest({ replicas: 2 });
    const live = liveFrom(m);
    live.metadata.annotations![LAST_APPLIED_ANNOTATION] = '{not json';
    const patch = computeApplyPatch(m, live);
    expect(patch?.spec).toBeUndefined();
    expect((patch?.metadata as { annotations: Record<string, string> }).annotations[LAST_APPLIED_ANNOTATION]).toBe(lastAppliedValue(m));
  });
});
