#!/usr/bin/env node
// The `orch` binary: everyday commands for users, and the subcommands that run each
// component of a cluster (`orch apiserver`, `orch scheduler`, `orch controller-manager`,
// `orch agent`, `orch proxy`) or a whole local cluster (`orch up`).

import { Command, CommanderError } from 'commander';
import { ApiError } from '../api/errors.js';
import { ManifestError } from './manifest.js';
import { ORCH_VERSION } from './version-info.js';
import { traceHop, tracing } from '../foundation/trace.js';

/**
 * The server components. Each is loaded only when it runs, so a scheduler process does
 * not carry the apiserver's or the agent's libraries (fastify, etcd3, dockerode) in memory.
 */
const COMPONENTS: Record<string, { description: string; load: () => Promise<Command> }> = {
  apiserver: { description: 'Run the API server (HTTPS, over etcd)', load: async () => (await import('../apiserver/command.js')).apiserverCommand() },
  scheduler: { description: 'Run the scheduler (binds pending pods to nodes)', load: async () => (await import('../scheduler/command.js')).schedulerCommand() },
  'controller-manager': { description: 'Run the controllers (Deployments, ReplicaSets, DaemonSets, StatefulSets, Jobs and CronJobs, Endpoints and EndpointSlices, persistent volume binding, autoscalers, nodes, pod disruption budgets, garbage collection, aggregated ClusterRoles, certificate requests, bootstrap tokens, service accounts, the root CA)', load: async () => (await import('../controller/command.js')).controllerManagerCommand() },
  agent: { description: "Run a node agent: the pods bound to this host as Docker containers", load: async () => (await import('../agent/command.js')).agentCommand() },
  proxy: { description: "Run a node's service proxy: Services' virtual IPs and node ports in iptables or nftables, cluster DNS", load: async () => (await import('../proxy/command.js')).proxyCommand() },
};

/** Hidden commands, loaded only when they run: `orch supervise` is started by `orch up`. */
const INTERNAL: Record<string, () => Promise<Command>> = {
  supervise: async () => (await import('./up/supervise.js')).superviseCommand(),
};

/** Connection flags every client command accepts (they override the config file). */
function withConnectionFlags(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <ns>', 'namespace (default: the context\'s, else "default")')
    .option('--kubeconfig <file>', 'a kubeconfig file to use (default: $KUBECONFIG, a colon-separated list; else orch\'s own config)')
    .option('--context <name>', 'use this context of the config file')
    .option('--cluster <name>', 'use this cluster of the kubeconfig')
    .option('--user <name>', 'use this user of the kubeconfig')
    .option('-s, --server <url>', 'API server URL (overrides the context)')
    .option('--token <token>', 'bearer token')
    .option('--token-file <file>', 'read the bearer token from a file')
    .option('--ca-file <file>', "CA certificate (PEM) of the server's certificate")
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (development only)');
}

/** Loads the factories of commands (each module only when asked for). */
type Loader = () => Promise<Command[]>;

/**
 * The everyday client commands, in `orch --help` order, keyed by name. Loaded lazily:
 * `orch apply` imports apply's module and what it needs, not the other thirty commands
 * (node's start-up of the CLI was mostly module loading; see docs/performance.md).
 * Every name here must be the command's real name (cli/main.test.ts checks).
 */
export const EVERYDAY: Record<string, Loader> = {
  apply: async () => [(await import('./commands/apply.js')).applyCommand()],
  diff: async () => [(await import('./commands/diff.js')).diffCommand()],
  create: async () => [(await import('./commands/create.js')).createCommand()],
  run: async () => {
    const [{ runCommand }, { runAttach }] = await Promise.all([import('./commands/run.js'), import('./streams/run-attach.js')]);
    return [runCommand(runAttach)];
  },
  get: async () => [(await import('./commands/get.js')).getCommand()],
  describe: async () => [(await import('./commands/describe.js')).describeCommand()],
  explain: async () => [(await import('./commands/explain.js')).explainCommand()],
  edit: async () => [(await import('./commands/edit.js')).editCommand()],
  patch: async () => [(await import('./commands/patch.js')).patchCommand()],
  label: async () => [(await import('./commands/label.js')).labelCommand()],
  annotate: async () => [(await import('./commands/label.js')).annotateCommand()],
  delete: async () => [(await import('./commands/delete.js')).deleteCommand()],
  wait: async () => [(await import('./commands/wait.js')).waitCommand()],
  logs: async () => [(await import('./commands/logs.js')).logsCommand()],
  exec: async () => [(await import('./commands/exec.js')).execCommand()],
  attach: async () => [(await import('./commands/attach.js')).attachCommand()],
  cp: async () => [(await import('./commands/cp.js')).cpCommand()],
  'port-forward': async () => [(await import('./commands/port-forward.js')).portForwardCommand()],
  scale: async () => [(await import('./commands/scale.js')).scaleCommand()],
  autoscale: async () => [(await import('./commands/autoscale.js')).autoscaleCommand()],
  expose: async () => [(await import('./commands/expose.js')).exposeCommand()],
  rollout: async () => [(await import('./commands/rollout.js')).rolloutCommand()],
  set: async () => [(await import('./commands/set-image.js')).setCommand()],
  cordon: async () => [(await import('./commands/cordon.js')).cordonCommand()],
  uncordon: async () => [(await import('./commands/cordon.js')).uncordonCommand()],
  taint: async () => [(await import('./commands/taint.js')).taintCommand()],
  drain: async () => [(await import('./commands/drain.js')).drainCommand()],
  events: async () => [(await import('./commands/events.js')).eventsCommand()],
  version: async () => [(await import('./commands/version.js')).versionCommand()],
  'api-resources': async () => [(await import('./commands/api-resources.js')).apiResourcesCommand()],
  token: async () => [(await import('./commands/token.js')).tokenCommand()],
  secrets: async () => [(await import('./commands/secrets-reencrypt.js')).secretsCommand()],
  top: async () => [(await import('./commands/top.js')).topCommand()],
};

