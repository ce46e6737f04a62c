// The batch/v1 controllers of the manager (job, cronjob), assembled here so manager.ts only
// adds a few lines: the jobs informer is shared by both (and the garbage collector), the
// cronjobs informer exists only when the cronjob controller runs.

import type { CronJob, Job } from '../api/job-types.js';
import type { Pod } from '../api/types.js';
import type { Informer } from '../client/informer.js';
import type { Client } from '../client/types.js';
import type { WorkQueue } from '../client/work-queue.js';
import type { Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import { CronJobController } from './cronjob/controller.js';
import type { JobBackoffOptions } from './job/backoff.js';
import { JobController } from './job/controller.js';
import type { Controller, Recorder } from './shared/types.js';

export interface BatchControllerOptions {
  /** The Job retry delay (default 10 s doubling to 6 min). */
  jobBackoff?: JobBackoffOptions;
  /** The clock the cronjob controller schedules by (default: the manager's). */
  cronClock?: Clock;
}

export interface BatchBuildContext {
  enabled: Set<string>;
  pods: Informer<Pod>;
  client: Client;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  /** The shared informers, made on first call. */
  jobs(): Informer<Job>;
  cronJobs(): Informer<CronJob>;
  queue(name: string): WorkQueue<string>;
  options?: BatchControllerOptions;
}

export function buildBatchControllers(ctx: BatchBuildContext): Controller[] {
  const out: Controller[] = [];
  if (!ctx.enabled.has('job') && !ctx.enabled.has('cronjob')) return out;
  const jobs = ctx.jobs();
  if (ctx.enabled.has('job')) {
    out.push(new JobController({ client: ctx.client, pods: ctx.pods, jobs, recorder: ctx.recorder, clock: ctx.clock, logger: ctx.logger.child({ controller: 'job' }), queue: ctx.queue('job'), backoff: ctx.options?.jobBackoff }));
  }
  if (ctx.enabled.has('cronjob')) {
    const cronJobs = ctx.cronJobs();
    out.push(
      new CronJobController({ client: ctx.client, jobs, cronJobs, recorder: ctx.recorder, clock: ctx.options?.cronClock ?? ctx.clock, logger: ctx.logger.child({ controller: 'cronjob' }), queue: ctx.queue('cronjob') }),
    );
  }
  return out;
}
