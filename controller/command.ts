// `orch controller-manager`: flags → a client, logger and runControllerManager.
// SIGTERM/SIGINT stop the controllers in reverse order and exit 0; losing the lease
// under --leader-elect exits 1 so a supervisor restarts the replica as a standby.

import fs from 'node:fs';
import { Command, Option } from 'commander';
import { ApiClient } from '../client/rest-client.js';
import { createLogger } from '../client/logger.js';
import { parseDuration } from './duration.js';
import { enabledControllers, runControllerManager } from './manager.js';

interface Flags {
  server: string;
  tokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  leaderElect?: boolean;
  leaderElectNamespace: string;
  identity?: string;
  nodeMonitorGracePeriod: string;
  podEvictionTimeout: string;
  nodeMonitorPeriod: string;
  controllers: string;
  concurrentSyncs: string;
  port: string;
  bindAddress: string;
  logLevel: string;
}

export function controllerManagerCommand(): Command {
  return new Command('controller-manager')
    .description('run the controllers: deployments, replica sets, node lifecycle, garbage collection')
    .requiredOption('--server <url>', 'API server URL')
    .option('--token-file <file>', 'file holding the bearer token')
    .option('--ca-file <file>', "CA certificate (PEM) of the server's certificate")
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate (development only)')
    .option('--leader-elect', 'run as one of several replicas: only the holder of the Lease acts')
    .option('--leader-elect-namespace <ns>', 'namespace of the Lease', 'kube-system')
    .option('--identity <id>', "this replica's identity in the Lease (default: hostname_uuid)")
    .option('--node-monitor-grace-period <duration>', 'a node whose Lease is older than this is marked Ready=Unknown', '20s')
    .option('--pod-eviction-timeout <duration>', 'pods on a tainted node without a toleration are deleted after this', '10s')
    .option('--node-monitor-period <duration>', 'how often node health is checked', '1s')
    .option('--controllers <list>', "comma-separated: '*' for all, 'name' to enable, '-name' to disable", '*')
    .option('--concurrent-syncs <n>', 'workers per controller', '4')
    .option('--port <port>', '/healthz and /metrics port (0: off)', '10257')
    .option('--bind-address <addr>', 'address for /healthz and /metrics', '0.0.0.0')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .action(async (flags: Flags) => {
      const logger = createLogger('controller-manager', flags.logLevel);
      const port = Number(flags.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${flags.port}`);
      const workers = Number(flags.concurrentSyncs);
      if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid --concurrent-syncs ${flags.concurrentSyncs}`);
      const controllers = flags.controllers.split(',');
      enabledControllers(controllers); // fail fast on a typo
      const client = new ApiClient(
        {
          server: flags.server,
          token: flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : undefined,
          ca: flags.caFile ? fs.readFileSync(flags.caFile, 'utf8') : undefined,
          insecureSkipTLSVerify: flags.insecureSkipTlsVerify ?? false,
          userAgent: 'orch-controller-manager',
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
      const outcome = await runControllerManager(
        {
          client,
          logger,
          port,
          host: flags.bindAddress,
          controllers,
          workers,
          nodeMonitorGracePeriodMs: parseDuration(flags.nodeMonitorGracePeriod),
          podEvictionTimeoutMs: parseDuration(flags.podEvictionTimeout),
          nodeMonitorPeriodMs: parseDuration(flags.nodeMonitorPeriod),
          leaderElection: flags.leaderElect ? { namespace: flags.leaderElectNamespace, identity: flags.identity } : undefined,
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
