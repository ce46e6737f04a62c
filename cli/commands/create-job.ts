// `orch create job NAME --image=IMG [-- COMMAND ARGS...]` and `orch create job NAME
// --from=cronjob/CRON`: kubectl's generator, building the same Job it does (one container
// named after the Job, restartPolicy Never; from a CronJob: its jobTemplate, owned by the
// CronJob, annotated cronjob.kubernetes.io/instantiate=manual).

import { Command } from 'commander';
import type { CronJob, Job } from '../../api/job-types.js';
import type { KubeObject } from '../../api/types.js';
import { resolveResourceName } from '../../api/resources.js';
import { cliContext } from '../context.js';
import { createObject, withOutputFlags, type OutputFlags } from './create.js';

async function fromCronJob(cmd: Command, name: string, from: string): Promise<Job> {
  const slash = from.indexOf('/');
  const r = slash > 0 ? resolveResourceName(from.slice(0, slash)) : undefined;
  if (r?.kind !== 'CronJob') throw new Error(`--from must be cronjob/NAME (got "${from}"): only a CronJob's template can be copied`);
  const ctx = cliContext(cmd);
  const cj = await ctx.client.resource<CronJob>('cronjobs').get(from.slice(slash + 1), ctx.namespace);
  const t = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...(t.metadata?.annotations ?? {}) },
      ...(t.metadata?.labels ? { labels: t.metadata.labels } : {}),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name!, uid: cj.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: t.spec,
  };
}

export function jobCommand(): Command {
  return withOutputFlags(
    new Command('job')
      .description('Create a Job: orch create job NAME --image=IMG [-- COMMAND ARGS...], or --from=cronjob/NAME to run a CronJob now')
      .argument('<name>')
      .argument('[command...]', 'the command of the container, after --')
      .option('--image <image>', 'the container image')
      .option('--from <cronjob/name>', 'copy the job template of this CronJob'),
  ).action(async (name: string, command: string[], flags: OutputFlags & { image?: string; from?: string }, cmd: Command) => {
    if (flags.image && flags.from) throw new Error('either --image or --from must be specified, not both');
    if (!flags.image && !flags.from) throw new Error('either --image or --from must be specified');
    if (flags.from && command.length) throw new Error('cannot specify --from and command');
    const job: Job = flags.from
      ? await fromCronJob(cmd, name, flags.from)
      : {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { name },
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name, image: flags.image!, ...(command.length ? { command } : {}) }] } } },
        };
    await createObject(cmd, job as KubeObject, flags);
  });
}
