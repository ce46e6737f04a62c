// `orch logs POD | deploy/NAME | rs/NAME [-c C] [-f] [--tail N] [--timestamps] [--previous]`

import { Command } from 'commander';
import { resolveResourceName } from '../../api/resources.js';
import type { LabelSelector, Pod } from '../../api/types.js';
import { labelSelectorToString } from '../../api/selectors/labels.js';
import { parseDuration } from '../../foundation/duration.js';
import { cliContext, type CliContext } from '../context.js';

async function podFor(ctx: CliContext, arg: string): Promise<Pod> {
  const slash = arg.indexOf('/');
  if (slash < 0) return ctx.client.pods.get(arg, ctx.namespace);
  const r = resolveResourceName(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (r?.kind === 'Pod') return ctx.client.pods.get(name, ctx.namespace);
  if (r?.kind !== 'Deployment' && r?.kind !== 'ReplicaSet') throw new Error(`logs work for pods, deployments and replicasets, not "${arg.slice(0, slash)}"`);
  const owner = await ctx.client.resource<{ metadata: { name?: string }; spec: { selector: LabelSelector } }>(r.plural).get(name, ctx.namespace);
  const pods = (await ctx.client.pods.list({ namespace: ctx.namespace, labelSelector: labelSelectorToString(owner.spec.selector) })).items;
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  // Prefer a running pod, then the newest.
  live.sort((a, b) => Number(b.status?.phase === 'Running') - Number(a.status?.phase === 'Running') || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  if (!live.length) throw new Error(`${r.singular} "${name}" has no pods yet`);
  if (live.length > 1) ctx.err(`Found ${live.length} pods, using pod/${live[0].metadata.name}`);
  return live[0];
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("Print a container's logs (a pod, or one pod of deploy/NAME)")
    .argument('<target>', 'POD, pod/NAME, deploy/NAME or rs/NAME')
    .option('-c, --container <name>', 'container (default: the only one, else required)')
    .option('-f, --follow', 'stream new output')
    .option('--tail <lines>', 'only the last N lines')
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('-p, --previous', 'the previous (crashed) instance of the container')
    .option('--since <duration>', 'only lines newer than this (e.g. 30s, 5m, 1h; a bare number is seconds)')
    .action(async (target: string, flags: { container?: string; follow?: boolean; tail?: string; timestamps?: boolean; previous?: boolean; since?: string }, cmd: Command) => {
      const ctx = cliContext(cmd);
      const tailLines = flags.tail === undefined ? undefined : Number(flags.tail);
      if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) throw new Error(`--tail must be a whole number ≥ 0 (got "${flags.tail}")`);
      const pod = await podFor(ctx, target);
      const names = pod.spec.containers.map((c) => c.name);
      const container = flags.container ?? (names.length === 1 ? names[0] : undefined);
      if (!container) throw new Error(`pod "${pod.metadata.name}" has ${names.length} containers: choose one with -c (${names.join(', ')})`);
      if (!names.includes(container)) throw new Error(`container "${container}" is not in pod "${pod.metadata.name}" (containers: ${names.join(', ')})`);
      const stream = await ctx.client.podLogs(pod.metadata.namespace ?? ctx.namespace, pod.metadata.name!, {
        container,
        follow: flags.follow,
        tailLines,
        timestamps: flags.timestamps,
        previous: flags.previous,
        // Whole seconds, rounded up, as kubectl sends them.
        sinceSeconds: flags.since === undefined ? undefined : Math.ceil(parseDuration(flags.since, '--since') / 1000),
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => process.stdout.write(chunk));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
    });
}
