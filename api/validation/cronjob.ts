// batch/v1 CronJob validation, after Kubernetes' ValidateCronJob: a schedule croner can
// parse within Kubernetes' syntax (the 422 on spec.schedule says what is wrong), a time
// zone the IANA database knows, concurrencyPolicy Allow/Forbid/Replace, non-negative
// deadlines and history limits, a Job template valid as a Job (its selector is generated
// per Job), and a name of at most 52 characters (the Jobs it creates add 11).

import { isScheduleError, parseSchedule, timeZoneError } from '../cron-schedule.js';
import type { StatusCause } from '../errors.js';
import { boolField, fe, int32Field, int64Field, isObj, objField, strField, timeField, arrayField, type Obj } from './field-errors.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { validateJobSpec } from './job.js';

const POLICIES = ['Allow', 'Forbid', 'Replace'];
export const CRONJOB_NAME_MAX = 52;

export function validateCronJob(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  const md = isObj(obj.metadata) ? obj.metadata : {};
  if (typeof md.name === 'string' && md.name.length > CRONJOB_NAME_MAX) out.push(fe.invalid('metadata.name', md.name, `must be no more than ${CRONJOB_NAME_MAX} characters`));
  if (obj.spec === undefined || obj.spec === null) {
    out.push(fe.required('spec'));
    return out;
  }
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) return out;
  let tz: string | undefined;
  if (spec.timeZone !== undefined && spec.timeZone !== null) {
    tz = strField(spec.timeZone, 'spec.timeZone', out);
    const err = tz !== undefined ? timeZoneError(tz) : undefined;
    if (err) {
      out.push(fe.invalid('spec.timeZone', tz, err));
      tz = undefined;
    }
  }
  const schedule = strField(spec.schedule, 'spec.schedule', out);
  if (schedule === undefined || schedule === '') out.push(fe.required('spec.schedule'));
  else {
    const parsed = parseSchedule(schedule, tz);
    if (isScheduleError(parsed)) out.push(fe.invalid('spec.schedule', schedule, parsed.error));
  }
  int64Field(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds', out, { min: 0 });
  const pol = spec.concurrencyPolicy;
  if (pol !== undefined && pol !== null && !POLICIES.includes(pol as string)) out.push(fe.notSupported('spec.concurrencyPolicy', pol, POLICIES));
  boolField(spec.suspend, 'spec.suspend', out);
  int32Field(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit', out, { min: 0 });
  int32Field(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit', out, { min: 0 });
  if (spec.jobTemplate === undefined || spec.jobTemplate === null) out.push(fe.required('spec.jobTemplate'));
  else {
    const jt = objField(spec.jobTemplate, 'spec.jobTemplate', out);
    if (jt) {
      const m = objField(jt.metadata, 'spec.jobTemplate.metadata', out);
      if (m) {
        out.push(...validateLabels(m.labels, 'spec.jobTemplate.metadata.labels'));
        out.push(...validateAnnotations(m.annotations, 'spec.jobTemplate.metadata.annotations'));
      }
      validateJobSpec(jt.spec, 'spec.jobTemplate.spec', out, true);
    }
  }
  const st = objField(obj.status, 'status', out);
  if (st) {
    timeField(st.lastScheduleTime, 'status.lastScheduleTime', out);
    timeField(st.lastSuccessfulTime, 'status.lastSuccessfulTime', out);
    arrayField(st.active, 'status.active', out);
  }
  return out;
}
