#!/usr/bin/env node
// The `orch` binary: everyday commands for users, and the subcommands that run each
// component of a cluster (`orch apiserver`, `orch scheduler`, `orch controller-manager`,
// `orch agent`, `orch proxy`) or a whole local cluster (`orch up`).

import { Command, CommanderError } from 'commander';
import { ApiError } from '../api/errors.js';
import { ManifestError } from './manifest.js';
import { ORCH_VERSION } from './version-info.js';
import { initCommand } from './commands/init.js';
import { applyCommand } from './commands/apply.js';
import { getCommand } from './commands/get.js';
import { describeCommand } from './commands/describe.js';
import { deleteCommand } from './commands/delete.js';
import { logsCommand } from './commands/logs.js';
import { portForwardCommand } from './commands/port-forward.js';
import { scaleCommand } from './commands/scale.js';
import { autoscaleCommand } from './commands/autoscale.js';
import { exposeCommand } from './commands/expose.js';
import { rolloutCommand, setCommand } from './commands/rollout.js';
import { eventsCommand } from './commands/events.js';
import { versionCommand } from './commands/version.js';
import { configCommand } from './commands/config.js';
import { completionCommand } from './commands/completion.js';
import { upCommand, downCommand, statusCommand } from './commands/cluster.js';
import { apiResourcesCommand } from './commands/api-resources.js';
import { execCommand } from './commands/exec.js';
import { attachCommand } from './commands/attach.js';
import { cpCommand } from './commands/cp.js';
import { explainCommand } from './commands/explain.js';
import { createCommand } from './commands/create.js';
import { runCommand } from './commands/run.js';
import { editCommand } from './commands/edit.js';
import { patchCommand } from './commands/patch.js';
import { labelCommand, annotateCommand } from './commands/label.js';
import { cordonCommand, uncordonCommand } from './commands/cordon.js';
import { secretsCommand } from './commands/secrets-reencrypt.js';
import { tokenCommand } from './commands/token.js';
import { taintCommand } from './commands/taint.js';
import { drainCommand } from './commands/drain.js';
import { waitCommand } from './commands/wait.js';
import { topCommand } from './commands/top.js';
import { diffCommand } from './commands/diff.js';
import { runAttach } from './streams/run-attach.js';

/**
 * The server components. Each is loaded only when it runs, so a scheduler process does
 * not carry the apiserver's or the agent's libraries (fastify, etcd3, dockerode) in memory.
 */
const COMPONENTS: Record<string, { description: string; load: () => Promise<Command> }> = {
  apiserver: { description: 'Run the API server (HTTPS, over etcd)', load: async () => (await import('../apiserver/command.js')).apiserverCommand() },
  scheduler: { description: 'Run the scheduler (binds pending pods to nodes)', load: async () => (await import('../scheduler/command.js')).schedulerCommand() },
  'controller-manager': { description: 'Run the controllers (Deployments, ReplicaSets, Endpoints and EndpointSlices, nodes, pod disruption budgets, garbage collection, aggregated ClusterRoles, certificate requests, bootstrap tokens, service accounts, the root CA)', load: async () => (await import('../controller/command.js')).controllerManagerCommand() },
  agent: { description: "Run a node agent: the pods bound to this host as Docker containers", load: async () => (await import('../agent/command.js')).agentCommand() },
  proxy: { description: "Run a node's service proxy: Services' virtual IPs and node ports in iptables, cluster DNS", load: async () => (await import('../proxy/command.js')).proxyCommand() },
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

export function buildProgram(): Command {
  const program = new Command('orch')
    .description('orch: a small container orchestrator with a Kubernetes-shaped API.\nStart a local cluster with `orch up`, then `orch apply -f app.yaml --wait`.')
    .version(ORCH_VERSION, '--version', 'print the client version')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false });

  const everyday = [
    applyCommand(), diffCommand(), createCommand(), runCommand(runAttach), getCommand(), describeCommand(), explainCommand(), editCommand(), patchCommand(), labelCommand(), annotateCommand(),
    deleteCommand(), waitCommand(), logsCommand(), execCommand(), attachCommand(), cpCommand(), portForwardCommand(), scaleCommand(), autoscaleCommand(), exposeCommand(), rolloutCommand(), setCommand(),
    cordonCommand(), uncordonCommand(), taintCommand(), drainCommand(), eventsCommand(), versionCommand(), apiResourcesCommand(), tokenCommand(),
    secretsCommand(), topCommand(),
  ];
  for (const c of everyday) program.addCommand(withConnectionFlags(c));
  // Subcommands (rollout status, create service clusterip, ...) take the connection flags too;
  // optsWithGlobals() merges them with their parents'.
  const addToSubcommands = (c: Command): void => {
    for (const sc of c.commands) addToSubcommands(withConnectionFlags(sc));
  };
  for (const c of everyday) addToSubcommands(c);
  program.addCommand(configCommand());
  program.addCommand(upCommand());
  program.addCommand(downCommand());
  program.addCommand(statusCommand());
  program.addCommand(initCommand());
  for (const [name, c] of Object.entries(COMPONENTS)) {
    // Listed for `orch --help`; `orch NAME ...` loads the real command (see main()).
    program.addCommand(new Command(name).description(c.description).helpOption(false).allowUnknownOption().allowExcessArguments());
  }
  program.addCommand(completionCommand());
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
  if (process.argv[2] === '__complete') {
    // The shell completions' helper (cli/complete.ts): never through commander, which would
    // act on the typed words (--help, unknown flags) instead of completing them.
    const { runComplete } = await import('./complete.js');
    return runComplete(buildProgram(), process.argv.slice(3));
  }
  const component = COMPONENTS[process.argv[2] ?? ''];
  const internal = INTERNAL[process.argv[2] ?? ''];
  if (!component && !internal) exitQuietlyOnClosedPipe();
  const program = component ? new Command('orch').addCommand(await component.load()) : internal ? new Command('orch').addCommand(await internal()) : buildProgram();
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
