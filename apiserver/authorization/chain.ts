// The authorizer chain (Kubernetes' --authorization-mode=Node,RBAC): the first authorizer
// with an opinion decides; when none has one, the request is refused with their reasons.

import type { UserInfo } from '../../foundation/token-auth.js';
import type { ResourceRequest } from '../request-info.js';
import type { Authorizer, Decision, FinalDecision, NonResourceRequest } from './types.js';

export interface AuthorizerChain {
  authorize(user: UserInfo, req: ResourceRequest): FinalDecision;
  authorizeNonResource(user: UserInfo, req: NonResourceRequest): FinalDecision;
}

/** The reason of a refusal no authorizer had an opinion on (access reviews leave it out, as Kubernetes). */
export const NO_OPINION_REASON = 'no authorizer allows it';

export function authorizerChain(authorizers: readonly Authorizer[]): AuthorizerChain {
  const decide = (ask: (a: Authorizer) => Decision | undefined): FinalDecision => {
    const reasons: string[] = [];
    for (const a of authorizers) {
      const d = ask(a);
      if (d === undefined) continue;
      if (d.allowed !== 'no-opinion') return d;
      if (d.reason) reasons.push(d.reason);
    }
    return { allowed: false, reason: reasons.join('; ') || NO_OPINION_REASON };
  };
  return {
    authorize: (user, req) => decide((a) => a.authorize(user, req)),
    authorizeNonResource: (user, req) => decide((a) => a.authorizeNonResource?.(user, req)),
  };
}

/**
 * Every authenticated user may do anything: orch's behaviour before RBAC, kept as the
 * last link of the chain until an RBAC authorizer replaces it.
 */
export const allowAuthenticated: Authorizer = {
  name: 'AlwaysAllow',
  authorize: () => ({ allowed: true }),
  authorizeNonResource: () => ({ allowed: true }),
};
