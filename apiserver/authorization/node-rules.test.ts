import { describe, expect, test } from 'vitest';
import { allowAuthenticated, allowNonNodes, authorizerChain, boundAuthorizerChain } from './chain.js';
import { authorizeNode, nodeAuthorizer } from './node-rules.js';
import type { NodeGraphView } from './node-graph.js';
import type { RefKind } from './pod-references.js';
import { parseRequestInfo, type ResourceRequest } from '../request-info.js';

/** A graph with fixed edges "node kind ns/name"; catchUp adds `late` edges (a binding the graph had not seen). */
function fakeGraph(edges: string[], late: string[] = []): NodeGraphView & { asked: number } {
  const set = new Set(edges);
  const g = {
    asked: 0,
    synced: () => true,
    hasPath: (node: string, kind: RefKind, ns: string, name: string) => set.has(`${node} ${kind} ${ns}/${name}`),
    catchUp: async (node: string, kind: RefKind, ns: string, name: string) => {
      g.asked++;
      for (const e of late) set.add(e);
      return set.has(`${node} ${kind} ${ns}/${name}`);
    },
  };
  return g;
}

const graph = fakeGraph(['n1 secrets default/s1', 'n1 configmaps default/c1', 'n1 serviceaccounts default/default', 'n1 persistentvolumeclaims default/data']);
const chain = boundAuthorizerChain([nodeAuthorizer, allowNonNodes], { nodeGraph: graph });
const authorize = chain.authorize;

const node = { name: 'system:node:n1', groups: ['system:nodes'] };
const admin = { name: 'admin', groups: ['system:masters'] };
const r = (m: string, p: string, q: Record<string, string> = {}) => parseRequestInfo(m, p, q) as ResourceRequest;
const ok = (m: string, p: string, q?: Record<string, string>) => expect(authorize(node, r(m, p, q)).allowed, `${m} ${p}`).toBe(true);
const no = (m: string, p: string, q?: Record<string, string>) => expect(authorize(node, r(m, p, q)).allowed, `${m} ${p}`).toBe(false);

