// The node authorizer (Kubernetes' Node authorization mode, with NodeRestriction's
// "only your own objects" folded in): what a node identity (user `system:node:<name>`,
// group `system:nodes`) may do. Exactly what orch's agent and proxy call, no more:
//
//   secrets, configmaps, persistentvolumeclaims  get, when a pod bound to the node names
//       it (node-graph.ts); list/watch never
//   serviceaccounts           get and create serviceaccounts/token, for a pod's service account
//   configmap kube-system/orch-pod-network  get, and list/watch selecting it by
//       metadata.name (the agent's and proxy's pod-network record; no pod names it)
//   pods                      get; list/watch only with fieldSelector spec.nodeName=<own>;
//       update/patch pods/status and delete: only pods bound to it ('if-pod-bound')
//   nodes                     get/list/watch; create, update, patch (and /status) its own
//       Node only (the body is checked by node-restriction.ts)
//   leases                    its own Lease in kube-node-lease / orch-node-lease
//   events                    create, patch, update
//   services, endpoints, endpointslices  get/list/watch (service env, proxy, DNS, drain)
//   namespaces                get kube-system (the cluster's identity is its uid)
//
// Writes to another node's Node or Lease, or to pods not bound to it, are refused
// outright (NodeRestriction applies whatever RBAC says). Everything else gets no opinion,
// with a reason, so a later authorizer (RBAC) may grant more, as in Kubernetes.

import { errors, type ApiError } from '../../api/errors.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import { resourceLabel, type ResourceRequest } from '../request-info.js';
import type { NodeGraphView } from './node-graph.js';
import type { RefKind } from './pod-references.js';
import type { Authorizer, AuthorizerDeps, Decision } from './types.js';

export const NODE_LEASE_NAMESPACES = ['kube-node-lease', 'orch-node-lease'];

/** The pod network's record the agent and proxy read (agent/network, proxy). */
export const POD_NETWORK_CONFIGMAP = { namespace: 'kube-system', name: 'orch-pod-network' };

/** How long a refusal of a graph-governed read may wait for the graph (node-graph.ts). */
export const GRAPH_CATCH_UP_MS = 2000;

const READ_VERBS = new Set(['get', 'list', 'watch']);
const GRAPH_KINDS = new Set<string>(['secrets', 'configmaps', 'persistentvolumeclaims']);

/** The node a user acts for: undefined when not a node, '' for a system:nodes member without a node name. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes('system:nodes')) return undefined;
  return user.name.startsWith('system:node:') ? user.name.slice('system:node:'.length) : '';
}

const ALLOW: Decision = { allowed: true };
const noOpinion = (reason: string): Decision => ({ allowed: 'no-opinion', reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** The graph question a request asks, if it is one. */
function graphQuestion(req: ResourceRequest): { kind: RefKind; namespace: string; name: string } | undefined {
  const { resource, name, namespace, verb, subresource } = req;
  if (!name || !namespace || resource.group !== '') return undefined;
  if (GRAPH_KINDS.has(resource.plural) && verb === 'get' && !subresource) return { kind: resource.plural as RefKind, namespace, name };
  if (resource.plural === 'serviceaccounts' && ((verb === 'get' && !subresource) || (verb === 'create' && subresource === 'token')))
    return { kind: 'serviceaccounts', namespace, name };
  return undefined;
}

function isPodNetworkConfigMap(req: ResourceRequest): boolean {
  if (req.resource.plural !== 'configmaps' || req.resource.group !== '' || req.namespace !== POD_NETWORK_CONFIGMAP.namespace || req.subresource) return false;
  if (req.verb === 'get') return req.name === POD_NETWORK_CONFIGMAP.name;
  return (req.verb === 'list' || req.verb === 'watch') && req.fieldRequirements?.['metadata.name'] === POD_NETWORK_CONFIGMAP.name;
}

