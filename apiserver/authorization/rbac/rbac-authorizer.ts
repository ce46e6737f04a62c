// The RBAC authorizer (Kubernetes' --authorization-mode=RBAC) over the in-memory policy
// index: allow when a rule of a role bound to the user (by name, a group, or as a service
// account) matches; otherwise no opinion, so the chain refuses with Kubernetes' words.
// Group system:masters is always allowed, as Kubernetes' privileged group. ClusterRole-
// Bindings apply everywhere; RoleBindings only to requests in their namespace (a GET of
// namespace N counts as in N, as Kubernetes' RequestInfo has it). Bindings to roles that
// do not exist grant nothing and are named in the reason.
//
// Also the RulesResolver of SelfSubjectRulesReview, and the rules a user holds where
// escalation prevention (escalation.ts) compares them with the rules it grants.

import type { PolicyRule } from '../../../api/rbac-types.js';
import type { UserInfo } from '../../../foundation/token-auth.js';
import type { ResourceRequest } from '../../request-info.js';
import type { Authorizer, Decision, NonResourceRequest, PolicyRuleInfo, RulesResolver } from '../types.js';
import { subjectKeysOfUser, type BindingEntry, type PolicyIndex } from './policy-index.js';
import { ruleAllows, ruleAllowsNonResource, type CompiledRule, type ResourceAttributes } from './rule-match.js';

export const MASTERS_GROUP = 'system:masters';

export interface RbacAuthorizerOptions {
  /** False until the policy cache has listed everything once: then no opinion (refused), never a guess. */
  synced?: () => boolean;
}

function missingRole(b: BindingEntry): string {
  return `${b.roleKind.toLowerCase()}.rbac.authorization.k8s.io "${b.roleName}" not found`;
}

/** The namespace a request is in, for RoleBindings: a namespace object counts as in itself. */
export function requestNamespace(req: ResourceRequest): string | undefined {
  if (req.namespace) return req.namespace;
  if (req.resource.group === '' && req.resource.plural === 'namespaces' && req.name) return req.name;
  return undefined;
}

export class RbacAuthorizer implements Authorizer, RulesResolver {
  readonly name = 'RBAC';

  constructor(
    private readonly index: PolicyIndex,
    private readonly opts: RbacAuthorizerOptions = {},
  ) {}

  authorize(user: UserInfo, req: ResourceRequest): Decision {
    const attrs: ResourceAttributes = { verb: req.verb, group: req.resource.group, resource: req.resource.plural, subresource: req.subresource, name: req.name };
    return this.decide(user, requestNamespace(req), (r) => ruleAllows(r, attrs));
  }

  authorizeNonResource(user: UserInfo, req: NonResourceRequest): Decision {
    // Non-resource URLs are only granted cluster-wide (ClusterRoleBindings).
    return this.decide(user, undefined, (r) => ruleAllowsNonResource(r, req.verb, req.path), true);
  }

  /** Resource attributes given directly (SubjectAccessReview, bind/escalate checks). */
  authorizeAttributes(user: UserInfo, namespace: string | undefined, attrs: ResourceAttributes): Decision {
    return this.decide(user, namespace || undefined, (r) => ruleAllows(r, attrs));
  }

  private decide(user: UserInfo, namespace: string | undefined, matches: (r: CompiledRule) => boolean, clusterOnly = false): Decision {
    if (user.groups.includes(MASTERS_GROUP)) return { allowed: true };
    if (this.opts.synced && !this.opts.synced()) return { allowed: 'no-opinion', reason: 'RBAC: the policy cache has not synced yet' };
    let errors: string[] | undefined;
    for (const b of this.index.bindingsFor(subjectKeysOfUser(user))) {
      if (b.namespace !== undefined && (clusterOnly || b.namespace !== namespace)) continue;
      const rules = this.index.rulesOf(b);
      if (!rules) {
        (errors ??= []).push(missingRole(b));
        continue;
      }
      for (const r of rules) if (matches(r)) return { allowed: true };
    }
    return errors ? { allowed: 'no-opinion', reason: `RBAC: [${[...new Set(errors)].join(', ')}]` } : { allowed: 'no-opinion' };
  }

  /** Every rule the user holds in `namespace` ('' or undefined: cluster-wide only), and the bindings whose role is missing. */
  rulesOfUser(user: UserInfo, namespace: string | undefined): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    for (const b of this.index.bindingsFor(subjectKeysOfUser(user))) {
      if (b.namespace !== undefined && b.namespace !== namespace) continue;
      const rs = this.index.rulesOf(b);
      if (!rs) errors.push(missingRole(b));
      else for (const r of rs) rules.push(r.source);
    }
    return { rules, errors };
  }

  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRuleInfo[]; incomplete: boolean; evaluationError?: string } {
    // system:masters holds everything without a binding: say so as cluster-admin's rules.
    const masters: PolicyRule[] = user.groups.includes(MASTERS_GROUP) ? [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] }] : [];
    const { rules, errors } = this.rulesOfUser(user, namespace || undefined);
    const all = [...masters, ...rules].map((r) => {
      const out: PolicyRuleInfo = { verbs: [...r.verbs] };
      if (r.apiGroups?.length) out.apiGroups = [...r.apiGroups];
      if (r.resources?.length) out.resources = [...r.resources];
      if (r.resourceNames?.length) out.resourceNames = [...r.resourceNames];
      if (r.nonResourceURLs?.length) out.nonResourceURLs = [...r.nonResourceURLs];
      return out;
    });
    return errors.length ? { rules: all, incomplete: true, evaluationError: errors.join(', ') } : { rules: all, incomplete: false };
  }

  /** A role's rules by reference (escalation.ts). */
  roleRules(kind: string, namespace: string | undefined, name: string): PolicyRule[] | undefined {
    return this.index.roleRules(kind, namespace, name);
  }
}
