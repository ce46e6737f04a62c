// The authorizer chain (Kubernetes' --authorization-mode=Node,RBAC): the first authorizer
// with an opinion decides; when none has one, the request is refused with their reasons.

import type { UserInfo } from '../../foundation/token-auth.js';
import type { ResourceRequest } from '../request-info.js';
import type { Authorizer, AuthorizerDeps, Decision, FinalDecision, NonResourceRequest } from './types.js';

export interface AuthorizerChain {
  authorize(user: UserInfo, req: ResourceRequest): FinalDecision;
  authorizeNonResource(user: UserInfo, req: NonResourceRequest): FinalDecision;
  /**
   * For a request authorize() refused: undefined when that is final, else the decision
   * once every authorizer whose view may lag (Authorizer.settle) has caught up — a wait
   * started when called, so the caller can hold a request seat first (flow-control/admission.ts).
   */
  recheck(user: UserInfo, req: ResourceRequest): (() => Promise<FinalDecision>) | undefined;
  /** authorize(), with a refusal rechecked: the whole decision in one call. */
  authorizeSettled(user: UserInfo, req: ResourceRequest): Promise<FinalDecision>;
}

/** The chain a server runs: each authorizer bound to the server's state (Authorizer.bind). */
export function boundAuthorizerChain(authorizers: readonly Authorizer[], deps: AuthorizerDeps): AuthorizerChain {
  return authorizerChain(authorizers.map((a) => a.bind?.(deps) ?? a));
}

export function authorizerChain(authorizers: readonly Authorizer[]): AuthorizerChain {
  const decide = (ask: (a: Authorizer) => Decision | undefined): FinalDecision => {
    const reasons: string[] = [];
    for (const a of authorizers) {
      const d = ask(a);
      if (d === undefined) continue;
      if (d.allowed === false) return { ...d, denied: true };
      if (d.allowed !== 'no-opinion') return d;
      if (d.reason) reasons.push(d.reason);
    }
    // No reason at all is Kubernetes' plain `User "x" cannot get resource ...`.
    return { allowed: false, reason: reasons.join('; ') };
  };
  const authorize = (user: UserInfo, req: ResourceRequest) => decide((a) => a.authorize(user, req));
  const recheck = (user: UserInfo, req: ResourceRequest): (() => Promise<FinalDecision>) | undefined => {
    const waits = authorizers.map((a) => a.settle?.(user, req)).filter((w) => w !== undefined);
    if (waits.length === 0) return undefined;
    return async () => {
      await Promise.all(waits.map((w) => w()));
      return authorize(user, req);
    };
  };
  return {
    authorize,
    authorizeNonResource: (user, req) => decide((a) => a.authorizeNonResource?.(user, req)),
    recheck,
    authorizeSettled: async (user, req) => {
      const d = authorize(user, req);
      if (d.allowed !== false) return d;
      const again = recheck(user, req);
      return again ? again() : d;
    },
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

/**
 * Every authenticated user but a node may do anything (non-resource paths: everyone): the
 * last link of the default chain until RBAC replaces it. Nodes get exactly what the Node authorizer grants (with
 * allowAuthenticated last, its "no opinion" would let a node read every Secret).
 */
export const allowNonNodes: Authorizer = {
  name: 'AllowNonNodes',
  authorize: (user) => (user.groups.includes('system:nodes') ? { allowed: 'no-opinion', reason: 'nodes get only what the Node authorizer grants' } : { allowed: true }),
  // Discovery, /openapi, /metrics: as before RBAC, for every authenticated user.
  authorizeNonResource: () => ({ allowed: true }),
};
