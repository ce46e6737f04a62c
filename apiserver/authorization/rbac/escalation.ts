// RBAC escalation prevention, as Kubernetes' rbac registry: a user may only write a Role
// or ClusterRole whose rules it already holds (in that namespace; cluster-wide for a
// ClusterRole), unless it may `escalate` roles; and may only bind a role whose rules it
// holds, unless it may `bind` that role. system:masters may do both. An aggregated
// ClusterRole (aggregationRule) needs full authority, as its rules come from any role
// matching its selectors. Checked on the object as it will be stored (after patches),
// inside the write, so no patch or apply gets around it.

import { errors, type ApiError } from '../../../api/errors.js';
import { RBAC_GROUP, type ClusterRole, type PolicyRule, type RoleBinding } from '../../../api/rbac-types.js';
import { findResource } from '../../../api/resources.js';
import type { KubeObject } from '../../../api/types.js';
import type { UserInfo } from '../../../foundation/token-auth.js';
import type { ResourceRequest } from '../../request-info.js';
import type { AuthorizerChain } from '../chain.js';
import { MASTERS_GROUP, type RbacAuthorizer } from './rbac-authorizer.js';
import { ruleString, uncoveredRules } from './rule-match.js';

const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

function forbidden(plural: string, name: string, why: string): ApiError {
  return errors.forbidden(`${plural}.${RBAC_GROUP} "${name}" is forbidden: ${why}`);
}

function mayDo(chain: AuthorizerChain, user: UserInfo, verb: string, plural: string, namespace: string | undefined, name: string): boolean {
  const req = { type: 'resource', resource: findResource(RBAC_GROUP, 'v1', plural)!, namespace, name, verb } as unknown as ResourceRequest;
  return chain.authorize(user, req).allowed === true;
}

function notHeld(user: UserInfo, missing: PolicyRule[]): string {
  return `user ${JSON.stringify(user.name)} (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${missing.map(ruleString).join('\n')}`;
}

/**
 * The check a write of an RBAC object runs on the object it would store; undefined for
 * writes that need none (other kinds, system:masters).
 */
export function escalationCheck(rbac: RbacAuthorizer, chain: AuthorizerChain, user: UserInfo, info: ResourceRequest): ((obj: KubeObject) => void) | undefined {
  if (info.resource.group !== RBAC_GROUP || user.groups.includes(MASTERS_GROUP)) return undefined;
  const plural = info.resource.plural;
  return (obj) => {
    const ns = obj.metadata.namespace || undefined;
    const name = obj.metadata.name ?? '';
    const held = () => rbac.rulesOfUser(user, ns).rules;
    if (plural === 'roles' || plural === 'clusterroles') {
      if (mayDo(chain, user, 'escalate', plural, ns, name)) return;
      const agg = (obj as ClusterRole).aggregationRule;
      if (plural === 'clusterroles' && agg && typeof agg === 'object' && uncoveredRules(held(), FULL_AUTHORITY).length > 0)
        throw forbidden(plural, name, 'must have cluster-admin privileges to use the aggregationRule');
      const rules = Array.isArray((obj as ClusterRole).rules) ? (obj as ClusterRole).rules! : [];
      const missing = uncoveredRules(held(), rules);
      if (missing.length > 0) throw forbidden(plural, name, notHeld(user, missing));
      return;
    }
    if (plural === 'rolebindings' || plural === 'clusterrolebindings') {
      const ref = (obj as RoleBinding).roleRef;
      const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (mayDo(chain, user, 'bind', refPlural, ns, ref.name)) return;
      const rules = rbac.roleRules(ref.kind, ns, ref.name);
      if (!rules) throw errors.notFound({ group: RBAC_GROUP, plural: refPlural }, ref.name);
      const missing = uncoveredRules(held(), rules);
      if (missing.length > 0) throw forbidden(plural, name, notHeld(user, missing));
    }
  };
}
