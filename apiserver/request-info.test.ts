import { describe, expect, test } from 'vitest';
import { ApiError } from '../api/errors.js';
import { parseRequestInfo, type ResourceRequest } from './request-info.js';

const res = (method: string, path: string, q: Record<string, unknown> = {}) => parseRequestInfo(method, path, q) as ResourceRequest;

describe('parseRequestInfo', () => {
  test('discovery paths', () => {
    expect(parseRequestInfo('GET', '/api', {})).toEqual({ type: 'core-versions' });
    expect(parseRequestInfo('GET', '/apis', {})).toEqual({ type: 'groups' });
    expect(parseRequestInfo('GET', '/apis/apps', {})).toEqual({ type: 'group', group: 'apps' });
    expect(parseRequestInfo('GET', '/api/v1', {})).toEqual({ type: 'resources', group: '', version: 'v1' });
    expect(parseRequestInfo('GET', '/apis/apps/v1', {})).toEqual({ type: 'resources', group: 'apps', version: 'v1' });
  });

  test('namespaced, cluster-wide and subresource paths with verbs', () => {
    let r = res('GET', '/api/v1/namespaces/default/pods');
    expect([r.resource.plural, r.namespace, r.name, r.verb]).toEqual(['pods', 'default', undefined, 'list']);
    r = res('GET', '/api/v1/pods', { watch: 'true' });
    expect([r.namespace, r.verb]).toEqual([undefined, 'watch']);
    r = res('PUT', '/apis/apps/v1/namespaces/ns/deployments/web/scale');
    expect([r.resource.kind, r.name, r.subresource, r.verb]).toEqual(['Deployment', 'web', 'scale', 'update']);
    r = res('DELETE', '/api/v1/namespaces/ns/pods');
    expect(r.verb).toBe('deletecollection');
    r = res('GET', '/api/v1/namespaces/ns/pods/p/log');
    expect([r.subresource, r.verb]).toEqual(['log', 'get']);
  });

  test('namespaces/{name}/status is the namespace, not a collection inside it', () => {
    const r = res('PUT', '/api/v1/namespaces/foo/status');
    expect([r.resource.plural, r.name, r.subresource, r.namespace]).toEqual(['namespaces', 'foo', 'status', undefined]);
    const g = res('GET', '/api/v1/namespaces/foo');
    expect([g.resource.plural, g.name]).toEqual(['namespaces', 'foo']);
  });

  test('percent-encoded segments are decoded', () => {
    expect(res('GET', '/api/v1/namespaces/default/configmaps/a%2Eb').name).toBe('a.b');
  });

  test('404 for unknown things, 400 for malformed encoding', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as ApiError).code;
      }
      return 0;
    };
    expect(code(() => parseRequestInfo('GET', '/api/v2/pods', {}))).toBe(404);
    expect(code(() => parseRequestInfo('GET', '/api/v1/widgets', {}))).toBe(404);
    expect(code(() => parseRequestInfo('GET', '/api/v1/namespaces/x/nodes', {}))).toBe(404);
    expect(code(() => parseRequestInfo('GET', '/api/v1/namespaces/x/pods/p/proxy', {}))).toBe(404);
    expect(code(() => parseRequestInfo('GET', '/api/v1/namespaces/x/pods/p/status/more', {}))).toBe(404);
    expect(code(() => parseRequestInfo('GET', '/api/v1/namespaces/x/pods/%E0%A4%A', {}))).toBe(400);
    expect(code(() => parseRequestInfo('OPTIONS', '/api/v1/pods', {}))).toBe(405);
  });

  test('list/watch carry the exact terms of their fieldSelector (for authorizers)', () => {
    const info = (q: Record<string, unknown>, m = 'GET', p = '/api/v1/pods') => (parseRequestInfo(m, p, q) as { fieldRequirements?: Record<string, string> }).fieldRequirements;
    expect(info({ fieldSelector: 'spec.nodeName=n1,status.phase!=Failed' })).toEqual({ 'spec.nodeName': 'n1' });
    expect(info({ watch: 'true', fieldSelector: 'metadata.name==x' })).toEqual({ 'metadata.name': 'x' });
    expect(info({ fieldSelector: 'spec.nodeName!=n1' })).toBeUndefined();
    expect(info({ fieldSelector: '=broken' })).toBeUndefined();
    expect(info({ fieldSelector: 'metadata.name=x' }, 'GET', '/api/v1/namespaces/d/pods/p')).toBeUndefined();
  });
});
