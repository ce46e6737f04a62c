// Lease (coordination.k8s.io/v1) validation: non-negative numbers and timestamps that
// must parse (leader election and node heartbeats depend on both).

import type { StatusCause } from '../errors.js';
import { int32Field, objField, strField, timeField, type Obj } from './field-errors.js';

export function validateLease(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  strField(spec.holderIdentity, 'spec.holderIdentity', out);
  int32Field(spec.leaseDurationSeconds, 'spec.leaseDurationSeconds', out, { min: 1 });
  int32Field(spec.leaseTransitions, 'spec.leaseTransitions', out, { min: 0 });
  timeField(spec.acquireTime, 'spec.acquireTime', out);
  timeField(spec.renewTime, 'spec.renewTime', out);
  return out;
}
