import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import type { KubeObject } from '../types.js';
import { describePath, fieldsOf } from './field-set.js';
import { schemaModel } from '../../apiserver/routes/openapi-model.js';
import { listTypesOf } from './list-types.js';
import { applyConfig, asksToClear, recordUpdate, type ManagedFieldsEntry } from './tracker.js';

// The real schema model, as the apiserver reads it: list types come from there.
const lists = listTypesOf(schemaModel(), 'io.k8s.api.apps.v1.Deployment');
const w = (manager: string, time = '2026-12-03T10:00:00Z') => ({ manager, apiVersion: 'apps/v1', time, lists });
const mf = (o: KubeObject) => (o.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
const deploy = (spec: Record<string, unknown>, labels?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '5', ...(labels ? { labels } : {}) }, spec }) as KubeObject;
const containers = (...cs: Record<string, unknown>[]) => ({ template: { spec: { containers: cs } } });

describe('field sets', () => {
  it('are the fieldsV1 shape: f: fields, k: map-list elements with ".", v: set elements, atomic lists as leaves; identity metadata untracked', () => {
    const o = deploy({ replicas: 2, ...containers({ name: 'web', image: 'a', args: ['x', 'y'], ports: [{ containerPort: 80 }] }) }, { app: 'w' });
    (o.metadata as Record<string, unknown>).finalizers = ['f1'];
    expect(fieldsOf(o, lists)).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:finalizers': { 'v:"f1"': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:args': {}, 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });
    expect(describePath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"web"}', 'f:image'])).toBe('.spec.template.spec.containers[name="web"].image');
  });
});

describe('recordUpdate', () => {
  it('an untracked object written without a manager stays untracked', () => {
    expect(mf(recordUpdate(undefined, deploy({ replicas: 1 }), w('x'), false))).toEqual([]);
  });

  it('the creator owns every field; a later writer takes the fields it changes, and removed fields are nobody\'s', () => {
    const created = recordUpdate(undefined, deploy({ replicas: 1, paused: false }, { app: 'w' }), w('kubectl-create'), true);
    expect(mf(created)).toEqual([
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', time: '2026-12-03T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {}, 'f:paused': {} } } },
    ]);
    const next = structuredClone(created);
    (next.spec as Record<string, unknown>).replicas = 3;
    delete (next.spec as Record<string, unknown>).paused;
    const scaled = recordUpdate(created, next, { ...w('kubectl-scale', '2026-12-03T11:00:00Z'), subresource: 'scale' }, false);
    expect(mf(scaled).map((e) => [e.manager, e.subresource, e.fieldsV1])).toEqual([
      ['kubectl-create', undefined, { 'f:metadata': { 'f:labels': { 'f:app': {} } } }],
      ['kubectl-scale', 'scale', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });

  it('the first tracked write to an untracked object gives its existing fields to before-first-apply', () => {
    const old = deploy({ replicas: 1 }, { app: 'w' });
    const next = deploy({ replicas: 1 }, { app: 'w', tier: 'x' });
    expect(mf(recordUpdate(old, next, w('kubectl-label'), true)).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['before-first-apply', { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } }],
      ['kubectl-label', { 'f:metadata': { 'f:labels': { 'f:tier': {} } } }],
    ]);
  });

  it('asksToClear: only [{}]', () => {
    expect(asksToClear({ metadata: { managedFields: [{}] } })).toBe(true);
    expect(asksToClear({ metadata: { managedFields: [] } })).toBe(false);
    expect(asksToClear({ metadata: {} })).toBe(false);
  });
});

describe('applyConfig (server-side apply)', () => {
  it('creates with the applier owning exactly what it applied', () => {
    const out = applyConfig(undefined, deploy({ replicas: 2 }), w('kubectl'), false);
    expect(mf(out)).toEqual([{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2026-12-03T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]);
  });

  it('a different value for a field another manager owns is a 409 naming manager and field; the same value is shared', () => {
    const live = recordUpdate(undefined, deploy({ replicas: 1, paused: false }), w('kubectl-client-side-apply'), true);
    let err: unknown;
    try {
      applyConfig(live, deploy({ replicas: 3, paused: false }), w('kubectl'), false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    const s = (err as ApiError).status;
    expect(s.code).toBe(409);
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(s.details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: '.spec.replicas' }]);
    const same = applyConfig(live, deploy({ paused: false }), w('kubectl'), false);
    expect(mf(same).map((e) => e.manager)).toEqual(['kubectl-client-side-apply', 'kubectl']);
  });

  it('--force-conflicts takes the field over', () => {
    const live = recordUpdate(undefined, deploy({ replicas: 1, paused: false }), w('other'), true);
    const out = applyConfig(live, deploy({ replicas: 3 }), w('kubectl'), true);
    expect((out.spec as Record<string, unknown>).replicas).toBe(3);
    expect(mf(out).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['other', { 'f:spec': { 'f:paused': {} } }],
      ['kubectl', { 'f:spec': { 'f:replicas': {} } }],
    ]);
  });

  it('merges map-like lists by key, leaving other managers\' elements alone', () => {
    const live = applyConfig(undefined, deploy(containers({ name: 'web', image: 'a' })), w('team-a'), false);
    const both = applyConfig(live, deploy(containers({ name: 'side', image: 's' })), w('team-b'), false);
    expect((both.spec as any).template.spec.containers).toEqual([{ name: 'web', image: 'a' }, { name: 'side', image: 's' }]);
    const changed = applyConfig(both, deploy(containers({ name: 'web', image: 'a2' })), w('team-a'), false);
    expect((changed.spec as any).template.spec.containers).toEqual([{ name: 'web', image: 'a2' }, { name: 'side', image: 's' }]);
  });

  it('fields the applier stops applying are removed unless someone else owns them', () => {
    const live = applyConfig(undefined, deploy({ replicas: 2, paused: true }, { app: 'w', tier: 't' }), w('kubectl'), false);
    const withOther = recordUpdate(live, deploy({ replicas: 2, paused: true, minReadySeconds: 5 }, { app: 'w', tier: 't' }), w('editor'), true);
    const out = applyConfig(withOther, deploy({ replicas: 2 }, { app: 'w' }), w('kubectl'), false);
    expect(out.metadata.labels).toEqual({ app: 'w' });
    expect(out.spec).toEqual({ replicas: 2, minReadySeconds: 5 });
    // A list element it no longer applies goes too.
    const two = applyConfig(undefined, deploy(containers({ name: 'a', image: 'x' }, { name: 'b', image: 'y' })), w('kubectl'), false);
    expect((applyConfig(two, deploy(containers({ name: 'a', image: 'x' })), w('kubectl'), false).spec as any).template.spec.containers).toEqual([{ name: 'a', image: 'x' }]);
  });
});
