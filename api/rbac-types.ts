// rbac.authorization.k8s.io/v1 object types (Role, ClusterRole, RoleBinding,
// ClusterRoleBinding), as upstream's rbac/v1 types.go, and the names RBAC code shares.

import type { KubeObject, LabelSelector } from './types.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[];
}

export interface Role extends KubeObject {
  rules?: PolicyRule[] | null;
}

export interface ClusterRole extends Role {
  aggregationRule?: AggregationRule;
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export interface RoleBinding extends KubeObject {
  subjects?: Subject[];
  roleRef: RoleRef;
}

/** Kubernetes' defaulting of rbac/v1 (SetDefaults_Subject, SetDefaults_*Binding): the API group of users, groups and roleRefs. */
export function defaultRbac(kind: string, obj: KubeObject): void {
  if (kind !== 'RoleBinding' && kind !== 'ClusterRoleBinding') return;
  const b = obj as RoleBinding;
  if (b.roleRef && typeof b.roleRef === 'object' && !b.roleRef.apiGroup) b.roleRef.apiGroup = RBAC_GROUP;
  if (!Array.isArray(b.subjects)) return;
  for (const s of b.subjects) {
    if (!s || typeof s !== 'object' || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}
