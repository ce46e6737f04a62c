// What the endpoint controllers (EndpointSlice, Endpoints, LoadBalancer status) share:
// which pods back a Service, their conditions, their address of an IP family, and how a
// Service port maps onto each pod (a named targetPort is looked up in the pod's own
// container ports, so pods of one Service may listen on different numbers). Pure
// functions over API objects, Kubernetes' rules (pkg/controller/util/endpoint and
// endpointslice/util), unit-tested without a cluster.

import { isIPv4, isIPv6 } from 'node:net';
import type { EndpointConditions, EndpointPort, EndpointSlice, ObjectReference, Pod, Service, ServicePort } from '../../api/types.js';
import type { InformerView } from './types.js';
import { isPodReady } from '../../api/meta.js';

export type AddressType = 'IPv4' | 'IPv6';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.orch.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** A Service the endpoint controllers keep endpoints for: it has a (non-empty) selector and is not ExternalName. */
export function hasSelector(svc: Service): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0 && svc.spec.type !== 'ExternalName';
}

export function selects(svc: Service, pod: Pod): boolean {
  if (!hasSelector(svc) || pod.metadata.namespace !== svc.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(svc.spec.selector!).every(([k, v]) => labels[k] === v);
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

function familyOf(ip: string): AddressType | undefined {
  return isIPv4(ip) ? 'IPv4' : isIPv6(ip) ? 'IPv6' : undefined;
}

/** The pod's addresses (status.podIPs, or the single podIP). */
export function podIps(pod: Pod): string[] {
  const list = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => typeof ip === 'string' && ip !== '');
  if (list.length === 0 && pod.status?.podIP) list.push(pod.status.podIP);
  return list;
}

export function podIpOfFamily(pod: Pod, family: AddressType): string | undefined {
  return podIps(pod).find((ip) => familyOf(ip) === family);
}

/**
 * Whether a pod appears among a Service's endpoints at all (ShouldPodBeInEndpoints): on a
 * node, with an address, not finished; a terminating pod only when includeTerminating
 * (EndpointSlices always list it, with terminating: true; Endpoints only with
 * publishNotReadyAddresses).
 */
export function isEndpointCandidate(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (!pod.spec?.nodeName || podIps(pod).length === 0) return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/**
 * Kubernetes' endpoint conditions: serving = the pod's Ready condition; terminating =
 * deletionTimestamp set; ready = serving and not terminating, or always with
 * publishNotReadyAddresses (DNS names for pods before they are ready, StatefulSet peers).
 */
export function endpointConditions(pod: Pod, svc: Service): Required<EndpointConditions> {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = svc.spec.publishNotReadyAddresses === true || (serving && !terminating);
  return { ready, serving, terminating };
}

/** The hostname a pod has under a Service: spec.hostname when spec.subdomain names this Service. */
export function podHostname(pod: Pod, svc: Service): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec.subdomain === svc.metadata.name ? h : undefined;
}

export function podRef(pod: Pod): ObjectReference {
  return { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
}

/**
 * The number a Service port reaches on this pod (FindPort): a number as is (a string of
 * digits counts as a number), absent means the service port itself, a name is looked up
 * among the pod's container ports with the same protocol; undefined when the pod has no
 * such port.
 */
export function resolveTargetPort(sp: ServicePort, pod: Pod): number | undefined {
  const tp = sp.targetPort;
  if (tp === undefined || tp === null || tp === 0 || tp === '') return sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** The pod's endpoint ports for a Service: one per service port it resolves (the others are left out, as Kubernetes does). */
export function podEndpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec.ports ?? []) {
    const port = resolveTargetPort(sp, pod);
    if (port === undefined) continue;
    const ep: EndpointPort = { name: sp.name ?? '', protocol: sp.protocol ?? 'TCP', port };
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

/** A canonical key of a port mapping: pods with equal keys can share a slice / subset. */
export function portsKey(ports: readonly EndpointPort[] | undefined): string {
  return JSON.stringify(
    [...(ports ?? [])]
      .map((p) => [p.name ?? '', p.protocol ?? 'TCP', p.port ?? 0, p.appProtocol ?? ''])
      .sort((a, b) => (a.join('|') < b.join('|') ? -1 : a.join('|') > b.join('|') ? 1 : 0)),
  );
}

/**
 * The address types a Service's endpoints come in: its spec.ipFamilies, else the family
 * of its cluster IP, else (headless without families) whatever families the pods have.
 */
export function serviceAddressTypes(svc: Service, pods: readonly Pod[]): AddressType[] {
  const fams = (svc.spec.ipFamilies ?? []).filter((f): f is AddressType => f === 'IPv4' || f === 'IPv6');
  if (fams.length > 0) return [...new Set(fams)];
  const ipFam = svc.spec.clusterIP ? familyOf(svc.spec.clusterIP) : undefined;
  if (ipFam) return [ipFam];
  const seen = new Set<AddressType>();
  for (const p of pods) for (const ip of podIps(p)) {
    const f = familyOf(ip);
    if (f) seen.add(f);
  }
  return seen.size > 0 ? [...seen].sort() : ['IPv4'];
}

/** Labels of a Service's endpoint objects: the Service's own labels plus Kubernetes' markers. */
export function endpointLabels(svc: Service, extra: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  delete labels[HEADLESS_LABEL];
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return { ...labels, ...extra };
}

/** Index of slices by the Service they belong to: "namespace/service-name". */
export const SLICE_SERVICE_INDEX = 'endpointslice-service';

export function sliceServiceKey(s: EndpointSlice): string | undefined {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${s.metadata.namespace}/${svc}` : undefined;
}

export function ensureSliceServiceIndex(inf: InformerView<EndpointSlice>): void {
  try {
    inf.addIndex(SLICE_SERVICE_INDEX, (s) => {
      const k = sliceServiceKey(s);
      return k ? [k] : [];
    });
  } catch {
    /* another controller sharing the informer added it */
  }
}
