// Lease (coordination.k8s.io/v1) validation: non-negative numbers and timestamps that
// must parse (leader election and node heartbeats depend on both).

import type { StatusCause } from '../errors.js';
import { intField, objField, strField, timeField, type Obj } from './field-errors.js';

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
