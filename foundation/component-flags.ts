// What every long-running component (scheduler, controller manager, agent) shares on
// its command line: how to reach the API server (the client is made from these flags by
// client/client-from-flags.ts), leader election, the log level, and where its health and
// metrics endpoint listens (health-server.ts says who may read what). The main loop is
// component-runner.ts runProcess: SIGTERM/SIGINT → exit 0, a lost lease → exit 1.

import fs from 'node:fs';
import { Command, Option } from 'commander';
import type { Logger } from './logger.js';
import { parseDuration } from './duration.js';
import type { ProcessOptions } from './process.js';
import { reloadingTokenFile } from './token-auth.js';

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

export interface HealthFlagValues {
  port: string;
  bindAddress: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  metricsTokenFile?: string;
}

/** --port, --bind-address (127.0.0.1), and what guards /metrics when bound beyond loopback. */
export function addHealthOptions(cmd: Command, defaultPort: string): Command {
  return cmd
    .option('--port <port>', '/healthz, /livez, /readyz and /metrics port (0: off)', defaultPort)
    .option('--bind-address <addr>', 'address of /healthz, /readyz and /metrics; beyond loopback they are served over HTTPS and /metrics needs a token from --metrics-token-file', '127.0.0.1')
    .option('--tls-cert-file <file>', 'serving certificate (PEM) of /healthz and /metrics when --bind-address is not loopback (default: self-signed)')
    .option('--tls-private-key-file <file>', 'its private key (PEM)')
    .addOption(metricsTokenFileOption());
}

export function metricsTokenFileOption(): Option {
  return new Option('--metrics-token-file <file>', 'bearer tokens that may read /metrics when served beyond loopback (token,user,uid,"groups" lines, as --token-auth-file)');
}

/** The health server's options from the flags; undefined when the port is 0 (off). */
export function healthFromFlags(
  flags: { port: number; host: string; tlsCertFile?: string; tlsPrivateKeyFile?: string; metricsTokenFile?: string },
  logger: Logger,
): ProcessOptions['health'] {
  if (flags.port === 0) return undefined;
  if (!flags.tlsCertFile !== !flags.tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  return {
    port: flags.port,
    host: flags.host,
    tls: flags.tlsCertFile && flags.tlsPrivateKeyFile ? { cert: fs.readFileSync(flags.tlsCertFile, 'utf8'), key: fs.readFileSync(flags.tlsPrivateKeyFile, 'utf8') } : undefined,
    // Followed while running, so a token can be added or revoked without a restart.
    metricsAuth: flags.metricsTokenFile ? reloadingTokenFile(flags.metricsTokenFile, { logger: logger.child({ sub: 'metrics-auth' }) }) : undefined,
  };
}
