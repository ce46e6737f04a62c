// The legacy Endpoints object's subsets from a Service and its pods, with Kubernetes'
// rules (endpoints controller + RepackSubsets): one address per pod (of the Service's
// primary IP family), ready pods under addresses and the others under notReadyAddresses
// (all under addresses with publishNotReadyAddresses), terminating pods left out (kept,
// as ready, with publishNotReadyAddresses), and pods grouped into one subset per
// identical set of resolved ports. Sorted, so equal inputs give equal objects.

import { isIPv6 } from 'node:net';
import type { EndpointAddress, EndpointPort, Endpoints, Pod, Service } from '../../api/types.js';
import { isPodReady } from '../../api/meta.js';
import { isEndpointCandidate, isHeadless, podEndpointPorts, podHostname, podIpOfFamily, podIps, podRef, portsKey, type AddressType } from '../shared/service-pods.js';

type Subset = NonNullable<Endpoints['subsets']>[number];
type SubsetPort = NonNullable<Subset['ports']>[number];

/** The family of the Service's primary cluster IP (ipFamilies[0]); undefined when it has none (headless, legacy). */
function primaryFamily(svc: Service): AddressType | undefined {
  const fam = svc.spec.ipFamilies?.[0];
  if (fam) return fam;
  const ip = svc.spec.clusterIP;
  if (!ip || ip === 'None') return undefined;
  return isIPv6(ip) ? 'IPv6' : 'IPv4';
}

function address(pod: Pod, svc: Service, ip: string): EndpointAddress {
  const a: EndpointAddress = { ip };
  const hostname = podHostname(pod, svc);
  if (hostname) a.hostname = hostname;
  if (pod.spec.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = podRef(pod);
  return a;
}

function subsetPort(p: EndpointPort): SubsetPort {
  const out: SubsetPort = { port: p.port! };
  if (p.name) out.name = p.name;
  out.protocol = p.protocol ?? 'TCP';
  if (p.appProtocol) out.appProtocol = p.appProtocol;
  return out;
}

const byIp = (a: EndpointAddress, b: EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

export function endpointSubsets(svc: Service, selected: readonly Pod[]): Subset[] {
  const tolerateUnready = svc.spec.publishNotReadyAddresses === true;
  const family = primaryFamily(svc);
  const noPorts = (svc.spec.ports ?? []).length === 0;
  const groups = new Map<string, { ports: SubsetPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of selected) {
    if (!isEndpointCandidate(pod, tolerateUnready)) continue;
    const ip = family ? podIpOfFamily(pod, family) : podIps(pod)[0];
    if (!ip) continue;
    const ports = podEndpointPorts(svc, pod);
    // Without resolved ports a pod is listed only for a headless Service without ports (DNS).
    if (ports.length === 0 && !(noPorts && isHeadless(svc))) continue;
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: ports.map(subsetPort), ready: [], notReady: [] }));
    (tolerateUnready || isPodReady(pod) ? g.ready : g.notReady).push(address(pod, svc, ip));
  }
  const subsets: Subset[] = [];
  for (const [, g] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const s: Subset = {};
    if (g.ready.length) s.addresses = g.ready.sort(byIp);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
    if (g.ports.length) s.ports = g.ports.sort((a, b) => (`${a.name ?? ''}|${a.port}` < `${b.name ?? ''}|${b.port}` ? -1 : 1));
    subsets.push(s);
  }
  return subsets;
}

/** Kubernetes' cap on the addresses of one Endpoints object (EndpointSlices have no such cap). */
export const MAX_ENDPOINTS_ADDRESSES = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

/**
 * Subsets cut to at most `max` addresses (ready ones first, as Kubernetes keeps what
 * clients route to), and whether anything was cut: the object then carries
 * endpoints.kubernetes.io/over-capacity: truncated, and readers should use the slices.
 */
export function truncateSubsets(subsets: Subset[], max = MAX_ENDPOINTS_ADDRESSES): { subsets: Subset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return { subsets, truncated: false };
  let left = max;
  const take = (list: EndpointAddress[] | undefined) => {
    const kept = (list ?? []).slice(0, Math.max(0, left));
    left -= kept.length;
    return kept;
  };
  const ready = subsets.map((s) => take(s.addresses));
  const notReady = subsets.map((s) => take(s.notReadyAddresses));
  const out: Subset[] = [];
  subsets.forEach((s, i) => {
    if (ready[i]!.length === 0 && notReady[i]!.length === 0) return;
    const t: Subset = {};
    if (ready[i]!.length) t.addresses = ready[i];
    if (notReady[i]!.length) t.notReadyAddresses = notReady[i];
    if (s.ports) t.ports = s.ports;
    out.push(t);
  });
  return { subsets: out, truncated: true };
}
