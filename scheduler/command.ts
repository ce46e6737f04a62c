// `orch scheduler`: flags → a client, logger and runScheduler. SIGTERM/SIGINT stop it
// cleanly (exit 0); losing the lease under --leader-elect exits 1 so a supervisor
// restarts it as a fresh standby, as Kubernetes components do.

import { Command } from 'commander';
import { addConnectionOptions, addLeaderElectionOptions, addLogLevelOption, leaderElectionFromFlags, parsePort, runUntilSignal, type ConnectionFlagValues, type LeaderElectionFlagValues } from '../foundation/component-flags.js';
import { clientFromFlags } from '../client/client-from-flags.js';
import { limitHeapGrowth } from '../foundation/heap-growth.js';
import { createLogger } from '../foundation/logger.js';
import { runScheduler } from './run.js';

interface SchedulerFlags extends ConnectionFlagValues, LeaderElectionFlagValues {
  port: string;
  bindAddress: string;
  logLevel: string;
  scheduledEvents: boolean;
}

export function schedulerCommand(): Command {
  const cmd = addConnectionOptions(new Command('scheduler').description('run the scheduler: bind pending pods to nodes'));
  return addLogLevelOption(addLeaderElectionOptions(cmd, 'orch-scheduler')
    .option('--port <port>', '/healthz and /metrics port (0: off)', '10259')
    .option('--bind-address <addr>', 'address for /healthz and /metrics', '0.0.0.0')
    .option('--no-scheduled-events', 'do not write a "Scheduled" Event per bound pod (halves writes under heavy load)'))
    .action(async (flags: SchedulerFlags) => {
      // Bound by the apiserver's write rate, not its own CPU: trade GC work for memory.
      limitHeapGrowth(25);
      const logger = createLogger('scheduler', flags.logLevel);
      const port = parsePort(flags.port);
      const client = clientFromFlags(flags, 'orch-scheduler', logger);
      await runUntilSignal(logger, (signal) => runScheduler(
        {
          client,
          logger,
          port,
          host: flags.bindAddress,
          scheduler: { recordScheduledEvents: flags.scheduledEvents },
          leaderElection: leaderElectionFromFlags(flags),
        },
        signal,
      ));
    });
}
