// Validation of rbac.authorization.k8s.io/v1 objects, as Kubernetes' pkg/apis/rbac/
// validation: names are path segments (they may hold ':' as in system:kube-scheduler),
// every rule needs verbs; nonResourceURLs only in ClusterRoles and never with resources;
// resource rules need apiGroups and resources; a binding's roleRef is an RBAC Role or
// ClusterRole (ClusterRole only for ClusterRoleBindings) and may not change on update;
// subjects are User / Group (API group rbac.authorization.k8s.io) or ServiceAccount
// (API group "", a namespace when bound cluster-wide). Same messages as Kubernetes.

import type { StatusCause } from '../errors.js';
import { RBAC_GROUP } from '../rbac-types.js';
import { validateLabelSelector } from './deployment.js';
import { arrayField, fe, isObj, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain } from './names.js';

/** Kubernetes' path.IsValidPathSegmentName: the name must be usable as one URL segment. */
export function isPathSegmentName(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (name.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

function stringList(v: unknown, field: string, out: StatusCause[]): string[] {
  const arr = arrayField(v, field, out);
  if (!arr) return [];
  const list: string[] = [];
  arr.forEach((x, i) => {
    if (typeof x === 'string') list.push(x);
    else out.push(fe.invalid(`${field}[${i}]`, x, 'must be a string'));
  });
  return list;
}

function validatePolicyRule(raw: unknown, namespaced: boolean, field: string, out: StatusCause[]): void {
  const rule = objField(raw, field, out);
  if (!rule) return;
  const verbs = stringList(rule.verbs, `${field}.verbs`, out);
  const apiGroups = stringList(rule.apiGroups, `${field}.apiGroups`, out);
  const resources = stringList(rule.resources, `${field}.resources`, out);
  stringList(rule.resourceNames, `${field}.resourceNames`, out);
  const urls = stringList(rule.nonResourceURLs, `${field}.nonResourceURLs`, out);
  if (verbs.length === 0) out.push(fe.required(`${field}.verbs`, 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced) out.push(fe.invalid(`${field}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length > 0 || resources.length > 0) out.push(fe.invalid(`${field}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    return;
  }
  if (apiGroups.length === 0) out.push(fe.required(`${field}.apiGroups`, 'resource rules must supply at least one api group'));
  if (resources.length === 0) out.push(fe.required(`${field}.resources`, 'resource rules must supply at least one resource'));
}

function validateRules(obj: Obj, namespaced: boolean, out: StatusCause[]): void {
  arrayField(obj.rules, 'rules', out)?.forEach((r, i) => validatePolicyRule(r, namespaced, `rules[${i}]`, out));
}

export function validateRole(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateRules(obj, true, out);
  return out;
}

export function validateClusterRole(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateRules(obj, false, out);
  if (obj.aggregationRule !== undefined && obj.aggregationRule !== null) {
    const agg = objField(obj.aggregationRule, 'aggregationRule', out);
    const sels = agg ? arrayField(agg.clusterRoleSelectors, 'aggregationRule.clusterRoleSelectors', out) : undefined;
    if (agg && (!sels || sels.length === 0))
      out.push(fe.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels?.forEach((s, i) => validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`, out));
  }
  return out;
}

function validateSubject(raw: unknown, namespaced: boolean, field: string, out: StatusCause[]): void {
  const s = objField(raw, field, out);
  if (!s) return;
  const name = strField(s.name, `${field}.name`, out) ?? '';
  const kind = strField(s.kind, `${field}.kind`, out) ?? '';
  const apiGroup = strField(s.apiGroup, `${field}.apiGroup`, out) ?? '';
  const namespace = strField(s.namespace, `${field}.namespace`, out) ?? '';
  if (name === '') out.push(fe.required(`${field}.name`));
  switch (kind) {
    case 'ServiceAccount':
      if (name !== '') for (const m of isDns1123Subdomain(name)) out.push(fe.invalid(`${field}.name`, name, m));
      if (apiGroup !== '') out.push(fe.notSupported(`${field}.apiGroup`, apiGroup, ['']));
      if (!namespaced && namespace === '') out.push(fe.required(`${field}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) out.push(fe.notSupported(`${field}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      out.push(fe.notSupported(`${field}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
  }
}

function validateBinding(obj: Obj, namespaced: boolean): StatusCause[] {
  const out: StatusCause[] = [];
  const ref = obj.roleRef === undefined || obj.roleRef === null ? {} : objField(obj.roleRef, 'roleRef', out);
  if (ref) {
    const apiGroup = strField(ref.apiGroup, 'roleRef.apiGroup', out) ?? '';
    const kind = strField(ref.kind, 'roleRef.kind', out) ?? '';
    const name = strField(ref.name, 'roleRef.name', out) ?? '';
    if (apiGroup !== RBAC_GROUP) out.push(fe.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (!kinds.includes(kind)) out.push(fe.notSupported('roleRef.kind', kind, kinds));
    if (name === '') out.push(fe.required('roleRef.name'));
    else for (const m of isPathSegmentName(name)) out.push(fe.invalid('roleRef.name', name, m));
  }
  arrayField(obj.subjects, 'subjects', out)?.forEach((s, i) => validateSubject(s, namespaced, `subjects[${i}]`, out));
  return out;
}

export const validateRoleBinding = (obj: Obj): StatusCause[] => validateBinding(obj, true);
export const validateClusterRoleBinding = (obj: Obj): StatusCause[] => validateBinding(obj, false);

/** A binding's roleRef never changes (delete and recreate the binding instead). */
export function validateBindingUpdate(obj: Obj, old: Obj): StatusCause[] {
  const a = isObj(obj.roleRef) ? obj.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  const same = ['apiGroup', 'kind', 'name'].every((k) => (a[k] ?? '') === (b[k] ?? ''));
  return same ? [] : [fe.invalid('roleRef', obj.roleRef, 'cannot change roleRef')];
}
