// The pod network as the Node objects carry it (pure): each node's ranges (spec.podCIDRs),
// the address peers reach it at and its VTEP MAC (annotations the node's own agent
// publishes), and the NetworkUnavailable condition the agent sets once its node is
// programmed.

import type { Node, NodeCondition } from '../../api/types.js';
import type { Backend, NetworkPeer } from './route-plan.js';

export const ANNOTATION_BACKEND = 'orch.io/backend';
export const ANNOTATION_PUBLIC_IP = 'orch.io/public-ip';
export const ANNOTATION_VTEP_MAC = 'orch.io/vtep-mac';
export const CONDITION_NETWORK = 'NetworkUnavailable';

export function podCIDRsOf(node: Node | undefined): string[] {
  const s = node?.spec;
  if (s?.podCIDRs?.length) return [...s.podCIDRs];
  return s?.podCIDR ? [s.podCIDR] : [];
}

/** A node as a peer: its published public IP, else its InternalIP; undefined without either. */
export function peerOf(node: Node): NetworkPeer | undefined {
  const a = node.metadata.annotations ?? {};
  const nodeIP = a[ANNOTATION_PUBLIC_IP] || node.status?.addresses?.find((x) => x.type === 'InternalIP')?.address;
  if (!nodeIP) return undefined;
  return { name: node.metadata.name!, podCIDRs: podCIDRsOf(node), nodeIP, vtepMac: a[ANNOTATION_VTEP_MAC] || undefined };
}

/** What of another node its routes depend on (planRoutes reads only this). */
export function peerFingerprint(node: Node): string {
  return JSON.stringify(peerOf(node) ?? null);
}

/** What of a Node the network depends on: a change elsewhere (a heartbeat) needs no reconcile. */
export function networkFingerprint(node: Node): string {
  const a = node.metadata.annotations ?? {};
  const cond = node.status?.conditions?.find((c) => c.type === CONDITION_NETWORK);
  return JSON.stringify([podCIDRsOf(node), a[ANNOTATION_BACKEND], a[ANNOTATION_PUBLIC_IP], a[ANNOTATION_VTEP_MAC], peerOf(node)?.nodeIP, cond?.status, cond?.reason]);
}

/**
 * The annotations this node must carry, as a merge patch of metadata.annotations (null
 * removes one), or undefined when they are already right.
 */
export function annotationPatch(node: Node | undefined, backend: Backend, publicIP: string, vtepMac: string | undefined): Record<string, string | null> | undefined {
  const have = node?.metadata.annotations ?? {};
  const want: Record<string, string | null> = { [ANNOTATION_BACKEND]: backend, [ANNOTATION_PUBLIC_IP]: publicIP, [ANNOTATION_VTEP_MAC]: vtepMac ?? null };
  const patch = Object.fromEntries(Object.entries(want).filter(([k, v]) => (have[k] ?? null) !== v));
  return Object.keys(patch).length ? patch : undefined;
}

/** The node's conditions with NetworkUnavailable set (others kept); undefined when nothing changes. */
export function withNetworkCondition(conditions: NodeCondition[] | undefined, want: Pick<NodeCondition, 'status' | 'reason' | 'message'>, now: string): NodeCondition[] | undefined {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === CONDITION_NETWORK);
  if (prev && prev.status === want.status && prev.reason === want.reason && prev.message === want.message) return undefined;
  const c: NodeCondition = {
    type: CONDITION_NETWORK,
    ...want,
    lastHeartbeatTime: now,
    lastTransitionTime: prev && prev.status === want.status ? (prev.lastTransitionTime ?? now) : now,
  };
  return [...list.filter((x) => x.type !== CONDITION_NETWORK), c];
}
