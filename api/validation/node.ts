// Node and Namespace validation (both cluster-scoped).

import type { StatusCause } from '../errors.js';
import { isValidQuantity } from '../quantity.js';
import { arrayField, boolField, fe, int32Field, int64Field, objField, strField, type Obj } from './field-errors.js';
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

export function validateNode(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (spec) {
    boolField(spec.unschedulable, 'spec.unschedulable', out);
    strField(spec.podCIDR, 'spec.podCIDR', out);
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
      const id = `${String(key)}:${String(t.effect)}`;
      if (key && seen.has(id)) out.push(fe.duplicate(f, `${key}:${String(t.effect)}`));
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
