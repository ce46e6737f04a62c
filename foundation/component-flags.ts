// What every long-running component (scheduler, controller manager, agent) shares on
// its command line: how to reach the API server (the client is made from these flags by
// client/client-from-flags.ts), the log level, a port flag, and a
// main loop that stops cleanly on SIGTERM/SIGINT (exit 0) and exits 1 after losing its
// leader lease, so a supervisor restarts it as a fresh standby (as Kubernetes' do).

import { Command, Option } from 'commander';
import type { Logger } from './logger.js';
import { parseDuration } from './duration.js';

export interface ConnectionFlagValues {
  server: string;
  tokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--server <url>', 'API server URL')
    .option('--token-file <file>', 'file holding the bearer token')
    .option('--ca-file <file>', "CA certificate (PEM) of the server's certificate")
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (development only)');
}

export interface LeaderElectionFlagValues {
  leaderElect?: boolean;
  leaderElectNamespace: string;
  leaseName: string;
  identity?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
}

/** --leader-elect and its timings (client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry). */
export function addLeaderElectionOptions(cmd: Command, defaultLeaseName: string): Command {
  return cmd
    .option('--leader-elect', 'run as one of several replicas: only the holder of the Lease acts')
    .option('--leader-elect-namespace <ns>', 'namespace of the Lease', 'kube-system')
    .option('--lease-name <name>', 'name of the Lease', defaultLeaseName)
    .option('--identity <id>', "this replica's identity in the Lease (default: hostname_uuid)")
    .option('--leader-elect-lease-duration <d>', 'how long a lease lasts without renewal before a standby takes it', '15s')
    .option('--leader-elect-renew-deadline <d>', 'how long the leader keeps trying to renew before it steps down', '10s')
    .option('--leader-elect-retry-period <d>', 'interval between lease attempts', '2s');
}

export function leaderElectionFromFlags(flags: LeaderElectionFlagValues):
  | { namespace: string; leaseName: string; identity?: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }
  | undefined {
  if (!flags.leaderElect) return undefined;
  const timings = {
    leaseDurationMs: parseDuration(flags.leaderElectLeaseDuration, '--leader-elect-lease-duration'),
    renewDeadlineMs: parseDuration(flags.leaderElectRenewDeadline, '--leader-elect-renew-deadline'),
    retryPeriodMs: parseDuration(flags.leaderElectRetryPeriod, '--leader-elect-retry-period'),
  };
  if (!(timings.retryPeriodMs < timings.renewDeadlineMs && timings.renewDeadlineMs < timings.leaseDurationMs)) {
    throw new Error('leader election needs --leader-elect-retry-period < --leader-elect-renew-deadline < --leader-elect-lease-duration');
  }
  return { namespace: flags.leaderElectNamespace, leaseName: flags.leaseName, identity: flags.identity, ...timings };
}

export function addLogLevelOption(cmd: Command): Command {
  return cmd.addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'));
}

export function parsePort(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid ${flag} ${value}: a port from 0 to 65535`);
  return port;
}

/** Run until SIGTERM/SIGINT (exit 0) or until the leader lease is lost (exit 1). */
export async function runUntilSignal(logger: Logger, run: (signal: AbortSignal) => Promise<'stopped' | 'lost-lease'>): Promise<never> {
  const ac = new AbortController();
  const stop = (sig: string) => {
    logger.info({ signal: sig }, 'stopping');
    ac.abort(new Error(`received ${sig}`));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const outcome = await run(ac.signal);
  if (outcome === 'lost-lease') {
    logger.error('leader election lost; exiting so a supervisor restarts this replica as a standby');
    process.exit(1);
  }
  logger.info('stopped');
  process.exit(0);
}
