// Where a LoadBalancer Service is reachable without a cloud (k3s's servicelb idea): the
// proxy opens the service port on every node, so the balancer's "ingress" is the set of
// InternalIP addresses of the nodes that can take traffic — Ready and schedulable — and
// with externalTrafficPolicy Local only those that run a ready endpoint of the Service
// (the others would drop the traffic, since Local never forwards to another node).

import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointSlice, Node, Service } from '../../api/types.js';

export type LoadBalancerIngress = { ip: string };

function nodeReady(n: Node): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Nodes with a ready endpoint in any of the Service's slices (ours or hand-written). */
export function nodesWithReadyEndpoints(slices: readonly EndpointSlice[]): Set<string> {
  const out = new Set<string>();
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.nodeName && e.conditions?.ready !== false) out.add(e.nodeName);
  return out;
}

export function loadBalancerIngress(svc: Service, nodes: readonly Node[], slices: readonly EndpointSlice[]): LoadBalancerIngress[] {
  const families = svc.spec.ipFamilies ?? [];
  const familyOk = (ip: string) => (families.length === 0 ? isIPv4(ip) || isIPv6(ip) : (isIPv4(ip) && families.includes('IPv4')) || (isIPv6(ip) && families.includes('IPv6')));
  const local = svc.spec.externalTrafficPolicy === 'Local' ? nodesWithReadyEndpoints(slices) : undefined;
  const ips = new Set<string>();
  for (const n of nodes) {
    if (!nodeReady(n) || n.spec?.unschedulable || n.metadata.deletionTimestamp) continue;
    if (local && !local.has(n.metadata.name!)) continue;
    for (const a of n.status?.addresses ?? []) if (a.type === 'InternalIP' && familyOk(a.address)) ips.add(a.address);
  }
  // IPv4 before IPv6, then in address order: a stable list, written only when it changes.
  return [...ips].sort((a, b) => Number(isIPv6(a)) - Number(isIPv6(b)) || (a < b ? -1 : a > b ? 1 : 0)).map((ip) => ({ ip }));
}
