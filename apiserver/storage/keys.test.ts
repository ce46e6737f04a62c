import { describe, expect, test } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { decodeContinue, describeKey, encodeContinue, KeyMapper, prefixRangeEnd } from './keys.js';

describe('KeyMapper', () => {
  test('the default prefix keeps Kubernetes keys as they are', () => {
    const k = new KeyMapper();
    expect(k.toEtcd('/registry/pods/default/web')).toBe('/registry/pods/default/web');
    expect(k.toEtcdPrefix('/registry/pods')).toBe('/registry/pods/');
    expect(k.toEtcdPrefix('/registry/pods/default/')).toBe('/registry/pods/default/');
  });
  test('a tenant prefix replaces the leading /registry; other keys get it prepended', () => {
    const k = new KeyMapper('/t1/registry/');
    expect(k.toEtcd('/registry/pods/default/web')).toBe('/t1/registry/pods/default/web');
    expect(k.toEtcd('/registryx/a')).toBe('/t1/registry/registryx/a');
    expect(k.toEtcd('pods/a')).toBe('/t1/registry/pods/a');
  });
});

test('prefixRangeEnd increments the last byte below 0xff', () => {
  expect(prefixRangeEnd(Buffer.from('/a/')).toString()).toBe('/a0');
  expect([...prefixRangeEnd(Buffer.from([0x61, 0xff]))]).toEqual([0x62]);
  expect([...prefixRangeEnd(Buffer.from([0xff]))]).toEqual([0]);
});

test('describeKey names core, grouped, namespaced and cluster-scoped objects', () => {
  expect(describeKey('/registry/pods/default/web')).toEqual({ resource: { plural: 'pods' }, name: 'web' });
  expect(describeKey('/registry/nodes/n1')).toEqual({ resource: { plural: 'nodes' }, name: 'n1' });
  expect(describeKey('/registry/apps/deployments/default/web')).toEqual({ resource: { group: 'apps', plural: 'deployments' }, name: 'web' });
  expect(describeKey('/registry/coordination.k8s.io/leases/kube-node-lease/n1')).toEqual({
    resource: { group: 'coordination.k8s.io', plural: 'leases' },
    name: 'n1',
  });
});

describe('continue tokens', () => {
  test('round-trip', () => {
    const t = encodeContinue({ rev: 42, start: 'default/web\u0000' });
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeContinue(t)).toEqual({ rev: 42, start: 'default/web\u0000' });
  });
  test.each([
    ['not base64', '%%%'],
    ['not json', Buffer.from('nope').toString('base64url')],
    ['array', Buffer.from('[]').toString('base64url')],
    ['rev string', Buffer.from('{"v":1,"rev":"1","start":""}').toString('base64url')],
    ['rev zero', Buffer.from('{"v":1,"rev":0,"start":""}').toString('base64url')],
    ['no start', Buffer.from('{"v":1,"rev":3}').toString('base64url')],
    ['wrong version', Buffer.from('{"v":2,"rev":3,"start":""}').toString('base64url')],
  ])('%s is 400', (_name, tok) => {
    try {
      decodeContinue(tok);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
  });
});
