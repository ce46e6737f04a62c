// `orch describe svc|endpointslice NAME`, printed as kubectl v1.32 prints them (its
// describeService / describeEndpointSliceV1 and DescribeEvents), aligned the same way
// (printers/tabwriter.ts), so both tools show the same text. A Service's Endpoints line
// per port lists the ready addresses of the EndpointSlices labelled with its name, as
// kubectl v1.32 reads them; against a server without EndpointSlices, the Endpoints object.

import type { Endpoints, EndpointSlice, Event, Service } from '../../api/types.js';
import { labelsCell } from '../../api/tables/core.js';
import { timestampAge } from '../../api/tables/duration.js';
import { endpointsCell, joinHostPort } from '../../api/tables/services.js';
import { LAST_APPLIED_ANNOTATION } from '../apply-patch.js';
import { tabbed } from '../printers/tabwriter.js';

/** Longest annotation kubectl prints on one line; longer ones go below their key, cut here. */
const MAX_ANNOTATION = 140;
const MAX_LISTED = 3;

function labelsMultiline(title: string, labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (!keys.length) return `${title}:\t<none>\n`;
  return keys.map((k, i) => `${i ? '\t' : `${title}:\t`}${k}=${labels![k]}\n`).join('');
}

function annotationsMultiline(annotations: Record<string, string> | undefined): string {
  const keys = Object.keys(annotations ?? {}).filter((k) => k !== LAST_APPLIED_ANNOTATION).sort();
  if (!keys.length) return 'Annotations:\t<none>\n';
  return keys
    .map((k, i) => {
      const lead = i ? '\t' : 'Annotations:\t';
      const value = annotations![k]!.replace(/\n$/, '');
      if (value.length + k.length + 2 <= MAX_ANNOTATION && !value.includes('\n')) return `${lead}${k}: ${value}\n`;
      const cut = (s: string) => (s.length > MAX_ANNOTATION - 2 ? `${s.slice(0, MAX_ANNOTATION - 2)}...` : s);
      return `${lead}${k}:\n${value.split('\n').map((s) => `\t  ${cut(s)}\n`).join('')}`;
    })
    .join('');
}

/** The Events section (kubectl's DescribeEvents): oldest first, "(xN over AGE)" for repeats. */
export function kubectlEvents(events: Event[], now: number): string {
  if (!events.length) return 'Events:\t<none>\n';
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp ?? '') - Date.parse(b.lastTimestamp ?? '') || 0);
  const rows = sorted.map((e) => {
    const first = timestampAge(e.eventTime || e.firstTimestamp, now);
    const interval = (e.count ?? 0) > 1 ? `${timestampAge(e.lastTimestamp, now)} (x${e.count} over ${first})` : first;
    return `  ${e.type ?? ''}\t${e.reason ?? ''}\t${interval}\t${e.source?.component || e.reportingComponent || ''}\t${(e.message ?? '').trim()}\n`;
  });
  return `Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n${rows.join('')}`;
}

/** Where a Service's endpoints come from: its EndpointSlices, or (older servers) its Endpoints object. */
export type ServiceEndpoints = { slices: EndpointSlice[] } | { endpoints: Endpoints | undefined };

/**
 * The ready addresses of the slices' ports named in `portNames` (kubectl's
 * formatEndpointSlices): the first address of each endpoint whose ready condition is not
 * false, the first three, then " + N more..."; slices without ports list bare addresses.
 */
export function sliceEndpointsForPort(slices: EndpointSlice[], portNames: ReadonlySet<string>): string {
  if (!slices.length) return '<none>';
  const list: string[] = [];
  let count = 0;
  const add = (s: string) => {
    if (list.length < MAX_LISTED) list.push(s);
    count++;
  };
  for (const s of slices) {
    const ready = (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false && e.addresses?.length);
    if (!s.ports?.length) {
      for (const e of ready) add(e.addresses[0]!);
      continue;
    }
    for (const p of s.ports) {
      if (!portNames.has(p.name ?? '')) continue;
      for (const e of ready) add(joinHostPort(e.addresses[0]!, p.port ?? 0));
    }
  }
  return count > MAX_LISTED ? `${list.join(',')} + ${count - MAX_LISTED} more...` : list.join(',');
}

