// Service and Endpoints validation.

import { isIP } from 'node:net';
import type { StatusCause } from '../errors.js';
import { arrayField, fe, int32Field, isObj, objField, strField, type Obj, text } from './field-errors.js';
import { validateLabels } from './meta.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';
import { enumField, PORT, PROTOCOLS, validateIntOrPortName } from './container.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;

export function validateService(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.spec === undefined || obj.spec === null) return [fe.required('spec')];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  const type = spec.type ?? 'ClusterIP';
  if (typeof type !== 'string' || !(SERVICE_TYPES as readonly string[]).includes(type)) out.push(fe.notSupported('spec.type', type, SERVICE_TYPES));
  if (spec.selector !== undefined && spec.selector !== null) out.push(...validateLabels(spec.selector, 'spec.selector'));
  validateClusterIPs(spec, type, out);
  enumField(spec.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None'], out);
  const affinity = objField(spec.sessionAffinityConfig, 'spec.sessionAffinityConfig', out);
  const clientIP = affinity && objField(affinity.clientIP, 'spec.sessionAffinityConfig.clientIP', out);
  // Kubernetes: more than 0 and at most a day.
  if (clientIP) int32Field(clientIP.timeoutSeconds, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds', out, { min: 1, max: 86400 });
  int32Field(spec.healthCheckNodePort, 'spec.healthCheckNodePort', out, { min: 0, max: 65535 });
  validateTrafficFields(spec, type, out);
  for (const f of UNSUPPORTED_FIELDS) {
    const v = spec[f];
    if (v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)) out.push(fe.forbidden(`spec.${f}`, UNSUPPORTED_WHY));
  }
  if (type === 'ExternalName') {
    const ext = strField(spec.externalName, 'spec.externalName', out);
    if (!ext) out.push(fe.required('spec.externalName'));
    else for (const e of isDns1123Subdomain(ext)) out.push(fe.invalid('spec.externalName', ext, e));
  }
  const ports = arrayField(spec.ports, 'spec.ports', out) ?? [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') out.push(fe.required('spec.ports'));
  const names = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((raw, i) => {
    const f = `spec.ports[${i}]`;
    const p = objField(raw, f, out);
    if (!p) return;
    const name = strField(p.name, `${f}.name`, out);
    if (ports.length > 1 && !name) out.push(fe.required(`${f}.name`));
    if (name) {
      for (const e of isDns1123Label(name)) out.push(fe.invalid(`${f}.name`, name, e));
      if (names.has(name)) out.push(fe.duplicate(`${f}.name`, name));
      names.add(name);
    }
    if (p.port === undefined || p.port === null) out.push(fe.required(`${f}.port`));
    else int32Field(p.port, `${f}.port`, out, PORT);
    const protocol = p.protocol ?? 'TCP';
    // SCTP is a valid Kubernetes protocol, but orch's proxy programs TCP and UDP only.
    if (protocol === 'SCTP') out.push({ ...fe.notSupported(`${f}.protocol`, protocol, SERVICE_PROTOCOLS), message: 'Unsupported value: "SCTP": orch\'s service proxy implements TCP and UDP only: supported values: "TCP", "UDP"' });
    else if (typeof protocol !== 'string' || !(PROTOCOLS as readonly string[]).includes(protocol)) out.push(fe.notSupported(`${f}.protocol`, protocol, SERVICE_PROTOCOLS));
    const key = `${text(p.port)}/${text(protocol)}`;
    if (portKeys.has(key)) out.push(fe.duplicate(f, { port: p.port, protocol }));
    portKeys.add(key);
    if (p.targetPort !== undefined && p.targetPort !== null) validateIntOrPortName(p.targetPort, `${f}.targetPort`, out);
    if (p.nodePort !== undefined && p.nodePort !== null) {
      int32Field(p.nodePort, `${f}.nodePort`, out, PORT);
      if (type === 'ClusterIP' || type === 'ExternalName') out.push(fe.forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${text(type)}'`));
    }
  });
  return out;
}

/** Fields of Kubernetes' ServiceSpec that orch has no implementation for: refused, never stored and ignored. */
const UNSUPPORTED_FIELDS = ['loadBalancerIP', 'loadBalancerSourceRanges', 'loadBalancerClass', 'trafficDistribution', 'topologyKeys'] as const;
const UNSUPPORTED_WHY = 'orch does not support this field (no cloud load balancer, no topology-aware routing)';
const SERVICE_PROTOCOLS = ['TCP', 'UDP'] as const;
const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;

/** Traffic policies, external IPs, IP families, affinity config and the LoadBalancer-only fields, where each is allowed. */
function validateTrafficFields(spec: Obj, type: unknown, out: StatusCause[]): void {
  enumField(spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', TRAFFIC_POLICIES, out);
  enumField(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', TRAFFIC_POLICIES, out);
  const externalIPs = arrayField(spec.externalIPs, 'spec.externalIPs', out) ?? [];
  externalIPs.forEach((ip, i) => {
    if (typeof ip !== 'string' || isIP(ip) === 0) out.push(fe.invalid(`spec.externalIPs[${i}]`, ip, IP_FORMAT));
  });
  const external = type === 'NodePort' || type === 'LoadBalancer' || externalIPs.length > 0;
  if (spec.externalTrafficPolicy !== undefined && spec.externalTrafficPolicy !== null && !external) {
    out.push(fe.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services (type NodePort or LoadBalancer, or with externalIPs)'));
  }
  if (type === 'ExternalName' && spec.internalTrafficPolicy !== undefined && spec.internalTrafficPolicy !== null) out.push(fe.forbidden('spec.internalTrafficPolicy', 'may not be set for ExternalName services'));
  const hc = spec.healthCheckNodePort;
  if (hc !== undefined && hc !== null && hc !== 0 && !(type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local')) {
    out.push(fe.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null) {
    if (typeof spec.allocateLoadBalancerNodePorts !== 'boolean') out.push(fe.invalid('spec.allocateLoadBalancerNodePorts', spec.allocateLoadBalancerNodePorts, 'must be a boolean'));
    else if (type !== 'LoadBalancer') out.push(fe.forbidden('spec.allocateLoadBalancerNodePorts', "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null && spec.sessionAffinity !== 'ClientIP') {
    out.push(fe.forbidden('spec.sessionAffinityConfig', "may only be set when `sessionAffinity` is 'ClientIP'"));
  }
  enumField(spec.ipFamilyPolicy, 'spec.ipFamilyPolicy', IP_FAMILY_POLICIES, out);
  const fams = arrayField(spec.ipFamilies, 'spec.ipFamilies', out) ?? [];
  if (fams.length > 2) out.push(fe.invalid('spec.ipFamilies', fams, 'may specify no more than one IP for each IP family'));
  fams.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') out.push(fe.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    else if (fams.indexOf(f) !== i) out.push(fe.duplicate(`spec.ipFamilies[${i}]`, f));
  });
}

const IP_FORMAT = 'must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)';

/** clusterIP and clusterIPs: an IP, "None" (headless) or empty (not allocated); clusterIPs[0] is clusterIP. */
function validateClusterIPs(spec: Obj, type: unknown, out: StatusCause[]): void {
  const ip = strField(spec.clusterIP, 'spec.clusterIP', out);
  if (ip && ip !== 'None' && isIP(ip) === 0) out.push(fe.invalid('spec.clusterIP', ip, `${IP_FORMAT}, "None" or empty`));
  if (ip && type === 'ExternalName') out.push(fe.forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  if (ip === 'None' && (type === 'NodePort' || type === 'LoadBalancer')) out.push(fe.invalid('spec.clusterIP', ip, `may not be set to 'None' for ${type} services`));
  const ips = arrayField(spec.clusterIPs, 'spec.clusterIPs', out);
  if (!ips) return;
  if (ips.length > 2) out.push(fe.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  ips.forEach((v, i) => {
    const f = `spec.clusterIPs[${i}]`;
    if (typeof v !== 'string') out.push(fe.invalid(f, v, 'must be a string'));
    else if (v === 'None') {
      if (ips.length > 1) out.push(fe.invalid(f, v, "'None' must be the only value"));
    } else if (isIP(v) === 0) out.push(fe.invalid(f, v, IP_FORMAT));
  });
  if (ips.length === 2 && typeof ips[0] === 'string' && typeof ips[1] === 'string' && isIP(ips[0]) === isIP(ips[1]) && isIP(ips[0]) !== 0) {
    out.push(fe.invalid('spec.clusterIPs[1]', ips[1], 'may not have the same IP family as clusterIPs[0]'));
  }
  if (ip && ips.length > 0 && ips[0] !== ip) out.push(fe.invalid('spec.clusterIPs[0]', ips[0], 'must be the same as clusterIP'));
}

/**
 * A cluster IP, once set, stays (proxies and DNS hold it): changing it is 422 unless the
 * Service turns into or out of ExternalName, as in Kubernetes. The registry carries the
 * stored IP over when an update leaves it out.
 */
export function validateServiceUpdate(obj: Obj, old: Obj): StatusCause[] {
  if (!isObj(obj.spec) || !isObj(old.spec)) return [];
  const spec = obj.spec;
  const prev = old.spec;
  if (spec.type === 'ExternalName' || prev.type === 'ExternalName') return [];
  const out: StatusCause[] = [];
  if (typeof prev.clusterIP === 'string' && prev.clusterIP !== '' && spec.clusterIP !== prev.clusterIP) out.push(fe.immutable('spec.clusterIP', spec.clusterIP ?? ''));
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : undefined);
  const was = first(prev.clusterIPs);
  if (typeof was === 'string' && was !== '' && first(spec.clusterIPs) !== was) out.push(fe.immutable('spec.clusterIPs[0]', first(spec.clusterIPs) ?? ''));
  // The second family's address may be added or dropped (a dual-stack change) but not moved.
  const second = (v: unknown) => (Array.isArray(v) ? v[1] : undefined);
  const was2 = second(prev.clusterIPs);
  const now2 = second(spec.clusterIPs);
  if (typeof was2 === 'string' && now2 !== undefined && now2 !== was2) out.push(fe.immutable('spec.clusterIPs[1]', now2));
  return out;
}

export function validateEndpoints(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  arrayField(obj.subsets, 'subsets', out)?.forEach((raw, i) => {
    const f = `subsets[${i}]`;
    const s = objField(raw, f, out);
    if (!s) return;
    for (const list of ['addresses', 'notReadyAddresses'] as const) {
      arrayField(s[list], `${f}.${list}`, out)?.forEach((a, j) => {
        const addr = objField(a, `${f}.${list}[${j}]`, out);
        if (addr && !strField(addr.ip, `${f}.${list}[${j}].ip`, out)) out.push(fe.required(`${f}.${list}[${j}].ip`));
      });
    }
    arrayField(s.ports, `${f}.ports`, out)?.forEach((p, j) => {
      const port = objField(p, `${f}.ports[${j}]`, out);
      if (!port) return;
      if (port.port === undefined) out.push(fe.required(`${f}.ports[${j}].port`));
      else int32Field(port.port, `${f}.ports[${j}].port`, out, PORT);
      if (port.protocol !== undefined && !(PROTOCOLS as readonly unknown[]).includes(port.protocol)) out.push(fe.notSupported(`${f}.ports[${j}].protocol`, port.protocol, PROTOCOLS));
    });
  });
  return out;
}
