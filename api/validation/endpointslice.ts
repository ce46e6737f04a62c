// EndpointSlice (discovery.k8s.io/v1) validation, with Kubernetes' limits: at most 1000
// endpoints of 1..100 addresses each, every address of the slice's addressType (which
// never changes: consumers key their state by it), at most 100 ports with unique names.

import { isIPv4, isIPv6 } from 'node:net';
import type { StatusCause } from '../errors.js';
import { PORT, PROTOCOLS, enumField } from './container.js';
import { arrayField, boolField, fe, int32Field, objField, strField, type Obj, text } from './field-errors.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';

export const ADDRESS_TYPES = ['IPv4', 'IPv6', 'FQDN'] as const;
export const MAX_SLICE_ENDPOINTS = 1000;
export const MAX_ENDPOINT_ADDRESSES = 100;
export const MAX_SLICE_PORTS = 100;

function addressProblem(type: string, address: string): string | undefined {
  if (type === 'IPv4') return isIPv4(address) ? undefined : 'must be a valid IPv4 address';
  if (type === 'IPv6') return isIPv6(address) ? undefined : 'must be a valid IPv6 address';
  if (type === 'FQDN') return isDns1123Subdomain(address)[0];
  return undefined; // an unsupported addressType is reported once, at addressType
}

function validateEndpoint(raw: unknown, f: string, type: string, out: StatusCause[]): void {
  const ep = objField(raw, f, out);
  if (!ep) {
    if (raw === undefined || raw === null) out.push(fe.required(f));
    return;
  }
  const addresses = arrayField(ep.addresses, `${f}.addresses`, out);
  if (!addresses || addresses.length === 0) {
    if (addresses || ep.addresses === undefined || ep.addresses === null) out.push(fe.required(`${f}.addresses`, 'must contain at least 1 address'));
  } else if (addresses.length > MAX_ENDPOINT_ADDRESSES) {
    out.push(fe.invalid(`${f}.addresses`, addresses.length, `must have at most ${MAX_ENDPOINT_ADDRESSES} items`));
  } else {
    addresses.forEach((a, i) => {
      const af = `${f}.addresses[${i}]`;
      const s = strField(a, af, out);
      if (s === undefined) return;
      const why = addressProblem(type, s);
      if (why) out.push(fe.invalid(af, s, why));
    });
  }
  const cond = objField(ep.conditions, `${f}.conditions`, out);
  if (cond) for (const c of ['ready', 'serving', 'terminating']) boolField(cond[c], `${f}.conditions.${c}`, out);
  const hostname = strField(ep.hostname, `${f}.hostname`, out);
  if (hostname) for (const e of isDns1123Label(hostname)) out.push(fe.invalid(`${f}.hostname`, hostname, e));
  const nodeName = strField(ep.nodeName, `${f}.nodeName`, out);
  if (nodeName) for (const e of isDns1123Subdomain(nodeName)) out.push(fe.invalid(`${f}.nodeName`, nodeName, e));
  strField(ep.zone, `${f}.zone`, out);
  const ref = objField(ep.targetRef, `${f}.targetRef`, out);
  if (ref) for (const k of ['apiVersion', 'kind', 'name', 'namespace', 'uid', 'resourceVersion', 'fieldPath']) strField(ref[k], `${f}.targetRef.${k}`, out);
}

function validatePorts(raw: unknown, out: StatusCause[]): void {
  const ports = arrayField(raw, 'ports', out);
  if (!ports) return;
  if (ports.length > MAX_SLICE_PORTS) out.push(fe.invalid('ports', ports.length, `must have at most ${MAX_SLICE_PORTS} items`));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `ports[${i}]`;
    const port = objField(p, f, out);
    if (!port) return;
    // An unnamed port is the name "": unique like any other.
    const name = strField(port.name, `${f}.name`, out) ?? '';
    if (name !== '') for (const e of isDns1123Label(name)) out.push(fe.invalid(`${f}.name`, name, e));
    if (names.has(name)) out.push(fe.duplicate(`${f}.name`, name));
    names.add(name);
    enumField(port.protocol, `${f}.protocol`, PROTOCOLS, out);
    int32Field(port.port, `${f}.port`, out, PORT);
    strField(port.appProtocol, `${f}.appProtocol`, out);
  });
}

export function validateEndpointSlice(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const type = obj.addressType;
  if (type === undefined || type === null) out.push(fe.required('addressType'));
  else enumField(type, 'addressType', ADDRESS_TYPES, out);
  const endpoints = arrayField(obj.endpoints, 'endpoints', out);
  if (endpoints && endpoints.length > MAX_SLICE_ENDPOINTS) out.push(fe.invalid('endpoints', endpoints.length, `must have at most ${MAX_SLICE_ENDPOINTS} items`));
  else endpoints?.forEach((ep, i) => validateEndpoint(ep, `endpoints[${i}]`, text(type), out));
  validatePorts(obj.ports, out);
  return out;
}

/** addressType is immutable, as in Kubernetes. */
export function validateEndpointSliceUpdate(obj: Obj, old: Obj): StatusCause[] {
  return obj.addressType !== old.addressType ? [fe.immutable('addressType', obj.addressType ?? '')] : [];
}