describe('node authorizer', () => {
  test('non-node users: no opinion (the next authorizer decides)', () => {
    expect(authorizeNode(admin, r('GET', '/api/v1/namespaces/default/secrets/s9'))).toEqual({ allowed: 'no-opinion' });
    expect(authorize(admin, r('DELETE', '/api/v1/nodes/n9')).allowed).toBe(true);
  });

  test('secrets, configmaps, claims: get only along the graph; never list or watch', () => {
    ok('GET', '/api/v1/namespaces/default/secrets/s1');
    ok('GET', '/api/v1/namespaces/default/configmaps/c1');
    no('GET', '/api/v1/namespaces/default/secrets/s2');
    no('GET', '/api/v1/namespaces/other/secrets/s1');
    no('GET', '/api/v1/namespaces/default/secrets');
    no('GET', '/api/v1/secrets', { watch: 'true' });
    no('GET', '/api/v1/namespaces/default/secrets', { fieldSelector: 'metadata.name=s1' });
    no('PUT', '/api/v1/namespaces/default/secrets/s1');
    no('DELETE', '/api/v1/namespaces/default/configmaps/c1');
    const d = authorizeNode(node, r('GET', '/api/v1/namespaces/default/secrets/s2'), graph);
    expect(d).toEqual({ allowed: 'no-opinion', reason: "no relationship found between node 'n1' and this object" });
    // Unbound (no graph): nothing along the graph.
    expect(authorizeNode(node, r('GET', '/api/v1/namespaces/default/secrets/s1')).allowed).toBe('no-opinion');
  });

  test('the pod network ConfigMap: get, and list/watch selecting it by name', () => {
    ok('GET', '/api/v1/namespaces/kube-system/configmaps/orch-pod-network');
    ok('GET', '/api/v1/namespaces/kube-system/configmaps', { watch: 'true', fieldSelector: 'metadata.name=orch-pod-network' });
    no('GET', '/api/v1/namespaces/kube-system/configmaps');
    no('GET', '/api/v1/namespaces/kube-system/configmaps', { fieldSelector: 'metadata.name!=orch-pod-network' });
    no('PUT', '/api/v1/namespaces/kube-system/configmaps/orch-pod-network');
    no('GET', '/api/v1/namespaces/default/configmaps/orch-pod-network');
  });

  test('pods: get any; list/watch only its own; status and delete if bound', () => {
    ok('GET', '/api/v1/namespaces/default/pods/p');
    ok('GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName=n1' });
    ok('GET', '/api/v1/pods', { watch: 'true', fieldSelector: 'spec.nodeName==n1,status.phase!=Failed' });
    no('GET', '/api/v1/pods');
    no('GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName=n2' });
    no('GET', '/api/v1/pods', { fieldSelector: 'spec.nodeName!=n1' });
    expect(authorize(node, r('PATCH', '/api/v1/namespaces/default/pods/p/status'))).toEqual({ allowed: 'if-pod-bound', nodeName: 'n1' });
    expect(authorize(node, r('DELETE', '/api/v1/namespaces/default/pods/p'))).toEqual({ allowed: 'if-pod-bound', nodeName: 'n1' });
    no('PUT', '/api/v1/namespaces/default/pods/p');
    no('POST', '/api/v1/namespaces/default/pods');
    no('GET', '/api/v1/namespaces/default/pods/p/log');
  });

  test('nodes: read all, write only its own; leases: its own in the node-lease namespaces', () => {
    ok('GET', '/api/v1/nodes');
    ok('GET', '/api/v1/nodes/n2');
    ok('POST', '/api/v1/nodes');
    ok('PUT', '/api/v1/nodes/n1/status');
    ok('PATCH', '/api/v1/nodes/n1');
    expect(authorize(node, r('PUT', '/api/v1/nodes/n2/status'))).toEqual({ allowed: false, denied: true, reason: "node 'n1' may only modify its own Node (NodeRestriction)" });
    no('PATCH', '/api/v1/nodes/n2');
    no('DELETE', '/api/v1/nodes/n1');
    no('DELETE', '/api/v1/nodes/n2');
    ok('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1');
    ok('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1');
    ok('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
    no('PUT', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n2');
    no('PUT', '/apis/coordination.k8s.io/v1/namespaces/default/leases/n1');
    no('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/orch-scheduler');
  });

  test('events, services, endpoints, slices, kube-system; nothing else', () => {
    ok('POST', '/api/v1/namespaces/default/events');
    ok('PATCH', '/api/v1/namespaces/default/events/e');
    no('DELETE', '/api/v1/namespaces/default/events/e');
    ok('GET', '/api/v1/services', { watch: 'true' });
    ok('GET', '/api/v1/endpoints');
    ok('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', { watch: 'true' });
    no('POST', '/api/v1/namespaces/default/services');
    ok('GET', '/api/v1/namespaces/kube-system');
    no('GET', '/api/v1/namespaces');
    no('GET', '/api/v1/namespaces/default');
    no('POST', '/apis/apps/v1/namespaces/default/deployments');
    no('GET', '/apis/apps/v1/deployments');
    const d = authorizeNode(node, r('GET', '/apis/apps/v1/deployments'), graph);
    expect(d).toEqual({ allowed: 'no-opinion', reason: 'the node authorizer does not grant nodes list on deployments' });
  });

  test('a system:nodes member without a node name: no opinion', () => {
    const odd = { name: 'someone', groups: ['system:nodes'] };
    expect(authorizeNode(odd, r('GET', '/api/v1/services'))).toEqual({ allowed: 'no-opinion', reason: 'unknown node for user "someone"' });
    expect(authorize(odd, r('GET', '/api/v1/services')).allowed).toBe(false);
  });

  test('a refusal along the graph is settled first: a binding the graph had not seen yet is found', async () => {
    const g = fakeGraph([], ['n1 secrets default/fresh']);
    const c = boundAuthorizerChain([nodeAuthorizer, allowNonNodes], { nodeGraph: g });
    expect(c.authorize(node, r('GET', '/api/v1/namespaces/default/secrets/fresh')).allowed).toBe(false);
    expect((await c.authorizeSettled(node, r('GET', '/api/v1/namespaces/default/secrets/fresh'))).allowed).toBe(true);
    // Not a graph question: refused without asking the graph.
    const asked = g.asked;
    expect((await c.authorizeSettled(node, r('GET', '/api/v1/namespaces/default/secrets'))).allowed).toBe(false);
    expect((await c.authorizeSettled(node, r('GET', '/api/v1/namespaces/default/secrets/other'))).allowed).toBe(false);
    expect(g.asked).toBe(asked + 1);
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

  test('allowNonNodes: everyone but nodes; nodes keep what the Node authorizer says', () => {
    const c = authorizerChain([nodeAuthorizer, allowNonNodes]);
    expect(c.authorize({ name: 'dev', groups: [] }, r('GET', '/api/v1/secrets')).allowed).toBe(true);
    expect(c.authorize(node, r('GET', '/api/v1/secrets'))).toEqual({
      allowed: false,
      reason: 'nodes can only get individual secrets that pods bound to them use; nodes get only what the Node authorizer grants',
    });
    expect(c.authorizeNonResource(node, { type: 'non-resource', path: '/api', verb: 'get' }).allowed).toBe(true);
  });
});
