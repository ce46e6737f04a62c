// The records one Service gives the cluster zone, from the Service and the EndpointSlices
// labelled with its name (Kubernetes' DNS specification, sections 2.3 to 2.5). Pure: the
// zone (cluster-zone.ts) calls it again whenever the Service or one of its slices changes.

import { isIP } from 'node:net';
import type { Answer, SrvAnswer } from 'dns-packet';
import type { Endpoint, EndpointSlice, Service } from '../../api/types.js';
import { dashedIp, reverseName, serviceName, srvName } from './dns-names.js';

/** Every record lives 5 s in a client's cache: a changed endpoint is seen within that. */
export const RECORD_TTL = 5;

export interface ServiceRecords {
  /** Records of names under `<svc>.<ns>.svc.<domain>` (lowercase owner names). */
  records: Answer[];
  /** PTR records (owner: a reverse name) pointing at this service's names. */
  ptrs: Answer[];
}

const a = (name: string, ip: string): Answer => ({ name, type: isIP(ip) === 6 ? 'AAAA' : 'A', ttl: RECORD_TTL, class: 'IN', data: ip });

/** Ready as Kubernetes reads it: an unset condition counts as ready. */
function isReady(e: Endpoint): boolean {
  return e.conditions?.ready !== false;
}

function ptrs(ips: string[], target: string): Answer[] {
  const out: Answer[] = [];
  for (const ip of ips) {
    const owner = reverseName(ip);
    if (owner) out.push({ name: owner, type: 'PTR', ttl: RECORD_TTL, class: 'IN', data: target });
  }
  return out;
}

function clusterIPs(svc: Service): string[] {
  const ips = svc.spec.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => isIP(ip) !== 0);
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === 'None';
}

export function buildServiceRecords(svc: Service, slices: Iterable<EndpointSlice>, domain: string): ServiceRecords {
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const own = serviceName(name, ns, domain);
  const records: Answer[] = [];
  const ptr: Answer[] = [];

  if (svc.spec.type === 'ExternalName') {
    const target = svc.spec.externalName?.replace(/\.$/, '');
    if (target) records.push({ name: own, type: 'CNAME', ttl: RECORD_TTL, class: 'IN', data: target });
    return { records, ptrs: ptr };
  }

  if (!isHeadless(svc)) {
    const ips = clusterIPs(svc);
    if (ips.length === 0) return { records, ptrs: ptr }; // not allocated yet: no name
    for (const ip of ips) records.push(a(own, ip));
    for (const p of svc.spec.ports ?? []) {
      if (!p.name) continue; // unnamed ports have no SRV record
      records.push({ name: srvName(p.name, (p.protocol ?? 'TCP').toLowerCase(), name, ns, domain), type: 'SRV', ttl: RECORD_TTL, class: 'IN', data: { priority: 0, weight: 100, port: p.port, target: own } });
    }
    ptr.push(...ptrs(ips, own));
    return { records, ptrs: ptr };
  }

  // Headless: the ready endpoints (every endpoint with publishNotReadyAddresses), each
  // under its hostname, or a name made of its address when it has none.
  const all = svc.spec.publishNotReadyAddresses === true;
  const srv = new Map<string, SrvAnswer[]>();
  const seen = new Set<string>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    for (const e of slice.endpoints ?? []) {
      if (!all && !isReady(e)) continue;
      const addrs = e.addresses.filter((ip) => isIP(ip) !== 0);
      if (addrs.length === 0) continue;
      const host = `${(e.hostname ?? dashedIp(addrs[0]!)).toLowerCase()}.${own}`;
      for (const ip of addrs) {
        // One address in two slices (a slice being replaced) is still one record.
        if (seen.has(`${host} ${ip}`)) continue;
        seen.add(`${host} ${ip}`);
        records.push(a(own, ip), a(host, ip));
        ptr.push(...ptrs([ip], host));
      }
      for (const p of slice.ports ?? []) {
        if (!p.name || p.port === undefined) continue;
        const owner = srvName(p.name, (p.protocol ?? 'TCP').toLowerCase(), name, ns, domain);
        const list = srv.get(owner) ?? [];
        if (!list.some((r) => r.data.target === host && r.data.port === p.port)) {
          list.push({ name: owner, type: 'SRV', ttl: RECORD_TTL, class: 'IN', data: { priority: 0, weight: 100, port: p.port, target: host } });
        }
        srv.set(owner, list);
      }
    }
  }
  // The same owner name with the same address twice (two endpoints, one hostname) is one record.
  const unique = new Map(records.map((r) => [`${r.name} ${r.type} ${String((r as { data?: unknown }).data)}`, r]));
  records.length = 0;
  records.push(...unique.values());
  for (const list of srv.values()) {
    // Weights share 100 among the targets (RFC 2782: the chance of each), as CoreDNS does.
    const w = Math.max(1, Math.floor(100 / list.length));
    for (const r of list) records.push({ ...r, data: { ...r.data, weight: w } });
  }
  return { records, ptrs: ptr };
}
