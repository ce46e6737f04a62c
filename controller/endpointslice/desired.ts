// The endpoints a Service should have, grouped the way slices hold them: one group per
// address type and port mapping (pods whose named target ports resolve to different
// numbers cannot share a slice, since a slice has one port list for all its endpoints).

import type { Endpoint, EndpointPort, Pod, Service } from '../../api/types.js';
import {
  endpointConditions,
  isEndpointCandidate,
  podEndpointPorts,
  podHostname,
  podIpOfFamily,
  podRef,
  portsKey,
  serviceAddressTypes,
  type AddressType,
} from '../shared/service-pods.js';

export interface SliceGroup {
  addressType: AddressType;
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export function groupKey(addressType: string, ports: readonly EndpointPort[] | undefined): string {
  return `${addressType}|${portsKey(ports)}`;
}

/** The endpoint a pod is for a Service, with its address of one family. */
export function podToEndpoint(pod: Pod, svc: Service, address: string): Endpoint {
  const ep: Endpoint = { addresses: [address], conditions: endpointConditions(pod, svc) };
  const hostname = podHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  if (pod.spec.nodeName) ep.nodeName = pod.spec.nodeName;
  ep.targetRef = podRef(pod);
  return ep;
}

/**
 * Desired groups for a Service over the pods of its namespace that it selects (the caller
 * filters by selector). Terminating pods stay, with terminating: true, so proxies can
 * drain them. A headless Service without ports still lists its pods (for DNS).
 */
export function desiredGroups(svc: Service, selected: readonly Pod[]): SliceGroup[] {
  const pods = selected.filter((p) => isEndpointCandidate(p, true)).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  const groups = new Map<string, SliceGroup>();
  for (const addressType of serviceAddressTypes(svc, pods)) {
    for (const pod of pods) {
      const ip = podIpOfFamily(pod, addressType);
      if (!ip) continue;
      // A pod that resolves none of the ports still gets listed (with no ports), as in
      // Kubernetes: DNS of a headless Service names it, proxies find no port to use.
      const ports = podEndpointPorts(svc, pod);
      const key = groupKey(addressType, ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType, ports, endpoints: [] }));
      g.endpoints.push(podToEndpoint(pod, svc, ip));
    }
  }
  return [...groups.values()];
}
