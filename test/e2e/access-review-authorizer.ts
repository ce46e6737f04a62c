// A small fixed authorizer for the access-review and impersonation tests: members of
// system:masters may do anything, everyone may create self reviews and GET non-resource
// paths (discovery), jane may get/list pods in "dev" and impersonate user joe. Fixed on
// purpose: those tests check that reviews and impersonation answer what the chain
// decides; RBAC's own rules are the matrix test's business.

import type { Authorizer } from '../../apiserver/authorization/types.js';

const SELF_REVIEWS = new Set(['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews']);
export const testAuthorizer: Authorizer = {
  name: 'test',
  authorize: (u, r) => {
    if (u.groups.includes('system:masters')) return { allowed: true };
    if (SELF_REVIEWS.has(r.resource.plural) && r.verb === 'create') return { allowed: true };
    if (u.name === 'jane' && r.resource.plural === 'pods' && r.namespace === 'dev' && (r.verb === 'get' || r.verb === 'list')) return { allowed: true };
    if (u.name === 'jane' && r.verb === ('impersonate' as never) && r.resource.plural === 'users' && r.name === 'joe') return { allowed: true };
    return { allowed: 'no-opinion' };
  },
  authorizeNonResource: (u, r) => (u.groups.includes('system:masters') || r.verb === 'get' ? { allowed: true } : { allowed: 'no-opinion' }),
};

/** Self reviews for everyone, nodes included (Kubernetes: system:basic-user via RBAC). */
export const selfReviews: Authorizer = {
  name: 'self-reviews',
  authorize: (_u, r) => (SELF_REVIEWS.has(r.resource.plural) && r.verb === 'create' ? { allowed: true } : { allowed: 'no-opinion' }),
};
