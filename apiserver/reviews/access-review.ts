// SelfSubjectAccessReview, SubjectAccessReview and LocalSubjectAccessReview
// (authorization.k8s.io/v1): "may this user do this?", answered by the apiserver's own
// authorizer chain, exactly as a real request by that user would be decided — so
// `kubectl auth can-i` says what the next request will get.
//
// Validation and messages are Kubernetes' (pkg/apis/authorization/validation): exactly
// one of resourceAttributes / nonResourceAttributes; a SubjectAccessReview names a user
// or groups; metadata must be empty (a LocalSubjectAccessReview's namespace aside, which
// must be the URL's and the resourceAttributes' namespace).
// A node's "allowed if the pod is bound to it" (authorization/types.ts) is decided here
// against the stored pod, as the request itself would be.

import { errors, isNotFound, type StatusCause } from '../../api/errors.js';
import { findResource, type ResourceInfo } from '../../api/resources.js';
import { fe } from '../../api/validation/field-errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import type { FinalDecision } from '../authorization/types.js';
import type { ServerContext } from '../context.js';
import type { ResourceRequest } from '../request-info.js';

export interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface AccessSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
  user?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  uid?: string;
}

export interface AccessStatus {
  allowed: boolean;
  /** An authorizer refused outright (Kubernetes: true only with allowed false; RBAC never denies). */
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/** metadata that carries anything but null/empty values (managedFields aside, as Kubernetes). */
function metadataSet(md: unknown, except: string[] = []): boolean {
  if (typeof md !== 'object' || md === null) return false;
  return Object.entries(md).some(([k, v]) => !except.includes(k) && k !== 'managedFields' && v !== null && v !== undefined && v !== '' && !(typeof v === 'object' && Object.keys(v).length === 0));
}

function specCauses(spec: AccessSpec, self: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  if (!ra && !nra) causes.push(fe.required('spec.resourceAttributes', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  if (ra && nra) causes.push(fe.invalid('spec.nonResourceAttributes', nra, 'cannot be specified in combination with resourceAttributes'));
  if (!self && !spec.user && (spec.groups ?? []).length === 0) causes.push(fe.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified'));
  return causes;
}

/** 422 Invalid for what Kubernetes' validation refuses; `namespace`: the URL's (LocalSubjectAccessReview). */
export function validateAccessReview(kind: string, metadata: unknown, spec: AccessSpec, urlNamespace?: string): void {
  const local = kind === 'LocalSubjectAccessReview';
  const causes = specCauses(spec, kind === 'SelfSubjectAccessReview');
  if (metadataSet(metadata, local ? ['namespace'] : [])) causes.push(fe.invalid('metadata', metadata, 'must be empty'));
  if (local) {
    const mdNs = (metadata as { namespace?: unknown } | undefined)?.namespace;
    if (mdNs !== undefined && mdNs !== null && mdNs !== '' && mdNs !== urlNamespace)
      throw errors.badRequest(`the namespace of the provided object does not match the namespace sent on the request`);
    const ra = spec.resourceAttributes;
    if (ra && (ra.namespace ?? '') !== urlNamespace) causes.push(fe.invalid('spec.resourceAttributes.namespace', ra.namespace ?? '', 'must match metadata.namespace'));
    if (spec.nonResourceAttributes) causes.push(fe.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  }
  if (causes.length > 0) throw errors.invalid(kind, '', causes);
}

/**
 * The resource a review asks about: the served one when orch has it (so its scope is
 * known), else one made up from the attributes — a review may ask about any resource,
 * verb or '*', served or not, and the authorizer matches on names.
 */
function resourceOf(ra: ResourceAttributes): ResourceInfo {
  const group = ra.group ?? '';
  const plural = ra.resource ?? '';
  const served = ra.version && ra.version !== '*' ? findResource(group, ra.version, plural) : undefined;
  if (served) return served;
  return { group, version: ra.version ?? '', kind: '', listKind: '', plural, singular: '', namespaced: Boolean(ra.namespace), shortNames: [], verbs: [], subresources: [] };
}

/** The request a review describes, in the words the authorizers take. */
export function requestOf(ra: ResourceAttributes): ResourceRequest {
  return {
    type: 'resource',
    resource: resourceOf(ra),
    namespace: ra.namespace || undefined,
    name: ra.name || undefined,
    subresource: ra.subresource || undefined,
    // Reviews (and impersonation) ask about any verb: impersonate, bind, escalate, '*'.
    verb: (ra.verb ?? '') as ResourceRequest['verb'],
  };
}

/** Whether `user` may do what the spec describes. No user: the server has no authentication, so everything is allowed. */
export async function decideAccess(ctx: ServerContext, user: UserInfo | undefined, spec: AccessSpec): Promise<AccessStatus> {
  if (!user) return { allowed: true, reason: 'the apiserver runs without authentication: every request is allowed' };
  let d: FinalDecision;
  if (spec.resourceAttributes) {
    const req = requestOf(spec.resourceAttributes);
    d = ctx.authorizer.authorize(user, req);
    if (d.allowed === 'if-pod-bound') return podBound(ctx, req, d.nodeName);
  } else {
    const n = spec.nonResourceAttributes!;
    d = ctx.authorizer.authorizeNonResource(user, { type: 'non-resource', path: n.path ?? '', verb: n.verb ?? '' });
    if (d.allowed === 'if-pod-bound') return { allowed: false };
  }
  if (d.allowed === true) return { allowed: true };
  const denied = d.denied ? { denied: true } : {};
  // Kubernetes says nothing when no authorizer had an opinion ("no" alone in kubectl).
  return d.reason ? { allowed: false, ...denied, reason: d.reason } : { allowed: false, ...denied };
}

async function podBound(ctx: ServerContext, req: ResourceRequest, nodeName: string): Promise<AccessStatus> {
  if (!req.name || !req.namespace || req.resource.plural !== 'pods') return { allowed: false, reason: `only pods bound to node ${nodeName}` };
  try {
    const pod = await ctx.store.get(findResource('', 'v1', 'pods')!, req.namespace, req.name);
    const bound = (pod.spec as { nodeName?: string } | undefined)?.nodeName === nodeName;
    return bound ? { allowed: true } : { allowed: false, reason: `pod is not bound to node ${nodeName}` };
  } catch (err) {
    if (isNotFound(err)) return { allowed: false, reason: `pod not found: only pods bound to node ${nodeName}` };
    return { allowed: false, evaluationError: `could not read the pod: ${(err as Error).message}` };
  }
}

/** The user a SubjectAccessReview asks about: exactly as given (no groups are added, as Kubernetes). */
export function subjectOf(spec: AccessSpec): UserInfo {
  return { name: spec.user ?? '', groups: [...(spec.groups ?? [])], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: spec.extra } : {}) };
}
