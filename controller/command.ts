// `orch controller-manager`: flags → a client, logger, metrics registry and the
// controller manager's components (manager.ts), run until SIGTERM/SIGINT (controllers
// stop in reverse order, exit 0); losing the lease under --leader-elect exits 1 so a
// supervisor restarts the replica as a standby.

import { Command } from 'commander';
import {
  addConnectionOptions,
  addHealthOptions,
  addLeaderElectionOptions,
  addLogLevelOption,
  healthFromFlags,
  leaderElectionFromFlags,
  parsePort,
  type ConnectionFlagValues,
  type HealthFlagValues,
  type LeaderElectionFlagValues,
} from '../foundation/component-flags.js';
import { runProcess } from '../foundation/component-runner.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { limitHeapGrowth } from '../foundation/heap-growth.js';
import { createLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { parseDuration } from '../foundation/duration.js';
import { controllerManagerProcess, enabledControllers } from './manager.js';

interface Flags extends ConnectionFlagValues, LeaderElectionFlagValues, HealthFlagValues {
  nodeMonitorGracePeriod: string;
  podEvictionTimeout: string;
  nodeMonitorPeriod: string;
  controllers: string;
  concurrentSyncs: string;
  logLevel: string;
}

export function controllerManagerCommand(): Command {
  const cmd = new Command('controller-manager').description('run the controllers: deployments, replica sets, node lifecycle, garbage collection');
  return addLogLevelOption(addHealthOptions(addLeaderElectionOptions(addConnectionOptions(cmd), 'orch-controller-manager'), '10257')
    .option('--node-monitor-grace-period <duration>', 'a node whose Lease is older than this is marked Ready=Unknown', '20s')
    .option('--pod-eviction-timeout <duration>', 'pods on a tainted node without a toleration are deleted after this', '10s')
    .option('--node-monitor-period <duration>', 'how often node health is checked', '1s')
    .option('--controllers <list>', "comma-separated: '*' for all, 'name' to enable, '-name' to disable", '*')
    .option('--concurrent-syncs <n>', 'workers per controller', '4'))
    .action(async (flags: Flags) => {
      // Bound by the apiserver, not its own CPU: trade GC work for memory (foundation/heap-growth.ts).
      limitHeapGrowth(25);
      const logger = createLogger('controller-manager', flags.logLevel);
      const workers = Number(flags.concurrentSyncs);
      if (!Number.isInteger(workers) || workers < 1) throw new Error(`invalid --concurrent-syncs ${flags.concurrentSyncs}`);
      const controllers = flags.controllers.split(',');
      enabledControllers(controllers); // fail fast on a typo
      const registry = processRegistry();
      const client = clientFromFlags(flags, 'orch-controller-manager', logger, registry);
      const { runner } = controllerManagerProcess({
        client,
        logger,
        registry,
        health: healthFromFlags({ ...flags, port: parsePort(flags.port), host: flags.bindAddress }, logger),
        controllers,
        workers,
        nodeMonitorGracePeriodMs: parseDuration(flags.nodeMonitorGracePeriod, '--node-monitor-grace-period'),
        podEvictionTimeoutMs: parseDuration(flags.podEvictionTimeout, '--pod-eviction-timeout'),
        nodeMonitorPeriodMs: parseDuration(flags.nodeMonitorPeriod, '--node-monitor-period'),
        leaderElection: leaderElectionFromFlags(flags),
      });
      await runProcess(runner, logger);
    });
}
