// Jobs and CronJobs as `kubectl get` (v1.32) prints them: printJob's STATUS (Complete,
// Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet, else Running),
// COMPLETIONS ("2/5", "0/1 of 3" without completions), DURATION (start to completion, or to
// now while running); printCronJob's SCHEDULE, TIMEZONE, SUSPEND, ACTIVE, LAST SCHEDULE.

import type { CronJob, Job, JobCondition } from '../job-types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { humanDuration, timestampAge } from './duration.js';
import { selectorCell, templateCells } from './workloads.js';

const CONTAINERS = column('Containers', 'string', { wide: true });
const IMAGES = column('Images', 'string', { wide: true });
const SELECTOR = column('Selector', 'string', { wide: true });

function parseTime(t: string | undefined): number | undefined {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

const has = (cs: JobCondition[] | undefined, type: string) => (cs ?? []).some((c) => c.type === type && c.status === 'True');

export function jobStatusCell(j: Job): string {
  const cs = j.status?.conditions;
  if (has(cs, 'Complete')) return 'Complete';
  if (has(cs, 'Failed')) return 'Failed';
  if (j.metadata.deletionTimestamp) return 'Terminating';
  if (has(cs, 'Suspended')) return 'Suspended';
  if (has(cs, 'FailureTarget')) return 'FailureTarget';
  if (has(cs, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

export function jobCompletionsCell(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec?.completions !== undefined && j.spec.completions !== null) return `${succeeded}/${j.spec.completions}`;
  const p = j.spec?.parallelism ?? 0;
  return p > 1 ? `${succeeded}/1 of ${p}` : `${succeeded}/1`;
}

function jobDurationCell(j: Job, now: number): string {
  const start = parseTime(j.status?.startTime);
  if (start === undefined) return '';
  const end = parseTime(j.status?.completionTime) ?? now;
  return humanDuration(end - start);
}

export const BATCH_TABLES: Record<string, KindTable> = {
  jobs: {
    columns: [NAME, column('Status'), column('Completions'), column('Duration'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row(o, now) {
      const j = o as Job;
      return [j.metadata.name ?? '', jobStatusCell(j), jobCompletionsCell(j), jobDurationCell(j, now), timestampAge(j.metadata.creationTimestamp, now), ...templateCells(j.spec?.template), selectorCell(j.spec?.selector)];
    },
  },
  cronjobs: {
    columns: [NAME, column('Schedule'), column('Timezone'), column('Suspend', 'boolean'), column('Active', 'integer'), column('Last Schedule'), AGE, CONTAINERS, IMAGES, SELECTOR],
    row(o, now) {
      const c = o as CronJob;
      const suspend = c.spec?.suspend;
      return [
        c.metadata.name ?? '',
        c.spec?.schedule ?? '',
        c.spec?.timeZone ?? '<none>',
        suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
        (c.status?.active ?? []).length,
        c.status?.lastScheduleTime ? timestampAge(c.status.lastScheduleTime, now) : '<none>',
        timestampAge(c.metadata.creationTimestamp, now),
        ...templateCells(c.spec?.jobTemplate?.spec?.template),
        selectorCell(c.spec?.jobTemplate?.spec?.selector),
      ];
    },
  },
};
