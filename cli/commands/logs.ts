// `orch logs (POD | TYPE/NAME | -l SELECTOR) [-c C | --all-containers] [-f] [--tail N]
//   [--since D | --since-time T] [--timestamps] [--prefix] [-p] [--max-log-requests N]`,
// as kubectl logs: a selector reads every matching pod (the last 10 lines each unless
// --tail says otherwise), one after the other, or all at once with -f (lines interleaved
// whole); a pod with several containers and no -c gives the default-container
// annotation's, else the first, saying so on stderr.

import { Command } from 'commander';
import { logTargets, type LogTarget } from '../log-targets.js';
import type { PodLogOptions } from '../../client/types.js';
import { parseDuration } from '../../foundation/duration.js';
import { cliContext } from '../context.js';
import { copyLines } from '../log-lines.js';

interface LogsFlags {
  container?: string;
  allContainers?: boolean;
  selector?: string;
  follow?: boolean;
  tail?: string;
  timestamps?: boolean;
  previous?: boolean;
  since?: string;
  sinceTime?: string;
  prefix?: boolean;
  maxLogRequests: string;
  limitBytes?: string;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function wholeNumber(text: string | undefined, flag: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) throw new Error(`${flag} must be a whole number ≥ ${min} (got "${text}")`);
  return n;
}

/** The query options every request shares, checked before anything is asked of the server. */
function logOptions(flags: LogsFlags, selector: boolean): PodLogOptions {
  if (flags.since !== undefined && flags.sinceTime !== undefined) throw new Error('at most one of --since or --since-time may be given');
  if (flags.sinceTime !== undefined && (!RFC3339.test(flags.sinceTime) || Number.isNaN(Date.parse(flags.sinceTime))))
    throw new Error(`--since-time must be an RFC 3339 time such as 2024-05-01T10:00:00Z (got "${flags.sinceTime}")`);
  // -1 is kubectl's "everything"; with a selector the default is the last 10 lines.
  const tail = flags.tail === '-1' ? undefined : wholeNumber(flags.tail, '--tail', 0);
  return {
    follow: flags.follow,
    tailLines: flags.tail === undefined ? (selector ? 10 : undefined) : tail,
    timestamps: flags.timestamps,
    previous: flags.previous,
    // Whole seconds, rounded up, as kubectl sends them.
    sinceSeconds: flags.since === undefined ? undefined : Math.max(1, Math.ceil(parseDuration(flags.since, '--since') / 1000)),
    sinceTime: flags.sinceTime,
    limitBytes: wholeNumber(flags.limitBytes, '--limit-bytes', 1),
  };
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("Print the logs of a pod's containers: one pod (POD, pod/NAME), one pod of deploy/NAME or rs/NAME, or every pod matching -l")
    .argument('[target]', 'POD, pod/NAME, deploy/NAME or rs/NAME (or none with -l)')
    .option('-c, --container <name>', "container (default: the pod's kubectl.kubernetes.io/default-container annotation, else the first)")
    .option('--all-containers', "every container of the pod(s), init containers first")
    .option('-l, --selector <selector>', 'every pod matching this label selector (e.g. app=web,tier!=db)')
    .option('-f, --follow', 'stream new output (with several pods: all at once, lines interleaved whole)')
    .option('--tail <lines>', 'only the last N lines (default: all; 10 per container with -l; -1: all)')
    .option('--since <duration>', 'only lines newer than this (e.g. 30s, 5m, 1h; a bare number is seconds)')
    .option('--since-time <time>', 'only lines at or after this RFC 3339 time (e.g. 2024-05-01T10:00:00Z)')
    .option('--timestamps', 'prefix each line with its timestamp')
    .option('--prefix', 'prefix each line with its source, [pod/NAME/CONTAINER]')
    .option('--limit-bytes <n>', 'stop each container after this many bytes')
    .option('-p, --previous', 'the previous (crashed) instance of the container')
    .option('--max-log-requests <n>', 'with -f and a selector or --all-containers: the most log streams followed at once', '5')
    .action(async (target: string | undefined, flags: LogsFlags, cmd: Command) => {
      const ctx = cliContext(cmd);
      if (!target && !flags.selector) throw new Error('give a pod (POD, deploy/NAME, rs/NAME) or a selector (-l)');
      if (target && flags.selector) throw new Error('give either a pod or a selector (-l), not both');
      if (flags.container && flags.allContainers) throw new Error('give either -c or --all-containers, not both');
      const opts = logOptions(flags, Boolean(flags.selector));
      const maxRequests = wholeNumber(flags.maxLogRequests, '--max-log-requests', 1)!;
      const targets = await logTargets(ctx, { target, selector: flags.selector, container: flags.container, allContainers: flags.allContainers });
      if (targets.length === 0) {
        ctx.err(`No resources found in ${ctx.namespace} namespace.`);
        return;
      }
      if (flags.follow && targets.length > maxRequests)
        throw new Error(`you are attempting to follow ${targets.length} log streams, but maximum allowed concurrency is ${maxRequests}, use --max-log-requests to increase the limit`);
      const copy = async (t: LogTarget) => {
        const stream = await ctx.client.podLogs(t.namespace, t.pod, { ...opts, container: t.container });
        await copyLines(stream as AsyncIterable<Buffer>, process.stdout, flags.prefix ? `[pod/${t.pod}/${t.container}] ` : '');
      };
      if (flags.follow) await Promise.all(targets.map(copy));
      else for (const t of targets) await copy(t);
    });
}
