// Node and Namespace validation (both cluster-scoped).

import type { StatusCause } from '../errors.js';
import { parseCidr } from '../net/cidr.js';
import { isValidQuantity } from '../quantity.js';
import { arrayField, boolField, fe, int32Field, int64Field, objField, strField, type Obj, text } from './field-errors.js';
import { isLabelValue, isQualifiedName } from './names.js';
import { TAINT_EFFECTS } from './pod.js';

function validateResourceList(v: unknown, field: string, out: StatusCause[]): void {
  const m = objField(v, field, out);
  if (!m) return;
  for (const [k, q] of Object.entries(m)) {
    for (const e of isQualifiedName(k)) out.push(fe.invalid(`${field}[${k}]`, k, e));
    if (!isValidQuantity(q)) out.push(fe.invalid(`${field}[${k}]`, q, 'must be a valid quantity'));
  }
}

/**
 * spec.podCIDR / podCIDRs as Kubernetes checks them: CIDRs, at most one per family,
 * podCIDR equal to podCIDRs[0] when both are given.
 */
function validatePodCIDRs(spec: Obj, out: StatusCause[]): void {
  const single = strField(spec.podCIDR, 'spec.podCIDR', out);
  const list = arrayField(spec.podCIDRs, 'spec.podCIDRs', out);
  const families = new Set<number>();
  list?.forEach((v, i) => {
    const f = `spec.podCIDRs[${i}]`;
    if (typeof v !== 'string') return void out.push(fe.invalid(f, v, 'must be a string'));
    const r = parseCidr(v);
    if (!r.ok) return void out.push(fe.invalid(f, v, r.reason));
    if (r.hostBitsSet) out.push(fe.invalid(f, v, 'must be a network address (host bits zero)'));
    if (families.has(r.cidr.family)) out.push(fe.invalid('spec.podCIDRs', list, 'may specify no more than one CIDR for each IP family'));
    families.add(r.cidr.family);
  });
  if (list && list.length > 2) out.push(fe.invalid('spec.podCIDRs', list, 'must have at most two entries (dual stack)'));
  if (single) {
    const r = parseCidr(single);
    if (!r.ok) out.push(fe.invalid('spec.podCIDR', single, r.reason));
    if (list && list.length > 0 && list[0] !== single) out.push(fe.invalid('spec.podCIDR', single, 'must equal spec.podCIDRs[0]'));
  }
}

/** Once set, a node's pod ranges never change: routes and pod addresses depend on them (as in Kubernetes). */
export function validateNodeUpdate(obj: Obj, old: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  const oldSpec = (old.spec ?? {}) as Obj;
  const oldList = Array.isArray(oldSpec.podCIDRs) ? (oldSpec.podCIDRs as unknown[]) : [];
  const newList = Array.isArray(spec.podCIDRs) ? (spec.podCIDRs as unknown[]) : [];
  if (oldList.length > 0 && JSON.stringify(oldList) !== JSON.stringify(newList)) out.push(fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  if (oldSpec.podCIDR && oldSpec.podCIDR !== spec.podCIDR) out.push(fe.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  return out;
}

export function validateNode(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (spec) {
    boolField(spec.unschedulable, 'spec.unschedulable', out);
    validatePodCIDRs(spec, out);
    strField(spec.providerID, 'spec.providerID', out);
    const seen = new Set<string>();
    arrayField(spec.taints, 'spec.taints', out)?.forEach((raw, i) => {
      const f = `spec.taints[${i}]`;
      const t = objField(raw, f, out);
      if (!t) return;
      const key = strField(t.key, `${f}.key`, out);
      if (!key) out.push(fe.required(`${f}.key`));
      else for (const e of isQualifiedName(key)) out.push(fe.invalid(`${f}.key`, key, e));
      const value = strField(t.value, `${f}.value`, out);
      if (value) for (const e of isLabelValue(value)) out.push(fe.invalid(`${f}.value`, value, e));
      if (t.effect === undefined || t.effect === null || t.effect === '') out.push(fe.required(`${f}.effect`));
      else if (typeof t.effect !== 'string' || !(TAINT_EFFECTS as readonly string[]).includes(t.effect)) {
        out.push(fe.notSupported(`${f}.effect`, t.effect, TAINT_EFFECTS));
      }
      // Kubernetes allows one taint per key and effect.
      const id = `${text(key)}:${text(t.effect)}`;
      if (key && seen.has(id)) out.push(fe.duplicate(f, `${key}:${text(t.effect)}`));
      seen.add(id);
    });
  }
  const status = objField(obj.status, 'status', out);
  if (status) {
    validateResourceList(status.capacity, 'status.capacity', out);
    validateResourceList(status.allocatable, 'status.allocatable', out);
    arrayField(status.conditions, 'status.conditions', out)?.forEach((raw, i) => {
      const c = objField(raw, `status.conditions[${i}]`, out);
      if (!c) return;
      if (!strField(c.type, `status.conditions[${i}].type`, out)) out.push(fe.required(`status.conditions[${i}].type`));
      if (c.status !== 'True' && c.status !== 'False' && c.status !== 'Unknown') {
        out.push(fe.notSupported(`status.conditions[${i}].status`, c.status ?? '', ['False', 'True', 'Unknown']));
      }
    });
    arrayField(status.addresses, 'status.addresses', out)?.forEach((raw, i) => {
      const a = objField(raw, `status.addresses[${i}]`, out);
      if (!a) return;
      if (!strField(a.type, `status.addresses[${i}].type`, out)) out.push(fe.required(`status.addresses[${i}].type`));
      if (!strField(a.address, `status.addresses[${i}].address`, out)) out.push(fe.required(`status.addresses[${i}].address`));
    });
    // The apiserver dials this port for pod logs; 0 means "not served".
    const de = objField(status.daemonEndpoints, 'status.daemonEndpoints', out);
    const ke = de && objField(de.kubeletEndpoint, 'status.daemonEndpoints.kubeletEndpoint', out);
    if (ke) int32Field(ke.Port, 'status.daemonEndpoints.kubeletEndpoint.Port', out, { min: 0, max: 65535 });
    arrayField(status.images, 'status.images', out)?.forEach((raw, i) => {
      const img = objField(raw, `status.images[${i}]`, out);
      if (img) int64Field(img.sizeBytes, `status.images[${i}].sizeBytes`, out, { min: 0 });
    });
  }
  return out;
}

export function validateNamespace(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (spec) {
    arrayField(spec.finalizers, 'spec.finalizers', out)?.forEach((f, i) => {
      if (typeof f !== 'string') out.push(fe.invalid(`spec.finalizers[${i}]`, f, 'must be a string'));
      else for (const e of isQualifiedName(f)) out.push(fe.invalid(`spec.finalizers[${i}]`, f, e));
    });
  }
  const status = objField(obj.status, 'status', out);
  if (status && status.phase !== undefined && status.phase !== 'Active' && status.phase !== 'Terminating') {
    out.push(fe.notSupported('status.phase', status.phase, ['Active', 'Terminating']));
  }
  return out;
}