function endpointsLine(src: ServiceEndpoints, portNames: ReadonlySet<string>): string {
  if ('slices' in src) return sliceEndpointsForPort(src.slices, portNames);
  return src.endpoints ? endpointsCell(src.endpoints, portNames) : '<none>';
}

export function describeService(svc: Service, src: ServiceEndpoints, events: Event[], now: number): string {
  const spec = svc.spec ?? {};
  let out = `Name:\t${svc.metadata.name ?? ''}\nNamespace:\t${svc.metadata.namespace ?? ''}\n`;
  out += labelsMultiline('Labels', svc.metadata.labels);
  out += annotationsMultiline(svc.metadata.annotations);
  out += `Selector:\t${labelsCell(spec.selector)}\nType:\t${spec.type ?? ''}\n`;
  if (spec.ipFamilyPolicy) out += `IP Family Policy:\t${spec.ipFamilyPolicy}\n`;
  out += `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`;
  out += `IP:\t${spec.clusterIP ?? ''}\nIPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`;
  if (spec.externalIPs?.length) out += `External IPs:\t${spec.externalIPs.join(',')}\n`;
  if (spec.externalName) out += `External Name:\t${spec.externalName}\n`;
  const ingress = svc.status?.loadBalancer?.ingress ?? [];
  if (ingress.length) out += `LoadBalancer Ingress:\t${ingress.map((i) => i.ip || i.hostname || '').join(', ')}\n`;
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const protocol = p.protocol ?? '';
    out += `Port:\t${name}\t${p.port}/${protocol}\nTargetPort:\t${p.targetPort ?? 0}/${protocol}\n`;
    if (p.nodePort) out += `NodePort:\t${name}\t${p.nodePort}/${protocol}\n`;
    out += `Endpoints:\t${endpointsLine(src, new Set([p.name ?? '']))}\n`;
  }
  out += `Session Affinity:\t${spec.sessionAffinity ?? ''}\n`;
  if (spec.externalTrafficPolicy) out += `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`;
  if (spec.internalTrafficPolicy) out += `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`;
  if (spec.healthCheckNodePort) out += `HealthCheck NodePort:\t${spec.healthCheckNodePort}\n`;
  return tabbed(out + kubectlEvents(events, now));
}

export function describeEndpointSlice(s: EndpointSlice, events: Event[], now: number): string {
  let out = `Name:\t${s.metadata.name ?? ''}\nNamespace:\t${s.metadata.namespace ?? ''}\n`;
  out += labelsMultiline('Labels', s.metadata.labels);
  out += annotationsMultiline(s.metadata.annotations);
  out += `AddressType:\t${s.addressType ?? ''}\n`;
  if (!s.ports?.length) out += 'Ports: <unset>\n';
  else {
    out += 'Ports:\n  Name\tPort\tProtocol\n  ----\t----\t--------\n';
    for (const p of s.ports) out += `  ${p.name || '<unset>'}\t${p.port ?? '<unset>'}\t${p.protocol ?? ''}\n`;
  }
  if (!s.endpoints?.length) out += 'Endpoints: <none>\n';
  else {
    out += 'Endpoints:\n';
    for (const e of s.endpoints) {
      out += `  - Addresses:\t${e.addresses?.length ? e.addresses.join(', ') : '<none>'}\n    Conditions:\n`;
      out += `      Ready:\t${e.conditions?.ready === undefined ? '<unset>' : String(e.conditions.ready)}\n`;
      out += `    Hostname:\t${e.hostname ?? '<unset>'}\n`;
      if (e.targetRef) out += `    TargetRef:\t${e.targetRef.kind ?? ''}/${e.targetRef.name ?? ''}\n`;
      out += `    NodeName:\t${e.nodeName ?? '<unset>'}\n    Zone:\t${e.zone ?? '<unset>'}\n`;
    }
  }
  return tabbed(out + kubectlEvents(events, now));
}
