// authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`: who the server
// thinks the caller is, after impersonation) and TokenReview (is this bearer token one
// the apiserver accepts, and whose is it). TokenReview uses the apiserver's own
// authenticator, so it accepts exactly the tokens a request would be accepted with.
// Static tokens carry no audience: a review that names audiences gets "not authenticated",
// as Kubernetes answers for a token that is not valid for the audiences asked about.

import { errors } from '../../api/errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import type { ServerContext } from '../context.js';

export const AUTHENTICATED_GROUP = 'system:authenticated';

/** Kubernetes' authentication/v1 UserInfo of a user. */
export function userInfoOf(user: UserInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { username: user.name };
  if (user.uid) out.uid = user.uid;
  if (user.groups.length > 0) out.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length > 0) out.extra = user.extra;
  return out;
}

/** No authentication at all (--insecure-http development): the caller is anonymous. */
const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export function selfSubjectReviewStatus(user: UserInfo | undefined): Record<string, unknown> {
  return { userInfo: userInfoOf(user ?? ANONYMOUS) };
}

export function tokenReviewStatus(ctx: ServerContext, spec: { token?: string; audiences?: string[] }): Record<string, unknown> {
  if (!spec.token) throw errors.badRequest('token is required for TokenReview in authentication');
  if (!ctx.auth) return { user: {}, error: 'the apiserver runs without authentication' };
  if ((spec.audiences ?? []).length > 0) return { user: {}, error: `token audiences ${JSON.stringify(spec.audiences)} is invalid for the target audiences: orch's tokens are for the apiserver itself (leave spec.audiences empty)` };
  const user = ctx.auth.authenticate(spec.token);
  if (!user) return { user: {} };
  const groups = user.groups.includes(AUTHENTICATED_GROUP) ? user.groups : [...user.groups, AUTHENTICATED_GROUP];
  return { authenticated: true, user: userInfoOf({ ...user, groups }) };
}
