// `orch scheduler`: flags → a client, logger, metrics registry and the scheduler's
// components (run.ts), run until SIGTERM/SIGINT (exit 0); losing the lease under
// --leader-elect exits 1 so a supervisor restarts it as a fresh standby, as Kubernetes
// components do.

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
import { schedulerProcess } from './run.js';

interface SchedulerFlags extends ConnectionFlagValues, LeaderElectionFlagValues, HealthFlagValues {
  logLevel: string;
  scheduledEvents: boolean;
}

export function schedulerCommand(): Command {
  const cmd = addConnectionOptions(new Command('scheduler').description('run the scheduler: bind pending pods to nodes'));
  return addLogLevelOption(addHealthOptions(addLeaderElectionOptions(cmd, 'orch-scheduler'), '10259')
    .option('--no-scheduled-events', 'do not write a "Scheduled" Event per bound pod (halves writes under heavy load)'))
    .action(async (flags: SchedulerFlags) => {
      // Bound by the apiserver's write rate, not its own CPU: trade GC work for memory.
      limitHeapGrowth(25);
      const logger = createLogger('scheduler', flags.logLevel);
      const registry = processRegistry();
      const client = clientFromFlags(flags, 'orch-scheduler', logger, registry);
      const { runner } = schedulerProcess({
        client,
        logger,
        registry,
        health: healthFromFlags({ ...flags, port: parsePort(flags.port), host: flags.bindAddress }, logger),
        scheduler: { recordScheduledEvents: flags.scheduledEvents },
        leaderElection: leaderElectionFromFlags(flags),
      });
      await runProcess(runner, logger);
    });
}
