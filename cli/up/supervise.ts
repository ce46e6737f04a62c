// `orch supervise` (hidden): the long-lived process `orch up` leaves behind. It runs the
// Supervisor over real processes for the cluster described in run/cluster.json, logs to
// $ORCH_HOME/logs/supervisor.log, and on SIGTERM (what `orch down` sends) stops every
// component and exits. `orch up --foreground` runs the same supervisor in its own process.

import { Command } from 'commander';
import pino, { type Logger } from 'pino';
import { realClock } from '../../foundation/clock.js';
import { readClusterState } from './cluster-state.js';
import { homePaths, type HomePaths } from './home.js';
import { appendLogLine, isRunning, launchProcess, probeUrl, stopProcess, watchProcess, type ComponentSpec, type ProcessHandle } from './processes.js';
import { Supervisor, type SupervisorDeps } from './supervisor.js';
import { readSupervisorStatus, writeSupervisorStatus } from './supervisor-status.js';

/** pino JSON lines appended to logs/supervisor.log (synchronously: a crash loses nothing). */
export function supervisorLogger(p: HomePaths, level = process.env.ORCH_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    // `pid` in a line is the component's; the supervisor's own is in run/supervisor.json.
    { level, base: { component: 'supervisor' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: p.logFile('supervisor'), append: true, mkdir: true, sync: true }),
  );
}

async function stopHandle(handle: ProcessHandle, timeoutMs: number): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!handle.pid) return 'not-running';
  if (!handle.child) return stopProcess(handle.pid, timeoutMs);
  try {
    process.kill(handle.pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  let timer: NodeJS.Timeout | undefined;
  const exitedInTime = await Promise.race([
    handle.exited.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (exitedInTime) return 'stopped';
  try {
    process.kill(handle.pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  await handle.exited;
  return 'killed';
}

export function realSupervisorDeps(p: HomePaths, logger: Logger): SupervisorDeps {
  return {
    clock: realClock,
    logger,
    launch: (spec, note) => launchProcess(spec.name, spec.command, spec.log, { note, env: spec.env }),
    adopt: (spec, pid) => (isRunning(pid, spec.command) ? watchProcess(pid, (ms) => realClock.sleep(ms)) : undefined),
    ready: (spec: ComponentSpec) => (spec.ready ? probeUrl(spec.ready.url, spec.ready.caFile) : Promise.resolve(true)),
    stop: stopHandle,
    note: (spec, line) => appendLogLine(spec.log, line),
    writeStatus: (status) => writeSupervisorStatus(p.supervisorStatus, status),
  };
}

/** A supervisor for the cluster in $ORCH_HOME, adopting what an earlier supervisor left running. */
export function clusterSupervisor(p: HomePaths, logger: Logger): Supervisor {
  const state = readClusterState(p.clusterState);
  if (!state) throw new Error(`no cluster to supervise: ${p.clusterState} is missing (start one with \`orch up\`)`);
  return new Supervisor(state.components, realSupervisorDeps(p, logger), { previous: readSupervisorStatus(p.supervisorStatus) });
}

export function superviseCommand(): Command {
  return new Command('supervise')
    .description('(internal, started by `orch up`) run the components of the local cluster in $ORCH_HOME and restart those that exit')
    .action(async () => {
      const p = homePaths();
      const logger = supervisorLogger(p);
      const supervisor = clusterSupervisor(p, logger);
      // Stays up until told to stop: the children's handles and the timers keep the loop busy,
      // this keeps it alive even in the moment between a component's exit and its restart timer.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const stop = (signal: string) => {
        logger.info({ signal }, 'stopping every component');
        void supervisor.stop().then(() => {
          logger.info('supervisor stopped');
          clearInterval(keepAlive);
          process.exit(0);
        });
      };
      for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => stop(sig));
      logger.info({ supervisorPid: process.pid, components: supervisor.status.components.map((c) => c.name) }, 'supervisor starting');
      await supervisor.start();
      logger.info('every component started');
    });
}
