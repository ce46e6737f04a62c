// `orch run NAME --image=IMG [--port] [--env K=V] [--labels k=v,...] [--restart Never|...]
// [--command] [-- ARGS...]`: one pod, built as kubectl run builds it (label run=NAME, one
// container named NAME; after -- the args, or with --command the command).
// Attaching (-i, -t, --attach, --rm) is not done here: it plugs in through `RunAttach`
// (cli/main.ts passes the attach implementation to runCommand()).

import { Command } from 'commander';
import type { Container, Pod } from '../../api/types.js';
import { cliContext, type CliContext } from '../context.js';
import { printObjects, type OutputFormat } from '../printers/print.js';
import { parseDryRun } from './apply.js';

export interface RunFlags {
  image: string;
  port?: string;
  env?: string[];
  labels?: string;
  restart: string;
  command?: boolean;
  imagePullPolicy?: string;
  dryRun?: string | boolean;
  output?: string;
  stdin?: boolean;
  tty?: boolean;
  attach?: boolean;
  rm?: boolean;
}

/** Where `orch run -i/-t/--attach/--rm` plugs in (the exec/attach work provides it). */
export interface RunAttach {
  /** Before the pod is created: set the container's stdin/stdinOnce/tty from the flags. */
  prepare(pod: Pod, flags: RunFlags): void;
  /**
   * After: wait for the pod, attach (for -i, -t, --attach), and with --rm delete it.
   * Returns the exit code for `orch run` (the container's, as kubectl does).
   */
  attach(ctx: CliContext, pod: Pod, flags: RunFlags): Promise<number>;
}

const RESTART = ['Always', 'OnFailure', 'Never'];
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function parseLabels(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--labels: "${part}" is not KEY=VALUE`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** The pod kubectl run would create. */
export function runPod(name: string, args: string[], flags: RunFlags): Pod {
  if (!RESTART.includes(flags.restart)) throw new Error(`--restart: invalid restart policy "${flags.restart}": use one of ${RESTART.join(', ')}`);
  const container: Container = { name, image: flags.image };
  if (args.length) container[flags.command ? 'command' : 'args'] = args;
  else if (flags.command) throw new Error('--command needs the command after --');
  if (flags.port !== undefined) {
    const p = Number(flags.port);
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`--port must be a port number (got "${flags.port}")`);
    container.ports = [{ containerPort: p }];
  }
  if (flags.env?.length) {
    container.env = flags.env.map((e) => {
      const eq = e.indexOf('=');
      if (eq <= 0) throw new Error(`--env: "${e}" is not NAME=VALUE`);
      return { name: e.slice(0, eq), value: e.slice(eq + 1) };
    });
  }
  if (flags.imagePullPolicy) container.imagePullPolicy = flags.imagePullPolicy as Container['imagePullPolicy'];
  const labels = flags.labels ? parseLabels(flags.labels) : { run: name };
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [container], restartPolicy: flags.restart as Pod['spec']['restartPolicy'] } };
}

export function runCommand(attach?: RunAttach): Command {
  return new Command('run')
    .description('Create and run a pod: orch run NAME --image=IMG [--port=80] [--env=K=V] [--restart=Never] [-- ARGS...]')
    .argument('<name>')
    .argument('[args...]', 'the container args after -- (with --command: the command and its args)')
    .requiredOption('--image <image>', 'the container image')
    .option('--port <port>', 'a port the container exposes')
    .option('--env <name=value>', 'an environment variable (repeatable)', collect)
    .option('-l, --labels <k=v,...>', 'the pod\'s labels (default: run=NAME)')
    .option('--restart <policy>', 'Always (default), OnFailure or Never', 'Always')
    .option('--command', 'the words after -- are the command, not the args')
    .option('--image-pull-policy <policy>', 'Always, IfNotPresent or Never')
    .option('--dry-run [mode]', 'client (only print the pod) or server (validated by the server, nothing stored)')
    .option('-o, --output <format>', 'yaml | json | name: print the pod instead of "pod/NAME created"')
    .option('-i, --stdin', 'keep stdin open and attach to the container')
    .option('-t, --tty', 'allocate a terminal')
    .option('--attach', 'attach to the container (the default with -i)')
    .option('--rm', 'delete the pod when the attached session ends')
    .action(async (name: string, args: string[], flags: RunFlags, cmd: Command) => {
      const pod = runPod(name, args, flags);
      const wantsAttach = Boolean(flags.stdin || flags.tty || flags.attach || flags.rm);
      if (wantsAttach) {
        if (!attach) throw new Error('orch run -i/-t/--attach/--rm is not available in this build: create the pod, then use orch logs -f');
        attach.prepare(pod, flags);
      }
      const dryRun = parseDryRun(flags.dryRun);
      const ctx = cliContext(cmd);
      pod.metadata.namespace = ctx.namespace;
      const created = dryRun === 'client' ? pod : await ctx.client.pods.create(pod, { dryRun: dryRun === 'server', fieldManager: 'orch-run' });
      if (flags.output) ctx.out(printObjects([created], 'Pod', { format: flags.output as OutputFormat }));
      else if (!wantsAttach) ctx.out(`pod/${created.metadata.name} created${dryRun !== 'none' ? ` (${dryRun} dry run)` : ''}`);
      if (wantsAttach && dryRun === 'none') process.exitCode = await attach!.attach(ctx, created, flags);
    });
}
