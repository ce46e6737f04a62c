// Lease (coordination.k8s.io/v1) and Event validation: small, mostly non-negative numbers
// and timestamps that must parse.

import type { StatusCause } from '../errors.js';
import { fe, intField, objField, strField, type Obj } from './field-errors.js';

/** RFC 3339 date-time (what Go's time.RFC3339 / RFC3339Nano accept). */
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isRfc3339(s: string): boolean {
  return RFC3339_RE.test(s) && !Number.isNaN(Date.parse(s));
}

export function timeField(v: unknown, field: string, out: StatusCause[]): void {
  const s = strField(v, field, out);
  if (s && !isRfc3339(s)) out.push(fe.invalid(field, s, 'must be an RFC 3339 timestamp (e.g. 2006-01-02T15:04:05Z)'));
}

export function validateLease(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  strField(spec.holderIdentity, 'spec.holderIdentity', out);
  intField(spec.leaseDurationSeconds, 'spec.leaseDurationSeconds', out, 1);
  intField(spec.leaseTransitions, 'spec.leaseTransitions', out, 0);
  timeField(spec.acquireTime, 'spec.acquireTime', out);
  timeField(spec.renewTime, 'spec.renewTime', out);
  return out;
}

export function validateEvent(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.involvedObject === undefined || obj.involvedObject === null) out.push(fe.required('involvedObject'));
  const inv = objField(obj.involvedObject, 'involvedObject', out);
  if (inv) for (const k of ['apiVersion', 'kind', 'name', 'namespace', 'uid', 'fieldPath', 'resourceVersion']) strField(inv[k], `involvedObject.${k}`, out);
  if (obj.type !== undefined && obj.type !== null && obj.type !== 'Normal' && obj.type !== 'Warning') out.push(fe.notSupported('type', obj.type, ['Normal', 'Warning']));
  const reason = strField(obj.reason, 'reason', out);
  if (reason && reason.length > 128) out.push(fe.tooLong('reason', 128, 'characters'));
  strField(obj.message, 'message', out);
  intField(obj.count, 'count', out, 0);
  timeField(obj.firstTimestamp, 'firstTimestamp', out);
  timeField(obj.lastTimestamp, 'lastTimestamp', out);
  return out;
}
