// The node authorizer: what members of `system:nodes` (agents, user
// `system:node:<nodeName>`) may do. They may read everything but write only their own
// Node (and its status), their own Lease in a node-lease namespace, Events, and the
// status / deletion of pods bound to them. Other users: no opinion (the next authorizer
// of the chain decides).
// Pod writes by a node need the pod's spec.nodeName, which the route checks against the
// stored object; here the decision is "allowed if the pod is bound to node X".

import { errors, type ApiError } from '../../api/errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import { resourceLabel, type ResourceRequest } from '../request-info.js';
import type { Authorizer, Decision } from './types.js';

export const NODE_LEASE_NAMESPACES = ['kube-node-lease', 'orch-node-lease'];

const READ_VERBS = new Set(['get', 'list', 'watch']);

/** The node a user acts for, when it is a node identity. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes')) return undefined;
  return user.name.startsWith('system:node:') ? user.name.slice('system:node:'.length) : '';
}

export function authorizeNode(user: UserInfo, req: ResourceRequest): Decision {
  const node = nodeNameOf(user);
  if (node === undefined) return { allowed: 'no-opinion' };
  if (READ_VERBS.has(req.verb) && req.subresource !== 'log') return { allowed: true };
  const { resource, name, subresource, namespace, verb } = req;
  const deny = { allowed: false as const, reason: 'nodes may only write their own Node, Lease, Events and pods bound to them' };
  if (node === '') return deny;
  switch (resource.plural) {
    case 'nodes':
      // create has no name in the URL: the body's name is checked by the route.
      if (verb === 'create' || name === node) return verb === 'delete' || verb === 'deletecollection' ? deny : { allowed: true };
      return deny;
    case 'leases':
      if (!NODE_LEASE_NAMESPACES.includes(namespace ?? '')) return deny;
      if (verb === 'create' || name === node) return verb === 'deletecollection' ? deny : { allowed: true };
      return deny;
    case 'events':
      return verb === 'create' || verb === 'patch' || verb === 'update' ? { allowed: true } : deny;
    case 'serviceaccounts':
      // Tokens for the projected volumes of its pods; narrowed by the node graph (pods bound to it).
      return subresource === 'token' && verb === 'create' ? { allowed: true } : deny;
    case 'pods':
      if (name && subresource === 'status' && (verb === 'update' || verb === 'patch')) return { allowed: 'if-pod-bound', nodeName: node };
      if (name && !subresource && verb === 'delete') return { allowed: 'if-pod-bound', nodeName: node };
      return deny;
    default:
      return deny;
  }
}

export const nodeAuthorizer: Authorizer = { name: 'Node', authorize: authorizeNode };

export function forbiddenError(user: UserInfo, req: ResourceRequest, reason?: string): ApiError {
  const what = req.name ? `${req.resource.plural}${req.resource.group ? '.' + req.resource.group : ''} "${req.name}" is forbidden: ` : '';
  const where = req.namespace ? ` in the namespace "${req.namespace}"` : '';
  return errors.forbidden(
    `${what}User "${user.name}" cannot ${req.verb} resource "${resourceLabel(req)}" in API group "${req.resource.group}"${where}${reason ? `: ${reason}` : ''}`,
  );
}
