import { describe, expect, test } from 'vitest';
import { authorizerChain, allowAuthenticated } from './chain.js';
import { nodeAuthorizer } from './node-rules.js';
import { parseRequestInfo, type ResourceRequest } from '../request-info.js';

const authorize = authorizerChain([nodeAuthorizer, allowAuthenticated]).authorize;

const node = { name: 'system:node:n1', groups: ['system:nodes'] };
const admin = { name: 'admin', groups: ['system:masters'] };
const r = (m: string, p: string) => parseRequestInfo(m, p, {}) as ResourceRequest;

describe('authorize', () => {
  test('non-node users may do anything', () => {
    expect(authorize(admin, r('DELETE', '/api/v1/nodes/n9')).allowed).toBe(true);
    expect(authorize({ name: 'dev', groups: [] }, r('POST', '/api/v1/namespaces/x/pods')).allowed).toBe(true);
  });

  test('nodes: reads yes, own node / lease yes, others no', () => {
    expect(authorize(node, r('GET', '/api/v1/pods')).allowed).toBe(true);
    expect(authorize(node, r('PUT', '/api/v1/nodes/n1/status')).allowed).toBe(true);
    expect(authorize(node, r('PUT', '/api/v1/nodes/n2/status')).allowed).toBe(false);
    expect(authorize(node, r('DELETE', '/api/v1/nodes/n1')).allowed).toBe(false);
    expect(authorize(node, r('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1')).allowed).toBe(true);
    expect(authorize(node, r('PUT', '/apis/coordination.k8s.io/v1/namespaces/default/leases/n1')).allowed).toBe(false);
    expect(authorize(node, r('POST', '/api/v1/namespaces/default/events')).allowed).toBe(true);
    expect(authorize(node, r('POST', '/apis/apps/v1/namespaces/default/deployments')).allowed).toBe(false);
    expect(authorize(node, r('GET', '/api/v1/namespaces/default/pods/p/log')).allowed).toBe(false);
  });

  test('nodes: pod status and delete depend on the binding', () => {
    expect(authorize(node, r('PATCH', '/api/v1/namespaces/default/pods/p/status'))).toEqual({ allowed: 'if-pod-bound', nodeName: 'n1' });
    expect(authorize(node, r('DELETE', '/api/v1/namespaces/default/pods/p'))).toEqual({ allowed: 'if-pod-bound', nodeName: 'n1' });
    expect(authorize(node, r('PUT', '/api/v1/namespaces/default/pods/p')).allowed).toBe(false);
  });

  test('a system:nodes member without a node name may only read', () => {
    const odd = { name: 'someone', groups: ['system:nodes'] };
    expect(authorize(odd, r('GET', '/api/v1/pods')).allowed).toBe(true);
    expect(authorize(odd, r('PUT', '/api/v1/nodes/someone')).allowed).toBe(false);
  });
});

describe('authorizerChain', () => {
  test('the first authorizer with an opinion decides; none → refused with the reasons', () => {
    const dev = { name: 'dev', groups: [] };
    const nodesOnly = authorizerChain([nodeAuthorizer]);
    expect(nodesOnly.authorize(dev, r('GET', '/api/v1/pods'))).toEqual({ allowed: false, reason: '' });
    const noisy = { name: 'N', authorize: () => ({ allowed: 'no-opinion' as const, reason: 'no RBAC rule matched' }) };
    expect(authorizerChain([noisy, nodeAuthorizer]).authorize(dev, r('GET', '/api/v1/pods'))).toEqual({ allowed: false, reason: 'no RBAC rule matched' });
    expect(authorizerChain([noisy, allowAuthenticated]).authorize(dev, r('GET', '/api/v1/pods'))).toEqual({ allowed: true });
    expect(nodesOnly.authorizeNonResource(dev, { type: 'non-resource', path: '/api', verb: 'get' }).allowed).toBe(false);
  });
});
