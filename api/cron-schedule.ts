// CronJob schedules: parsing and next times through croner (a well-kept library), held to
// what Kubernetes' parser (robfig/cron, standard mode) accepts: five fields, or one of the
// descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly. Day-of-month and
// day-of-week combine with OR when both are restricted, as in Vixie cron and Kubernetes.
// Shared by validation (a 422 saying what is wrong) and the cronjob controller.

import { Cron } from 'croner';

const DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

export interface Schedule {
  /** The first scheduled time strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
  /** Up to `n` scheduled times at or before `atOrBefore`, most recent first. */
  previous(atOrBefore: Date, n: number): Date[];
}

/** A parsed schedule, or the reason it is not one (Kubernetes' wording where it has one). */
export function parseSchedule(schedule: string, timeZone?: string): Schedule | { error: string } {
  const s = schedule.trim();
  if (s === '') return { error: 'empty spec string' };
  if (/^(CRON_)?TZ=/.test(s)) return { error: 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead' };
  if (s.startsWith('@')) {
    if (s.startsWith('@every')) return { error: '@every is not supported by orch (use a five-field schedule)' };
    if (!DESCRIPTORS.includes(s)) return { error: `unrecognized descriptor: ${s}` };
  } else {
    const fields = s.split(/\s+/);
    if (fields.length !== 5) return { error: `expected exactly 5 fields, found ${fields.length}: ${s}` };
  }
  let cron: Cron;
  try {
    cron = new Cron(s, { paused: true, timezone: timeZone || 'UTC' });
  } catch (err) {
    return { error: ((err as Error).message ?? String(err)).replace(/^CronPattern: /, '') };
  }
  return {
    next(after: Date) {
      // croner steps whole seconds; a fire time is never earlier than `after` + 1 s.
      return cron.nextRun(after) ?? undefined;
    },
    previous(atOrBefore: Date, n: number) {
      return cron.previousRuns(n, new Date(atOrBefore.getTime() + 1));
    },
  };
}

export function isScheduleError(s: Schedule | { error: string }): s is { error: string } {
  return 'error' in s;
}

/** A time zone name the runtime's IANA database knows (as Go's time.LoadLocation); 'Local' is refused as in Kubernetes. */
export function timeZoneError(tz: string): string | undefined {
  if (tz === '') return 'timeZone must be nil or non-empty string';
  if (tz === 'Local' || tz.includes(' ')) return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `unknown time zone ${tz}`;
  }
}