/** Commands without the connection flags (local configuration, the local cluster). */
export const LOCAL: Record<string, Loader> = {
  config: async () => [(await import('./commands/config.js')).configCommand()],
  up: async () => [(await import('./commands/cluster.js')).upCommand()],
  down: async () => [(await import('./commands/cluster.js')).downCommand()],
  status: async () => [(await import('./commands/cluster.js')).statusCommand()],
  init: async () => [(await import('./commands/init.js')).initCommand()],
};

/**
 * The program with every command, or (`only`, a command's exact name) with just that one:
 * what `orch NAME ...` needs to parse and run. Help, completion, an alias or a typo get
 * the whole program (its listing, its suggestions).
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('orch')
    .description('orch: a small container orchestrator with a Kubernetes-shaped API.\nStart a local cluster with `orch up`, then `orch apply -f app.yaml --wait`.')
    .version(ORCH_VERSION, '--version', 'print the client version')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false });
  const pick = (table: Record<string, Loader>) => Object.entries(table).filter(([name]) => only === undefined || name === only);
  const everyday = (await Promise.all(pick(EVERYDAY).map(([, load]) => load()))).flat();
  for (const c of everyday) program.addCommand(withConnectionFlags(c));
  // Subcommands (rollout status, create service clusterip, ...) take the connection flags too;
  // optsWithGlobals() merges them with their parents'.
  const addToSubcommands = (c: Command): void => {
    for (const sc of c.commands) addToSubcommands(withConnectionFlags(sc));
  };
  for (const c of everyday) addToSubcommands(c);
  for (const c of (await Promise.all(pick(LOCAL).map(([, load]) => load()))).flat()) program.addCommand(c);
  if (only !== undefined) return program;
  for (const [name, c] of Object.entries(COMPONENTS)) {
    // Listed for `orch --help`; `orch NAME ...` loads the real command (see main()).
    program.addCommand(new Command(name).description(c.description).helpOption(false).allowUnknownOption().allowExcessArguments());
  }
  program.addCommand((await import('./commands/completion.js')).completionCommand());
  return program;
}

/** Errors as users should see them: the server's words (and field causes), never a stack trace. */
export function formatError(err: unknown): string {
  if (err instanceof ApiError) {
    const s = err.status;
    const lines = [`Error from server (${s.reason ?? s.code}): ${s.message ?? ''}`];
    for (const c of s.details?.causes ?? []) {
      if (!s.message?.includes(c.message)) lines.push(`  ${c.field ? `${c.field}: ` : ''}${c.message}`);
    }
    return lines.join('\n');
  }
  if (err instanceof ManifestError) return `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}`;
  return `error: ${String(err)}`;
}

/**
 * A reader that stops early (`orch status | head -1`) closes the pipe, and the next write
 * fails with EPIPE: that is the reader's choice, not a failure of the command, so the
 * command ends there, quietly, with the exit code it had set so far (0 unless it already
 * failed), instead of Node's unhandled-error stack trace. Any other stream error still
 * surfaces. Only for user commands: the server components log through their own
 * destinations and are not cut short by a closed stdout.
 */
function exitQuietlyOnClosedPipe(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}

async function main(): Promise<void> {
  if (tracing) {
    // The process began at timeOrigin; `cli.main` is after the static imports were loaded.
    traceHop('cli.start', { argv: process.argv[2] }, performance.timeOrigin);
    traceHop('cli.main');
    process.on('exit', () => traceHop('cli.exit'));
  }
  if (process.argv[2] === '__complete') {
    // The shell completions' helper (cli/complete.ts): never through commander, which would
    // act on the typed words (--help, unknown flags) instead of completing them.
    const { runComplete } = await import('./complete.js');
    return runComplete(await buildProgram(), process.argv.slice(3));
  }
  const component = COMPONENTS[process.argv[2] ?? ''];
  const internal = INTERNAL[process.argv[2] ?? ''];
  if (!component && !internal) exitQuietlyOnClosedPipe();
  const name = process.argv[2] ?? '';
  const single = Object.hasOwn(EVERYDAY, name) || Object.hasOwn(LOCAL, name) ? name : undefined;
  const program = component ? new Command('orch').addCommand(await component.load()) : internal ? new Command('orch').addCommand(await internal()) : await buildProgram(single);
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help/version text).
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    process.stderr.write(`${formatError(err)}\n`);
    // A command may ask for another code (orch diff: 1 means "differences", errors are 2).
    const code = (err as { exitCode?: unknown } | undefined)?.exitCode;
    process.exitCode = typeof code === 'number' && !(err instanceof CommanderError) ? code : 1;
  }
}

// Run only as the entry point, so tests can import buildProgram().
const entry = process.argv[1] ?? '';
if (entry.endsWith('/cli/main.js') || entry.endsWith('/cli/main.ts') || entry.endsWith('/orch')) {
  void main();
}
