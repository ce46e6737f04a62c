// core/v1 Event validation: what the event recorders of every component write.

import type { StatusCause } from '../errors.js';
import { fe, int32Field, objField, strField, timeField, type Obj } from './field-errors.js';

export function validateEvent(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  if (obj.involvedObject === undefined || obj.involvedObject === null) out.push(fe.required('involvedObject'));
  const inv = objField(obj.involvedObject, 'involvedObject', out);
  if (inv) for (const k of ['apiVersion', 'kind', 'name', 'namespace', 'uid', 'fieldPath', 'resourceVersion']) strField(inv[k], `involvedObject.${k}`, out);
  if (obj.type !== undefined && obj.type !== null && obj.type !== 'Normal' && obj.type !== 'Warning') out.push(fe.notSupported('type', obj.type, ['Normal', 'Warning']));
  const reason = strField(obj.reason, 'reason', out);
  if (reason && reason.length > 128) out.push(fe.tooLong('reason', 128, 'characters'));
  strField(obj.message, 'message', out);
  int32Field(obj.count, 'count', out, { min: 0 });
  const series = objField(obj.series, 'series', out);
  if (series) int32Field(series.count, 'series.count', out, { min: 0 });
  timeField(obj.firstTimestamp, 'firstTimestamp', out);
  timeField(obj.lastTimestamp, 'lastTimestamp', out);
  return out;
}
