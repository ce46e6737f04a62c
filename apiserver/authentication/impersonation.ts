// Impersonation (Kubernetes' WithImpersonation filter): a request carrying
// `Impersonate-User` (and optionally `Impersonate-Group`, repeatable, `Impersonate-Uid`,
// `Impersonate-Extra-<key>`) is served as that user, once the authenticated caller has
// been allowed, for each part, the `impersonate` verb on:
//   users NAME (core group)                     the user name
//   serviceaccounts NAME in NS (core group)     a user name system:serviceaccount:NS:NAME
//   groups NAME (core group)                    each group
//   uids UID (authentication.k8s.io)            the uid
//   userextras/KEY VALUE (authentication.k8s.io) each value of each extra key
// The impersonated user gets `system:authenticated` (unless system:authenticated or
// system:unauthenticated was asked for; system:anonymous gets system:unauthenticated),
// and a service account its groups, as Kubernetes does. Everything after authentication —
// flow control, authorization, the reviews (`kubectl auth whoami --as jane`) — sees the
// impersonated user. Used by the REST hook (server.ts) and the Upgrade stream path
// (routes/pod-streams.ts).

import type { IncomingHttpHeaders } from 'node:http';
import { errors } from '../../api/errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import type { AuthorizerChain } from '../authorization/chain.js';
import { forbiddenError } from '../authorization/node-rules.js';
import type { ResourceRequest } from '../request-info.js';
import { requestOf } from '../reviews/access-review.js';

export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';
export const IMPERSONATE_UID = 'impersonate-uid';
export const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';

const AUTHENTICATED = 'system:authenticated';
const UNAUTHENTICATED = 'system:unauthenticated';
const ANONYMOUS = 'system:anonymous';
const SA_PREFIX = 'system:serviceaccount:';

/**
 * Every value of a header, repeated headers kept apart: node joins repeated headers it
 * does not know with ", " in `headers`, and a group name may itself contain ", ".
 */
function headerValues(rawHeaders: readonly string[] | undefined, headers: IncomingHttpHeaders, name: string): string[] {
  if (!rawHeaders) {
    const h = headers[name];
    return h === undefined ? [] : Array.isArray(h) ? h : [h];
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) out.push(rawHeaders[i + 1]!);
  return out;
}

interface Requested {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
  present: string[];
}

function requested(headers: IncomingHttpHeaders, rawHeaders?: readonly string[]): Requested {
  const r: Requested = { groups: headerValues(rawHeaders, headers, IMPERSONATE_GROUP), extra: Object.create(null) as Record<string, string[]>, present: [] };
  const user = headerValues(rawHeaders, headers, IMPERSONATE_USER);
  if (user.length > 0) r.user = user[0];
  const uid = headerValues(rawHeaders, headers, IMPERSONATE_UID);
  if (uid.length > 0) r.uid = uid[0];
  if (r.groups.length > 0) r.present.push('groups');
  if (r.uid !== undefined) r.present.push('uid');
  for (const name of Object.keys(headers)) {
    if (!name.startsWith(IMPERSONATE_EXTRA_PREFIX)) continue;
    let key: string;
    try {
      // Kubernetes: the key after the prefix is percent-decoded and lowercased.
      key = decodeURIComponent(name.slice(IMPERSONATE_EXTRA_PREFIX.length)).toLowerCase();
    } catch {
      throw errors.badRequest(`malformed impersonation header ${name}: the extra key does not percent-decode`);
    }
    if (key === '') throw errors.badRequest(`malformed impersonation header ${name}: no extra key`);
    r.extra[key] = headerValues(rawHeaders, headers, name);
    r.present.push(`extra ${key}`);
  }
  return r;
}

/** True when the request asks for impersonation at all (cheap check before any work). */
export function wantsImpersonation(headers: IncomingHttpHeaders): boolean {
  for (const name of Object.keys(headers)) if (name.startsWith('impersonate-')) return true;
  return false;
}

function attrs(verbResource: { group: string; resource: string; name: string; namespace?: string; subresource?: string }): ResourceRequest {
  return requestOf({ verb: 'impersonate', group: verbResource.group, resource: verbResource.resource, name: verbResource.name, namespace: verbResource.namespace, subresource: verbResource.subresource });
}

/**
 * The user a request acts as: `caller` itself without impersonation headers, else the
 * impersonated user once every part is allowed. Throws 400 for malformed headers and
 * 403 (Kubernetes' message) when the caller may not impersonate a part.
 */
export function impersonate(authorizer: AuthorizerChain, caller: UserInfo, headers: IncomingHttpHeaders, rawHeaders?: readonly string[]): UserInfo {
  if (!wantsImpersonation(headers)) return caller;
  const want = requested(headers, rawHeaders);
  if (want.user === undefined) {
    if (want.present.length === 0) return caller;
    throw errors.badRequest(`requested [${want.present.join(' ')}] without impersonating a user`);
  }
  if (want.user === '') throw errors.badRequest('Impersonate-User: an empty user name cannot be impersonated');

  const checks: ResourceRequest[] = [];
  const groups = [...want.groups];
  if (want.user.startsWith(SA_PREFIX)) {
    const [ns, name, ...rest] = want.user.slice(SA_PREFIX.length).split(':');
    if (!ns || !name || rest.length > 0) throw errors.badRequest(`Impersonate-User: ${JSON.stringify(want.user)} is not a service account name (system:serviceaccount:NAMESPACE:NAME)`);
    checks.push(attrs({ group: '', resource: 'serviceaccounts', name, namespace: ns }));
    // A service account's own groups come with it (Kubernetes' MakeGroupNames).
    for (const g of ['system:serviceaccounts', `system:serviceaccounts:${ns}`]) if (!groups.includes(g)) groups.push(g);
  } else {
    checks.push(attrs({ group: '', resource: 'users', name: want.user }));
  }
  for (const g of want.groups) checks.push(attrs({ group: '', resource: 'groups', name: g }));
  if (want.uid !== undefined) checks.push(attrs({ group: 'authentication.k8s.io', resource: 'uids', name: want.uid }));
  for (const [key, vals] of Object.entries(want.extra))
    for (const v of vals) checks.push(attrs({ group: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v }));

  for (const c of checks) {
    const d = authorizer.authorize(caller, c);
    if (d.allowed !== true) throw forbiddenError(caller, c, d.allowed === false && d.reason ? d.reason : undefined);
  }

  if (want.user === ANONYMOUS) {
    if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);
  } else if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) {
    groups.push(AUTHENTICATED);
  }
  const user: UserInfo = { name: want.user, groups };
  if (want.uid !== undefined) user.uid = want.uid;
  if (Object.keys(want.extra).length > 0) user.extra = { ...want.extra };
  return user;
}
