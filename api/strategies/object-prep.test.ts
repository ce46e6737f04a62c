import { describe, expect, test } from 'vitest';
import { ApiError } from '../errors.js';
import { findResource } from '../resources.js';
import type { KubeObject } from '../types.js';
import { checkBody, patchedObject, prepareCreate, prepareUpdate, readyToRemove } from './object-prep.js';
import { apiErrorOf as catchApi } from '../../test/helpers/api-error.js';

const deploys = findResource('apps', 'v1', 'deployments')!;
const cms = findResource('', 'v1', 'configmaps')!;
const nodes = findResource('', 'v1', 'nodes')!;
const pods = findResource('', 'v1', 'pods')!;

const deployment = (): KubeObject => ({
  metadata: { name: 'd', namespace: 'ns' },
  spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  status: { replicas: 9 },
});

function created(): KubeObject {
  const d = checkBody(deploys, deployment(), { namespace: 'ns' });
  prepareCreate(deploys, d, { now: '2026-01-01T00:00:00Z', uid: 'uid-1' });
  d.metadata.resourceVersion = '10';
  return d;
}

describe('checkBody', () => {
  test('fills apiVersion/kind/namespace; rejects mismatches with 400', () => {
    const b = checkBody(cms, { metadata: { name: 'x' } }, { namespace: 'ns' });
    expect([b.apiVersion, b.kind, b.metadata.namespace]).toEqual(['v1', 'ConfigMap', 'ns']);
    const bad = (body: unknown, t = { namespace: 'ns', name: 'x' }) => {
      try {
        checkBody(cms, body, t);
      } catch (e) {
        return (e as ApiError).code;
      }
      return 0;
    };
    expect(bad({ kind: 'Secret', metadata: {} })).toBe(400);
    expect(bad({ apiVersion: 'apps/v1', metadata: {} })).toBe(400);
    expect(bad({ metadata: { name: 'y' } })).toBe(400);
    expect(bad({ metadata: { namespace: 'other' } })).toBe(400);
    expect(bad({ metadata: 'x' })).toBe(400);
    expect(bad('str')).toBe(400);
    expect(bad({ metadata: { name: 5 } })).toBe(400);
    // Cluster-scoped: a namespace in the body is dropped.
    expect(checkBody(nodes, { metadata: { name: 'n', namespace: 'x' } }, {}).metadata.namespace).toBeUndefined();
  });
});

describe('prepareCreate / prepareUpdate', () => {
  test('create sets server fields, resets status, defaults, generation 1', () => {
    const d = created();
    expect(d.metadata).toMatchObject({ uid: 'uid-1', creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 });
    expect(d.status).toEqual({});
    expect((d.spec as any).strategy.type).toBe('RollingUpdate');
  });

  test('create validates (422 listing the fields)', () => {
    const d = deployment();
    (d.spec as any).replicas = -2;
    try {
      prepareCreate(deploys, checkBody(deploys, d, { namespace: 'ns' }), { now: 'x', uid: 'u' });
      throw new Error('expected 422');
    } catch (e) {
      expect((e as ApiError).code).toBe(422);
      expect((e as ApiError).status.details?.causes?.some((c) => c.field === 'spec.replicas')).toBe(true);
    }
  });

  test('update: status kept, server metadata kept, generation on spec change only', () => {
    const cur = created();
    const body = structuredClone(cur);
    body.status = { replicas: 100 };
    body.metadata.creationTimestamp = '1999-01-01T00:00:00Z';
    body.metadata.labels = { x: 'y' };
    let next = prepareUpdate(deploys, cur, body);
    expect(next.status).toEqual({});
    expect(next.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    // Another incarnation's uid is a 409.
    expect(() => prepareUpdate(deploys, cur, { ...body, metadata: { ...body.metadata, uid: 'other' } })).toThrow(/Precondition failed: UID/);
    expect(next.metadata.generation).toBe(1);
    (body.spec as any).replicas = 3;
    next = prepareUpdate(deploys, cur, body);
    expect(next.metadata.generation).toBe(2);
  });

  test('update of nothing returns the current object itself (no write)', () => {
    const cur = created();
    expect(prepareUpdate(deploys, cur, structuredClone(cur))).toBe(cur);
  });

  test('/status: only status moves', () => {
    const cur = created();
    const body = structuredClone(cur);
    (body.spec as any).replicas = 50;
    body.status = { replicas: 1, observedGeneration: 1 };
    const next = prepareUpdate(deploys, cur, body, { subresource: 'status' });
    expect((next.spec as any).replicas).toBe(1);
    expect(next.status).toEqual({ replicas: 1, observedGeneration: 1 });
    expect(next.metadata.generation).toBe(1);
  });

  test('every write path refuses an object nested deeper than a body may be (422, never a stack overflow)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const cur = created();
    const body = structuredClone(cur);
    (body as any).extra = deep;
    for (const subresource of [undefined, 'status', 'binding']) {
      const err = catchApi(() => prepareUpdate(deploys, cur, body, { subresource }));
      expect(err?.code).toBe(422);
      expect(err?.status.details?.causes?.[0]).toMatchObject({ field: 'extra.a.a', message: 'Invalid value: the object nests more than 500 levels deep' });
    }
    const fresh = checkBody(deploys, { ...deployment(), extra: deep }, { namespace: 'ns' });
    expect(catchApi(() => prepareCreate(deploys, fresh, { now: 'x', uid: 'u' }))?.code).toBe(422);
  });

  test('a patch result without usable metadata is a 422 naming the field, not a conflict', () => {
    expect(catchApi(() => patchedObject(deploys, { spec: {} }, 'd'))?.status.details?.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata', message: 'Required value: a patch may not remove metadata' },
    ]);
    expect(catchApi(() => patchedObject(deploys, { metadata: 5 }, 'd'))?.status.details?.causes?.[0]?.field).toBe('metadata');
    expect(catchApi(() => patchedObject(deploys, { metadata: { name: 5 } }, 'd'))?.status.details?.causes?.[0]?.field).toBe('metadata.name');
    expect(catchApi(() => patchedObject(deploys, [], 'd'))?.code).toBe(422);
    expect(patchedObject(deploys, { metadata: { name: null, labels: {} } }, 'd')).toEqual({ metadata: { labels: {} } });
  });

  test('binding: sets nodeName without moving generation; an ordinary update may not', () => {
    const cur = checkBody(pods, { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, { namespace: 'ns' });
    prepareCreate(pods, cur, { now: '2026-01-01T00:00:00Z', uid: 'u' });
    const body = structuredClone(cur);
    (body.spec as any).nodeName = 'node-1';
    const bound = prepareUpdate(pods, cur, body, { subresource: 'binding' });
    expect((bound.spec as any).nodeName).toBe('node-1');
    expect(bound.metadata.generation).toBe(1);
    expect(catchApi(() => prepareUpdate(pods, cur, body))?.status.details?.causes?.[0]).toMatchObject({ field: 'spec', reason: 'FieldValueForbidden' });
  });

  test('readyToRemove', () => {
    expect(readyToRemove({ metadata: { deletionTimestamp: 't' } })).toBe(true);
    expect(readyToRemove({ metadata: { deletionTimestamp: 't', finalizers: ['x'] } })).toBe(false);
    expect(readyToRemove({ metadata: { deletionTimestamp: 't', deletionGracePeriodSeconds: 30 } })).toBe(false);
    expect(readyToRemove({ metadata: {} })).toBe(false);
    expect(readyToRemove({ kind: 'Namespace', metadata: { deletionTimestamp: 't' }, spec: { finalizers: ['kubernetes'] } })).toBe(false);
  });
});
