// RBAC validation: Kubernetes' rules and messages.

import { describe, expect, test } from 'vitest';
import { findResource } from '../resources.js';
import type { KubeObject } from '../types.js';
import { validateObject } from './index.js';

const G = 'rbac.authorization.k8s.io';
const res = (plural: string) => findResource(G, 'v1', plural)!;
const causes = (plural: string, obj: object, old?: object) => validateObject(res(plural), obj as KubeObject, old as KubeObject | undefined).map((c) => `${c.field}: ${c.message}`);

describe('Role / ClusterRole', () => {
  test('names may hold colons; rules need verbs, groups and resources', () => {
    expect(causes('clusterroles', { metadata: { name: 'system:kube-scheduler' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] })).toEqual([]);
    expect(causes('clusterroles', { metadata: { name: 'a/b' }, rules: [] })).toEqual(["metadata.name: Invalid value: \"a/b\": may not contain '/'"]);
    expect(causes('roles', { metadata: { name: 'r', namespace: 'd' }, rules: [{ apiGroups: [''], resources: [] }] })).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].resources: Required value: resource rules must supply at least one resource',
    ]);
    expect(causes('roles', { metadata: { name: 'r', namespace: 'd' }, rules: [{ verbs: ['get'], resources: ['pods'] }] })).toEqual([
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
    ]);
  });

  test('nonResourceURLs only in ClusterRoles, never with resources', () => {
    expect(causes('roles', { metadata: { name: 'r', namespace: 'd' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] })).toEqual([
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ]);
    expect(causes('clusterroles', { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] })).toEqual([]);
    expect(causes('clusterroles', { metadata: { name: 'c' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/x'], apiGroups: [''], resources: ['pods'] }] })[0]).toContain(
      'rules cannot apply to both regular resources and non-resource URLs',
    );
  });

  test('aggregationRule needs a selector', () => {
    expect(causes('clusterroles', { metadata: { name: 'c' }, aggregationRule: { clusterRoleSelectors: [] } })).toEqual([
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    expect(causes('clusterroles', { metadata: { name: 'c' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } })).toEqual([]);
  });
});

describe('RoleBinding / ClusterRoleBinding', () => {
  const ref = { apiGroup: G, kind: 'ClusterRole', name: 'view' };
  test('roleRef and subjects', () => {
    expect(causes('rolebindings', { metadata: { name: 'b', namespace: 'd' }, roleRef: ref, subjects: [{ kind: 'User', apiGroup: G, name: 'u' }, { kind: 'ServiceAccount', name: 'sa' }] })).toEqual([]);
    expect(causes('clusterrolebindings', { metadata: { name: 'b' }, roleRef: { ...ref, kind: 'Role' } })).toEqual(['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']);
    expect(causes('rolebindings', { metadata: { name: 'b', namespace: 'd' }, roleRef: { apiGroup: 'x', kind: 'Role', name: '' } })).toEqual([
      'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
      'roleRef.name: Required value',
    ]);
    expect(causes('clusterrolebindings', { metadata: { name: 'b' }, roleRef: ref, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] })).toEqual(['subjects[0].namespace: Required value']);
    expect(causes('clusterrolebindings', { metadata: { name: 'b' }, roleRef: ref, subjects: [{ kind: 'Robot', name: 'r' }, { kind: 'User', name: 'u' }, { kind: 'Group', apiGroup: G }] })).toEqual([
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[1].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
      'subjects[2].name: Required value',
    ]);
  });

  test('roleRef cannot change', () => {
    const old = { metadata: { name: 'b', namespace: 'd' }, roleRef: ref };
    expect(causes('rolebindings', { ...old, roleRef: { ...ref, name: 'edit' } }, old)).toEqual(['roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}: cannot change roleRef']);
    expect(causes('rolebindings', { ...old, subjects: [{ kind: 'Group', apiGroup: G, name: 'g' }] }, old)).toEqual([]);
  });
});
