// --authorization-mode: which authorizers the chain asks, in order (Kubernetes' names).
//   Node         the node rules (node-rules.ts)
//   RBAC         roles and bindings (rbac/)
//   AlwaysAllow  every authenticated user may do anything (development only)
// The default is Node,RBAC, as a Kubernetes cluster set up by kubeadm.

import { allowAuthenticated } from './chain.js';
import { nodeAuthorizer } from './node-rules.js';
import type { Authorizer } from './types.js';

export const AUTHORIZATION_MODES = ['Node', 'RBAC', 'AlwaysAllow'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];
export const DEFAULT_AUTHORIZATION_MODE: AuthorizationMode[] = ['Node', 'RBAC'];

/** Parses 'Node,RBAC'; throws naming the unknown or repeated mode. */
export function parseAuthorizationMode(text: string): AuthorizationMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error(`--authorization-mode: at least one of ${AUTHORIZATION_MODES.join(', ')}`);
  const seen = new Set<string>();
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`--authorization-mode: unknown mode ${JSON.stringify(m)} (known: ${AUTHORIZATION_MODES.join(', ')})`);
    if (seen.has(m)) throw new Error(`--authorization-mode: ${m} is given twice`);
    seen.add(m);
  }
  return modes as AuthorizationMode[];
}

export function authorizersFor(modes: readonly AuthorizationMode[], rbac: Authorizer): Authorizer[] {
  return modes.map((m) => (m === 'Node' ? nodeAuthorizer : m === 'RBAC' ? rbac : allowAuthenticated));
}
