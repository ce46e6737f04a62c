// The matcher and the index, without a server: Kubernetes' matching rules case by case.

import { describe, expect, test } from 'vitest';
import type { KubeObject } from '../../../api/types.js';
import { parseRequestInfo, type ResourceRequest } from '../../request-info.js';
import { PolicyIndex } from './policy-index.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { compileRule, ruleAllows, ruleAllowsNonResource, uncoveredRules } from './rule-match.js';

const r = (m: string, p: string) => parseRequestInfo(m, p, {}) as ResourceRequest;
const G = 'rbac.authorization.k8s.io';
const role = (kind: 'Role' | 'ClusterRole', name: string, rules: object[], ns?: string): KubeObject => ({ apiVersion: `${G}/v1`, kind, metadata: { name, namespace: ns }, rules }) as KubeObject;
const bind = (kind: 'RoleBinding' | 'ClusterRoleBinding', name: string, ref: [string, string], subjects: object[], ns?: string): KubeObject =>
  ({ apiVersion: `${G}/v1`, kind, metadata: { name, namespace: ns }, roleRef: { apiGroup: G, kind: ref[0], name: ref[1] }, subjects }) as KubeObject;
const user = (name: string, ...groups: string[]) => ({ name, groups });

describe('rule matching', () => {
  const attrs = (verb: string, resource: string, sub?: string, name?: string, group = '') => ({ verb, group, resource, subresource: sub, name });
  test("'*' verbs, groups and resources; subresources exactly or as '*/sub'", () => {
    const all = compileRule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    expect(ruleAllows(all, attrs('delete', 'pods', 'status'))).toBe(true);
    const logs = compileRule({ verbs: ['get'], apiGroups: [''], resources: ['pods/log'] });
    expect(ruleAllows(logs, attrs('get', 'pods', 'log'))).toBe(true);
    expect(ruleAllows(logs, attrs('get', 'pods'))).toBe(false);
    expect(ruleAllows(logs, attrs('list', 'pods', 'log'))).toBe(false);
    const scale = compileRule({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] });
    expect(ruleAllows(scale, attrs('update', 'deployments', 'scale', 'd', 'apps'))).toBe(true);
    expect(ruleAllows(scale, attrs('update', 'deployments', undefined, 'd', 'apps'))).toBe(false);
    expect(ruleAllows(scale, attrs('update', 'deployments', 'scale', 'd', ''))).toBe(false);
    // As Kubernetes: 'pods/*' is not a wildcard over subresources.
    const podsStar = compileRule({ verbs: ['get'], apiGroups: [''], resources: ['pods/*'] });
    expect(ruleAllows(podsStar, attrs('get', 'pods', 'log'))).toBe(false);
    // A parent resource does not grant its subresources.
    expect(ruleAllows(compileRule({ verbs: ['get'], apiGroups: [''], resources: ['pods'] }), attrs('get', 'pods', 'log'))).toBe(false);
  });

  test('resourceNames match only named requests', () => {
    const named = compileRule({ verbs: ['get', 'list', 'create'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] });
    expect(ruleAllows(named, attrs('get', 'configmaps', undefined, 'a'))).toBe(true);
    expect(ruleAllows(named, attrs('get', 'configmaps', undefined, 'b'))).toBe(false);
    expect(ruleAllows(named, attrs('list', 'configmaps'))).toBe(false);
    expect(ruleAllows(named, attrs('create', 'configmaps'))).toBe(false);
  });

  test("nonResourceURLs: exact or prefix with a trailing '*'", () => {
    const u = compileRule({ verbs: ['get'], nonResourceURLs: ['/healthz', '/apis/*'] });
    expect(ruleAllowsNonResource(u, 'get', '/healthz')).toBe(true);
    expect(ruleAllowsNonResource(u, 'get', '/healthz/etcd')).toBe(false);
    expect(ruleAllowsNonResource(u, 'get', '/apis/apps/v1')).toBe(true);
    expect(ruleAllowsNonResource(u, 'post', '/apis/apps/v1')).toBe(false);
    expect(ruleAllowsNonResource(compileRule({ verbs: ['*'], nonResourceURLs: ['*'] }), 'delete', '/x')).toBe(true);
  });

  test('covers: what escalation prevention asks', () => {
    const owner = [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', '*/status'] }, { verbs: ['get'], nonResourceURLs: ['/api/*'] }];
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: [''], resources: ['pods', 'pods/status'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }])).toEqual([{ verbs: ['delete'], apiGroups: [''], resources: ['pods'] }]);
    expect(uncoveredRules(owner, [{ verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }])).toHaveLength(1);
    expect(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/api/v1'] }])).toEqual([]);
    expect(uncoveredRules(owner, [{ verbs: ['get'], nonResourceURLs: ['/apis'] }])).toHaveLength(1);
    // A name-restricted owner does not cover an unrestricted rule.
    expect(uncoveredRules([{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])).toHaveLength(1);
  });
});

describe('RbacAuthorizer over the index', () => {
  function setup() {
    const index = new PolicyIndex();
    index.put('ClusterRole', role('ClusterRole', 'reader', [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'namespaces'] }]));
    index.put('Role', role('Role', 'cm-writer', [{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }], 'team'));
    index.put('RoleBinding', bind('RoleBinding', 'alice-reader', ['ClusterRole', 'reader'], [{ kind: 'User', apiGroup: G, name: 'alice' }], 'team'));
    index.put('RoleBinding', bind('RoleBinding', 'alice-cm', ['Role', 'cm-writer'], [{ kind: 'User', apiGroup: G, name: 'alice' }], 'team'));
    index.put('ClusterRoleBinding', bind('ClusterRoleBinding', 'ops-reader', ['ClusterRole', 'reader'], [{ kind: 'Group', apiGroup: G, name: 'ops' }]));
    index.put('RoleBinding', bind('RoleBinding', 'sa', ['ClusterRole', 'reader'], [{ kind: 'ServiceAccount', name: 'robot' }], 'team'));
    return { index, rbac: new RbacAuthorizer(index) };
  }

  test('RoleBindings apply in their namespace only; ClusterRoleBindings everywhere', () => {
    const { rbac } = setup();
    const alice = user('alice');
    expect(rbac.authorize(alice, r('GET', '/api/v1/namespaces/team/pods')).allowed).toBe(true);
    expect(rbac.authorize(alice, r('GET', '/api/v1/namespaces/other/pods')).allowed).toBe('no-opinion');
    expect(rbac.authorize(alice, r('GET', '/api/v1/pods')).allowed).toBe('no-opinion');
    expect(rbac.authorize(alice, r('POST', '/api/v1/namespaces/team/configmaps')).allowed).toBe(true);
    // A namespace object counts as in itself.
    expect(rbac.authorize(alice, r('GET', '/api/v1/namespaces/team')).allowed).toBe(true);
    expect(rbac.authorize(alice, r('GET', '/api/v1/namespaces/other')).allowed).toBe('no-opinion');
    const bob = user('bob', 'ops');
    expect(rbac.authorize(bob, r('GET', '/api/v1/pods')).allowed).toBe(true);
    expect(rbac.authorize(bob, r('GET', '/api/v1/namespaces/x/pods/p')).allowed).toBe(true);
    expect(rbac.authorize(bob, r('DELETE', '/api/v1/namespaces/x/pods/p')).allowed).toBe('no-opinion');
  });

  test("a ServiceAccount subject is that account's user; without namespace, the binding's", () => {
    const { rbac } = setup();
    expect(rbac.authorize(user('system:serviceaccount:team:robot', 'system:serviceaccounts'), r('GET', '/api/v1/namespaces/team/pods')).allowed).toBe(true);
    expect(rbac.authorize(user('system:serviceaccount:other:robot'), r('GET', '/api/v1/namespaces/team/pods')).allowed).toBe('no-opinion');
  });

  test('system:masters always; a binding to a missing role grants nothing and says so', () => {
    const { index, rbac } = setup();
    expect(rbac.authorize(user('root', 'system:masters'), r('DELETE', '/api/v1/nodes/n')).allowed).toBe(true);
    index.put('ClusterRoleBinding', bind('ClusterRoleBinding', 'ghost', ['ClusterRole', 'nope'], [{ kind: 'User', apiGroup: G, name: 'carol' }]));
    expect(rbac.authorize(user('carol'), r('GET', '/api/v1/pods'))).toEqual({ allowed: 'no-opinion', reason: 'RBAC: [clusterrole.rbac.authorization.k8s.io "nope" not found]' });
    index.put('ClusterRole', role('ClusterRole', 'nope', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]));
    expect(rbac.authorize(user('carol'), r('GET', '/api/v1/pods')).allowed).toBe(true);
    index.remove('ClusterRole', undefined, 'nope');
    expect(rbac.authorize(user('carol'), r('GET', '/api/v1/pods')).allowed).toBe('no-opinion');
  });

  test('bindings removed, replaced and cleared leave no trace', () => {
    const { index, rbac } = setup();
    index.remove('RoleBinding', 'team', 'alice-reader');
    expect(rbac.authorize(user('alice'), r('GET', '/api/v1/namespaces/team/pods')).allowed).toBe('no-opinion');
    // Replacing a binding re-indexes its subjects.
    index.put('ClusterRoleBinding', bind('ClusterRoleBinding', 'ops-reader', ['ClusterRole', 'reader'], [{ kind: 'User', apiGroup: G, name: 'dave' }]));
    expect(rbac.authorize(user('bob', 'ops'), r('GET', '/api/v1/pods')).allowed).toBe('no-opinion');
    expect(rbac.authorize(user('dave'), r('GET', '/api/v1/pods')).allowed).toBe(true);
    index.clear('ClusterRoleBinding');
    expect(rbac.authorize(user('dave'), r('GET', '/api/v1/pods')).allowed).toBe('no-opinion');
    expect(index.counts().bindings).toBe(2);
  });

  test('non-resource URLs come from ClusterRoleBindings only', () => {
    const { index, rbac } = setup();
    index.put('ClusterRole', role('ClusterRole', 'disc', [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*'] }]));
    index.put('RoleBinding', bind('RoleBinding', 'disc', ['ClusterRole', 'disc'], [{ kind: 'User', apiGroup: G, name: 'erin' }], 'team'));
    expect(rbac.authorizeNonResource(user('erin'), { type: 'non-resource', path: '/api/v1', verb: 'get' }).allowed).toBe('no-opinion');
    index.put('ClusterRoleBinding', bind('ClusterRoleBinding', 'disc', ['ClusterRole', 'disc'], [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }]));
    expect(rbac.authorizeNonResource(user('erin', 'system:authenticated'), { type: 'non-resource', path: '/api/v1', verb: 'get' }).allowed).toBe(true);
    expect(rbac.authorizeNonResource(user('erin', 'system:authenticated'), { type: 'non-resource', path: '/metrics', verb: 'get' }).allowed).toBe('no-opinion');
  });

  test('rulesFor: the rules a user holds in a namespace (SelfSubjectRulesReview)', () => {
    const { rbac } = setup();
    const team = rbac.rulesFor(user('alice'), 'team');
    expect(team.incomplete).toBe(false);
    expect(team.rules).toEqual(expect.arrayContaining([{ verbs: ['create'], apiGroups: [''], resources: ['configmaps'] }]));
    expect(rbac.rulesFor(user('alice'), 'other').rules).toEqual([]);
    expect(rbac.rulesFor(user('x', 'system:masters'), 'any').rules[0]).toEqual({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  });

  test('not synced: no opinion, except for system:masters', () => {
    const index = new PolicyIndex();
    const rbac = new RbacAuthorizer(index, { synced: () => false });
    expect(rbac.authorize(user('a'), r('GET', '/api/v1/pods')).allowed).toBe('no-opinion');
    expect(rbac.authorize(user('a', 'system:masters'), r('GET', '/api/v1/pods')).allowed).toBe(true);
  });
});
