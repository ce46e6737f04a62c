// `orch controller-manager`: flags → a client, logger and runControllerManager.
// SIGTERM/SIGINT stop the controllers in reverse order and exit 0; losing the lease
// under --leader-elect exits 1 so a supervisor restarts the replica as a standby.

import { Command } from 'commander';
import { addConnectionOptions, addLeaderElectionOptions, addLogLevelOption, leaderElectionFromFlags, parsePort, runUntilSignal, type ConnectionFlagValues, type LeaderElectionFlagValues } from '../foundation/component-flags.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { limitHeapGrowth } from '../foundation/heap-growth.js';
import { createLogger } from '../foundation/logger.js';
import { parseDuration } from '../foundation/duration.js';
import { enabledControllers, runControllerManager } from './manager.js';

interface Flags extends ConnectionFlagValues, LeaderElectionFlagValues {
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
  const cmd = new Command('controller-manager').description('run the controllers: deployments, replica sets, node lifecycle, garbage collection');
  return addLogLevelOption(addLeaderElectionOptions(addConnectionOptions(cmd), 'orch-controller-manager')
    .option('--node-monitor-grace-period <duration>', 'a node whose Lease is older than this is marked Ready=Unknown', '20s')
    .option('--pod-eviction-timeout <duration>', 'pods on a tainted node without a toleration are deleted after this', '10s')
    .option('--node-monitor-period <duration>', 'how often node health is checked', '1s')
    .option('--controllers <list>', "comma-separated: '*' for all, 'name' to enable, '-name' to disable", '*')
    .option('--concurrent-syncs <n>', 'workers per controller', '4')
    .option('--port <port>', '/healthz and /metrics port (0: off)', '10257')
    .option('--bind-address <addr>', 'address for /healthz and /metrics', '0.0.0.0'))
    .action(async (flags: Flags) => {
      // Bound by the apiserver, not its own CPU: trade GC work for memory (foundation/heap-growth.ts).
      limitHeapGrowth(25);
      const logger = createLogger('controller-manager', flags.logLevel);
      const port = parsePort(flags.port);
      const workers = Number(flags.concurrentSyncs);
      if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid --concurrent-syncs ${flags.concurrentSyncs}`);
      const controllers = flags.controllers.split(',');
      enabledControllers(controllers); // fail fast on a typo
      const client = clientFromFlags(flags, 'orch-controller-manager', logger);
      await runUntilSignal(logger, (signal) => runControllerManager(
        {
          client,
          logger,
          port,
          host: flags.bindAddress,
          controllers,
          workers,
          nodeMonitorGracePeriodMs: parseDuration(flags.nodeMonitorGracePeriod, '--node-monitor-grace-period'),
          podEvictionTimeoutMs: parseDuration(flags.podEvictionTimeout, '--pod-eviction-timeout'),
          nodeMonitorPeriodMs: parseDuration(flags.nodeMonitorPeriod, '--node-monitor-period'),
          leaderElection: leaderElectionFromFlags(flags),
        },
        signal,
      ));
    });
}
