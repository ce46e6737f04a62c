// `orch scheduler`: flags → a client, logger and runScheduler. SIGTERM/SIGINT stop it
// cleanly (exit 0); losing the lease under --leader-elect exits 1 so a supervisor
// restarts it as a fresh standby, as Kubernetes components do.

import fs from 'node:fs';
import { Command, Option } from 'commander';
import { parseDuration } from '../cli/duration.js';
import { ApiClient } from '../client/rest-client.js';
import { createLogger } from '../client/logger.js';
import { runScheduler } from './run.js';

interface SchedulerFlags {
  server: string;
  tokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  leaderElect?: boolean;
  leaderElectNamespace: string;
  leaseName: string;
  identity?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  port: string;
  bindAddress: string;
  logLevel: string;
  scheduledEvents: boolean;
}

export function schedulerCommand(): Command {
  return new Command('scheduler')
    .description('run the scheduler: bind pending pods to nodes')
    .requiredOption('--server <url>', 'API server URL')
    .option('--token-file <file>', 'file holding the bearer token')
    .option('--ca-file <file>', "CA certificate (PEM) of the server's certificate")
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (development only)')
    .option('--leader-elect', 'run as one of several replicas: only the holder of the Lease schedules')
    .option('--leader-elect-namespace <ns>', 'namespace of the Lease', 'kube-system')
    .option('--lease-name <name>', 'name of the Lease', 'orch-scheduler')
    .option('--identity <id>', 'this replica\'s identity in the Lease (default: hostname_uuid)')
    .option('--leader-elect-lease-duration <d>', 'how long a lease lasts without renewal before a standby takes it', '15s')
    .option('--leader-elect-renew-deadline <d>', 'how long the leader keeps trying to renew before it steps down', '10s')
    .option('--leader-elect-retry-period <d>', 'interval between lease attempts', '2s')
    .option('--port <port>', '/healthz and /metrics port (0: off)', '10259')
    .option('--bind-address <addr>', 'address for /healthz and /metrics', '0.0.0.0')
    .option('--no-scheduled-events', 'do not write a "Scheduled" Event per bound pod (halves writes under heavy load)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .action(async (flags: SchedulerFlags) => {
      const logger = createLogger('scheduler', flags.logLevel);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${flags.port}`);
      const client = new ApiClient(
        {
          server: flags.server,
          token: flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : undefined,
          ca: flags.caFile ? fs.readFileSync(flags.caFile, 'utf8') : undefined,
          insecureSkipTLSVerify: flags.insecureSkipTlsVerify ?? false,
          userAgent: 'orch-scheduler',
        },
        { logger },
      );
      const ac = new AbortController();
      const stop = (sig: string) => {
        logger.info({ signal: sig }, 'stopping');
        ac.abort(new Error(`received ${sig}`));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
      const outcome = await runScheduler(
        {
          client,
          logger,
          port,
          host: flags.bindAddress,
          scheduler: { recordScheduledEvents: flags.scheduledEvents },
          leaderElection: flags.leaderElect
            ? {
                namespace: flags.leaderElectNamespace,
                leaseName: flags.leaseName,
                identity: flags.identity,
                leaseDurationMs: parseDuration(flags.leaderElectLeaseDuration),
                renewDeadlineMs: parseDuration(flags.leaderElectRenewDeadline),
                retryPeriodMs: parseDuration(flags.leaderElectRetryPeriod),
              }
            : undefined,
        },
        ac.signal,
      );
      if (outcome === 'lost-lease') {
        logger.error('leader election lost; exiting so a supervisor restarts this replica as a standby');
        process.exit(1);
      }
      logger.info('stopped');
      process.exit(0);
    });
}