export function authorizeNode(user: UserInfo, req: ResourceRequest, graph?: NodeGraphView): Decision {
  const node = nodeNameOf(user);
  if (node === undefined) return { allowed: 'no-opinion' };
  if (node === '') return noOpinion(`unknown node for user "${user.name}"`);
  const { resource, name, subresource, namespace, verb } = req;
  const plural = resource.plural;
  const nobody = () => noOpinion(`the node authorizer does not grant nodes ${verb} on ${resourceLabel(req)}`);

  if (isPodNetworkConfigMap(req)) return ALLOW;
  const q = graphQuestion(req);
  if (q) {
    if (graph?.hasPath(node, q.kind, q.namespace, q.name)) return ALLOW;
    return noOpinion(`no relationship found between node '${node}' and this object`);
  }
  if (GRAPH_KINDS.has(plural) || plural === 'serviceaccounts') {
    return resource.group === '' ? noOpinion(`nodes can only get individual ${plural} that pods bound to them use`) : nobody();
  }

  // pods and nodes of another group (metrics.k8s.io's PodMetrics/NodeMetrics) are not the core kinds.
  if ((plural === 'pods' || plural === 'nodes') && resource.group !== '') return nobody();
  switch (plural) {
    case 'pods':
      if (verb === 'get' && !subresource) return ALLOW;
      if (verb === 'list' || verb === 'watch') {
        return req.fieldRequirements?.['spec.nodeName'] === node ? ALLOW : noOpinion(`nodes can only list/watch pods with fieldSelector spec.nodeName=${node}`);
      }
      if (name && subresource === 'status' && (verb === 'update' || verb === 'patch')) return { allowed: 'if-pod-bound', nodeName: node };
      if (name && !subresource && verb === 'delete') return { allowed: 'if-pod-bound', nodeName: node };
      return nobody();
    case 'nodes':
      if (READ_VERBS.has(verb) && (!subresource || subresource === 'status')) return ALLOW;
      // create has no name in the URL: the route checks the body's name.
      if (verb === 'create' && !name) return ALLOW;
      if (name !== node && verb !== 'deletecollection') return deny(`node '${node}' may only modify its own Node (NodeRestriction)`);
      if ((verb === 'update' || verb === 'patch') && (!subresource || subresource === 'status')) return ALLOW;
      return nobody();
    case 'leases':
      if (resource.group !== 'coordination.k8s.io' || !NODE_LEASE_NAMESPACES.includes(namespace ?? '')) return nobody();
      if (verb === 'create' && !name) return ALLOW;
      if (name === node && ['get', 'update', 'patch', 'delete'].includes(verb)) return ALLOW;
      if (name !== undefined && name !== node && !READ_VERBS.has(verb)) return deny(`node '${node}' may only modify its own Lease (NodeRestriction)`);
      return nobody();
    case 'events':
      return verb === 'create' || verb === 'patch' || verb === 'update' ? ALLOW : nobody();
    case 'certificatesigningrequests':
      // Renewal: a node asks for its next client certificate and waits for it (as the
      // rules of Kubernetes' system:node role); csrapproving checks the request is its own.
      return resource.group === 'certificates.k8s.io' && !subresource && ['create', 'get', 'list', 'watch'].includes(verb) ? ALLOW : nobody();
    case 'services':
    case 'endpoints':
    case 'endpointslices':
      return READ_VERBS.has(verb) && !subresource ? ALLOW : nobody();
    case 'namespaces':
      return verb === 'get' && name === 'kube-system' && !subresource ? ALLOW : nobody();
    default:
      return nobody();
  }
}

/**
 * Before a node's refusal of a graph-governed request is final: give the graph the time
 * to see a binding written a moment ago (node-graph.ts catchUp). true = ask again.
 */
function settleNode(user: UserInfo, req: ResourceRequest, graph: NodeGraphView): (() => Promise<boolean>) | undefined {
  const node = nodeNameOf(user);
  const q = graphQuestion(req);
  if (!node || !q) return undefined;
  return () => graph.catchUp(node, q.kind, q.namespace, q.name, GRAPH_CATCH_UP_MS);
}

/**
 * The Node authorizer. Unbound (as listed in BuildServerOptions.authorizers) it has no
 * graph and grants no Secret/ConfigMap/claim read; the server binds it to its graph.
 */
export const nodeAuthorizer: Authorizer = {
  name: 'Node',
  authorize: (user, req) => authorizeNode(user, req),
  bind: (deps: AuthorizerDeps): Authorizer => ({
    name: 'Node',
    authorize: (user, req) => authorizeNode(user, req, deps.nodeGraph),
    settle: (user, req) => settleNode(user, req, deps.nodeGraph),
  }),
};

export function forbiddenError(user: UserInfo, req: ResourceRequest, reason?: string): ApiError {
  // Kubernetes' NewForbidden + forbiddenMessage: `pods "p" is forbidden: User ... at the cluster scope`.
  const qualified = `${req.resource.plural}${req.resource.group ? '.' + req.resource.group : ''}`;
  const what = req.name ? `${qualified} "${req.name}" is forbidden: ` : `${qualified} is forbidden: `;
  const where = req.namespace ? ` in the namespace "${req.namespace}"` : ' at the cluster scope';
  return errors.forbidden(
    `${what}User "${user.name}" cannot ${req.verb} resource "${resourceLabel(req)}" in API group "${req.resource.group}"${where}${reason ? `: ${reason}` : ''}`,
  );
}
