// Every authenticated user is also in group system:authenticated (Kubernetes'
// authentication step adds it), which the default bindings grant discovery and
// self-review to. The authenticator hands out one UserInfo per token entry, so the
// extended copy is memoised per entry: no allocation per request.

import type { UserInfo } from '../../foundation/token-auth.js';

export const AUTHENTICATED_GROUP = 'system:authenticated';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';

const extended = new WeakMap<UserInfo, UserInfo>();

export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP)) return user;
  let out = extended.get(user);
  if (!out) extended.set(user, (out = { ...user, groups: [...user.groups, AUTHENTICATED_GROUP] }));
  return out;
}
