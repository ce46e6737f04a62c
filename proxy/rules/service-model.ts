// From API objects to what the rules need (pure): a Service, its EndpointSlices and this
// proxy's Node → one ServicePortModel per service port and IP family. Only what routes
// traffic is kept, so two models compare equal exactly when the rules would.
//
// Endpoints: every slice labelled kubernetes.io/service-name=<svc> (the controller's and
// hand-written ones alike), of the family's addressType, whose port matches the service
// port by name and protocol; an endpoint counts unless conditions.ready is false (absent
// means ready, as in Kubernetes). ExternalName and headless services have no rules.

import type { EndpointSlice, Node, Service } from '../../api/types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export type Protocol = 'tcp' | 'udp';

export interface EndpointModel {
  ip: string;
  port: number;
  /** Endpoint's nodeName is this proxy's node. */
  local: boolean;
}

export interface ServicePortModel {
  /** "ns/name:portName" (portName may be empty), plus the protocol: unique per service port. */
  name: string;
  family: 4 | 6;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  /** externalIPs and status.loadBalancer.ingress IPs of this family (service port on them). */
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** ClientIP affinity timeout in seconds (undefined: no affinity). */
  affinitySeconds?: number;
  externalLocal: boolean;
  internalLocal: boolean;
  endpoints: EndpointModel[];
}

/**
 * What the rules need of the Node: the ranges whose traffic is pod traffic (never
 * masqueraded on its way to a ClusterIP), per family. The cluster's ranges when known
 * (kube-system/orch-pod-network, as kube-proxy's --cluster-cidr): nodes sharing one network
 * namespace (`orch up --nodes 2`, the compose demo) see each other's pods' packets, and a
 * backend must still see the client pod's own address. Else the node's own pod ranges.
 */
export interface NodeModel {
  name: string;
  podCIDRs: string[];
}

export function nodeModel(nodeName: string, node: Node | undefined, clusterCIDRs?: readonly string[]): NodeModel {
  const own = node?.spec.podCIDRs?.length ? node.spec.podCIDRs : node?.spec.podCIDR ? [node.spec.podCIDR] : [];
  return { name: nodeName, podCIDRs: [...(clusterCIDRs?.length ? clusterCIDRs : own)] };
}

const familyOf = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

export function servicePorts(svc: Service, slices: readonly EndpointSlice[], nodeName: string): ServicePortModel[] {
  const spec = svc.spec;
  if (spec.type === 'ExternalName') return [];
  const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((ip) => ip && ip !== 'None');
  if (clusterIPs.length === 0) return [];
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const lbIPs = spec.type === 'LoadBalancer' ? (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])) : [];
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) : undefined;
  const out: ServicePortModel[] = [];
  for (const clusterIP of clusterIPs) {
    const family = familyOf(clusterIP);
    const addressType = family === 4 ? 'IPv4' : 'IPv6';
    for (const p of spec.ports ?? []) {
      const proto = p.protocol ?? 'TCP';
      if (proto !== 'TCP' && proto !== 'UDP') continue; // SCTP: not programmed
      const portName = p.name ?? '';
      const endpoints = new Map<string, EndpointModel>();
      for (const slice of slices) {
        if (slice.addressType !== addressType) continue;
        const sp = (slice.ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === proto);
        if (!sp?.port) continue;
        for (const e of slice.endpoints ?? []) {
          if (e.conditions?.ready === false) continue;
          const ip = e.addresses?.[0];
          if (!ip || familyOf(ip) !== family) continue;
          endpoints.set(`${ip}:${sp.port}`, { ip, port: sp.port, local: e.nodeName === nodeName });
        }
      }
      out.push({
        name: `${svc.metadata.namespace}/${svc.metadata.name}:${portName}`,
        family,
        protocol: proto === 'TCP' ? 'tcp' : 'udp',
        clusterIP,
        port: p.port,
        nodePort: external && p.nodePort ? p.nodePort : undefined,
        externalIPs: (spec.externalIPs ?? []).filter((ip) => familyOf(ip) === family),
        loadBalancerIPs: lbIPs.filter((ip) => familyOf(ip) === family),
        affinitySeconds,
        externalLocal: external && spec.externalTrafficPolicy === 'Local',
        internalLocal: spec.internalTrafficPolicy === 'Local',
        // Sorted, so the same endpoints give the same rules whatever the slices' order.
        endpoints: [...endpoints.values()].sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1)),
      });
    }
  }
  return out;
}

/** The key a service's slices are filed under: "ns/name" from the service-name label. */
export function sliceServiceKey(slice: EndpointSlice): string | undefined {
  const name = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return name ? `${slice.metadata.namespace}/${name}` : undefined;
}
