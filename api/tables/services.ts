// Services and their endpoints as `kubectl get` prints them (kubectl's printService,
// printEndpoints, printEndpointSlice): services, endpoints, endpointslices. The server
// always computes the wide cells (Kubernetes' table convertor prints with Wide: true), so
// EXTERNAL-IP of a LoadBalancer lists every ingress address, never cut short.

import type { EndpointPort, Endpoints, EndpointSlice, KubeObject, Service } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { labelsCell } from './core.js';
import { timestampAge } from './duration.js';

const age = (o: KubeObject, now: number) => timestampAge(o.metadata.creationTimestamp, now);

/** How many entries a list cell shows before " + N more..." (kubectl's formatEndpoints). */
const MAX_LISTED = 3;

/** "a,b,c + 2 more..." from the first entries and the total count. */
function listWithMore(list: string[], count: number, empty: string): string {
  if (count > MAX_LISTED) return `${list.slice(0, MAX_LISTED).join(',')} + ${count - MAX_LISTED} more...`;
  return list.length ? list.join(',') : empty;
}

/** host:port, with IPv6 addresses in brackets (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** PORT(S): "80:30080/TCP,53/UDP" (makePortString); '<none>' without ports. */
export function servicePortsCell(s: Service): string {
  const ports = (s.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`);
  return ports.length ? ports.join(',') : '<none>';
}

/** The load balancer's ingress IPs (else hostnames), sorted and de-duplicated, comma-separated. */
export function loadBalancerIngress(s: Service): string {
  const set = new Set<string>();
  for (const i of s.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

/** EXTERNAL-IP (getServiceExternalIP): externalIPs; LoadBalancer ingress or <pending>; the ExternalName. */
export function serviceExternalIP(s: Service): string {
  const externalIPs = s.spec?.externalIPs ?? [];
  switch (s.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIngress(s);
      const all = [...(lb ? lb.split(',') : []), ...externalIPs];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s.spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** CLUSTER-IP: the first of clusterIPs ("None" when headless); '<none>' before one is set. */
export function serviceClusterIP(s: Service): string {
  return s.spec?.clusterIPs?.[0] || s.spec?.clusterIP || '<none>';
}

/**
 * ENDPOINTS of an Endpoints object: ip:port per ready address and port, the first three,
 * then " + N more..." (formatEndpoints). `portNames` keeps only the ports of those names
 * (describe svc, per service port); subsets without ports list bare IPs (headless).
 */
export function endpointsCell(ep: Endpoints, portNames?: ReadonlySet<string>): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) if (list.length < MAX_LISTED) list.push(a.ip);
      continue;
    }
    for (const port of ss.ports) {
      if (portNames && !portNames.has(port.name ?? '')) continue;
      count += addrs.length;
      for (const a of addrs) if (list.length < MAX_LISTED) list.push(joinHostPort(a.ip, port.port));
    }
  }
  return listWithMore(list, count, '');
}

/** PORTS of a slice: numbers (a name, or "*", when the port is unset), "<unset>" without any. */
export function slicePortsCell(ports: EndpointPort[] | undefined): string {
  const list = (ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*')));
  return listWithMore(list, list.length, '<unset>');
}

/** ENDPOINTS of a slice: every address of every endpoint, ready or not (formatDiscoveryEndpoints). */
export function sliceEndpointsCell(s: EndpointSlice): string {
  const list = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(list, list.length, '<unset>');
}

export const SERVICE_TABLES: Record<string, KindTable> = {
  services: {
    columns: [NAME, column('Type'), column('Cluster-IP'), column('External-IP'), column('Port(s)'), AGE, column('Selector', 'string', { wide: true })],
    row(o, now) {
      const s = o as Service;
      return [s.metadata.name ?? '', s.spec?.type ?? '', serviceClusterIP(s), serviceExternalIP(s), servicePortsCell(s), age(s, now), labelsCell(s.spec?.selector)];
    },
  },
  endpoints: {
    columns: [NAME, column('Endpoints'), AGE],
    row: (o, now) => [o.metadata.name ?? '', endpointsCell(o as Endpoints), age(o, now)],
  },
  endpointslices: {
    columns: [NAME, column('AddressType'), column('Ports'), column('Endpoints'), AGE],
    row(o, now) {
      const s = o as EndpointSlice;
      return [s.metadata.name ?? '', s.addressType ?? '', slicePortsCell(s.ports), sliceEndpointsCell(s), age(s, now)];
    },
  },
};
