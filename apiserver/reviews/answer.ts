// The answer to a review (the virtual kinds of registry/virtual-kinds.ts): the body is
// checked (review-body.ts), the question answered by the kind's module, and the object
// sent back with its spec and the status filled in. Nothing is stored.

import type { ResourceInfo } from '../../api/resources.js';
import { apiVersionOf } from '../../api/resources.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import type { ServerContext } from '../context.js';
import type { FieldValidation } from '../write-options.js';
import { decideAccess, subjectOf, validateAccessReview, type AccessSpec } from './access-review.js';
import { selfSubjectReviewStatus, tokenReviewStatus } from './identity-review.js';
import { checkReviewBody, knownSpec } from './review-body.js';
import { rulesReviewStatus } from './rules-review.js';

export async function answerReview(
  ctx: ServerContext,
  r: ResourceInfo,
  urlNamespace: string | undefined,
  body: Record<string, unknown>,
  user: UserInfo | undefined,
  mode: FieldValidation,
): Promise<{ object: Record<string, unknown>; warnings: string[] }> {
  const warnings = checkReviewBody(r, body, mode);
  const spec = knownSpec(r, body);
  const metadata: Record<string, unknown> = { creationTimestamp: null };
  let status: unknown;
  switch (r.kind) {
    case 'SelfSubjectAccessReview':
    case 'SubjectAccessReview':
    case 'LocalSubjectAccessReview': {
      const access = spec as AccessSpec;
      validateAccessReview(r.kind, body.metadata, access, urlNamespace);
      if (r.kind === 'LocalSubjectAccessReview') metadata.namespace = urlNamespace;
      status = await decideAccess(ctx, r.kind === 'SelfSubjectAccessReview' ? user : subjectOf(access), access);
      break;
    }
    case 'SelfSubjectRulesReview':
      status = rulesReviewStatus(ctx, user, spec);
      break;
    case 'SelfSubjectReview':
      metadata.creationTimestamp = ctx.nowIso();
      return { object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata, status: selfSubjectReviewStatus(user) }, warnings };
    case 'TokenReview':
      status = tokenReviewStatus(ctx, spec);
      break;
    default:
      throw new Error(`no answer for virtual kind ${r.kind}`);
  }
  return { object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata, spec, status }, warnings };
}
