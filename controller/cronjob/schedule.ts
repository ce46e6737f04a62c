// Which scheduled time a CronJob should run now (Kubernetes' mostRecentScheduleTime): the
// most recent scheduled time after the last one run (or the CronJob's creation), at most
// startingDeadlineSeconds back. Only that one is started, however many were missed: the
// caller reports the others. Pure, over a parsed schedule and explicit times.

import type { Schedule } from '../../api/cron-schedule.js';

export interface ScheduleDecision {
  /** The time to run now, if any. */
  scheduled?: number;
  /** Scheduled times missed besides `scheduled` (0, 1, or "2 or more": 2). */
  missedBefore: number;
  /** The next scheduled time after now. */
  next?: number;
}

export function mostRecentScheduleTime(s: Schedule, opts: { lastScheduleMs?: number; createdMs: number; nowMs: number; startingDeadlineSeconds?: number }): ScheduleDecision {
  let earliest = opts.lastScheduleMs ?? opts.createdMs;
  if (opts.startingDeadlineSeconds !== undefined) earliest = Math.max(earliest, opts.nowMs - opts.startingDeadlineSeconds * 1000);
  const next = s.next(new Date(opts.nowMs))?.getTime();
  if (earliest > opts.nowMs) return { missedBefore: 0, next };
  // Scheduled times in (earliest, now], most recent first; three tell "one", "two" or "more".
  const recent = s.previous(new Date(opts.nowMs), 3).map((d) => d.getTime()).filter((t) => t > earliest);
  if (recent.length === 0) return { missedBefore: 0, next };
  return { scheduled: recent[0], missedBefore: Math.min(recent.length - 1, 2), next };
}
