// SelfSubjectRulesReview (authorization.k8s.io/v1, `kubectl auth can-i --list`): the rules
// the requesting user holds in a namespace, from the RBAC authorizer's RulesResolver
// (authorization/types.ts). As in Kubernetes the list may be incomplete: a node's rights
// come from the Node authorizer, which cannot enumerate them, and a server without a
// rules resolver (AlwaysAllow) says so in evaluationError instead of guessing.

import { errors } from '../../api/errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import { nodeNameOf } from '../authorization/node-rules.js';
import type { PolicyRuleInfo } from '../authorization/types.js';
import type { ServerContext } from '../context.js';

export interface RulesStatus {
  resourceRules: Array<{ verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }>;
  nonResourceRules: Array<{ verbs: string[]; nonResourceURLs?: string[] }>;
  incomplete: boolean;
  evaluationError?: string;
}

export function rulesReviewStatus(ctx: ServerContext, user: UserInfo | undefined, spec: { namespace?: string }): RulesStatus {
  const namespace = spec.namespace ?? '';
  // Kubernetes' words for a review without a namespace.
  if (namespace === '') throw errors.badRequest('no namespace on request');
  const status: RulesStatus = { resourceRules: [], nonResourceRules: [], incomplete: false };
  const errs: string[] = [];
  if (!user) {
    status.resourceRules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    status.nonResourceRules.push({ verbs: ['*'], nonResourceURLs: ['*'] });
    return status;
  }
  if (nodeNameOf(user) !== undefined) {
    status.incomplete = true;
    errs.push('node authorizer does not support user rule resolution');
  }
  if (!ctx.rulesResolver) {
    status.incomplete = true;
    errs.push('this apiserver has no rules resolver (authorization without RBAC): the rules cannot be listed');
  } else {
    const got = ctx.rulesResolver.rulesFor(user, namespace);
    for (const r of got.rules) addRule(status, r);
    if (got.incomplete) status.incomplete = true;
    if (got.evaluationError) errs.push(got.evaluationError);
  }
  if (errs.length > 0) status.evaluationError = errs.join(', ');
  return status;
}

function addRule(status: RulesStatus, r: PolicyRuleInfo): void {
  if (r.nonResourceURLs && r.nonResourceURLs.length > 0) {
    status.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    return;
  }
  const rule: RulesStatus['resourceRules'][number] = { verbs: [...r.verbs] };
  if (r.apiGroups) rule.apiGroups = [...r.apiGroups];
  if (r.resources) rule.resources = [...r.resources];
  if (r.resourceNames && r.resourceNames.length > 0) rule.resourceNames = [...r.resourceNames];
  status.resourceRules.push(rule);
}
