// A scheduler process as components (foundation/component.ts): the health/metrics server,
// then either the scheduler itself or — with leader election — a LeaderElected wrapper
// that runs a fresh scheduler only while holding the Lease. Used by `orch scheduler` and
// by in-process tests (several replicas in one test process).

import type { Component, RunOutcome } from '../foundation/component.js';
import { loopComponent } from '../foundation/component.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import { processRegistry, type Registry } from '../foundation/metrics.js';
import { assembleProcess, type AssembledProcess, type ProcessOptions } from '../foundation/process.js';
import { defaultIdentity, LeaderElected } from '../client/leader-elected.js';
import type { Client } from '../client/types.js';
import { SchedulerMetrics } from './metrics.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

export type { RunOutcome };

export interface LeaderElectionConfig {
  namespace: string;
  leaseName: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface RunSchedulerOptions {
  client: Client;
  logger?: Logger;
  leaderElection?: LeaderElectionConfig;
  /** Where /healthz, /readyz and /metrics are served (undefined: nowhere). */
  health?: ProcessOptions['health'];
  /** The process's registry (default: a fresh one with the process metrics). */
  registry?: Registry;
  /** Passed to each Scheduler instance. */
  scheduler?: Omit<SchedulerOptions, 'client' | 'logger' | 'metrics'>;
  /** Called with every Scheduler created (tests inspect them). */
  onScheduler?: (s: Scheduler) => void;
}

/** The scheduler's run(signal) as a component, ready once its informers synced. */
export function schedulerComponent(s: Scheduler): Component {
  return loopComponent('scheduler', (signal) => s.run(signal), { ready: () => (s.hasSynced() ? undefined : 'informers not synced') });
}

export function schedulerProcess(opts: RunSchedulerOptions): AssembledProcess {
  const logger = opts.logger ?? silentLogger();
  const registry = opts.registry ?? processRegistry();
  const metrics = new SchedulerMetrics(registry);
  const newScheduler = () => {
    const s = new Scheduler({ ...opts.scheduler, client: opts.client, logger, metrics });
    opts.onScheduler?.(s);
    return schedulerComponent(s);
  };
  const le = opts.leaderElection;
  const components = le
    ? [
        new LeaderElected({
          ...le,
          identity: le.identity ?? defaultIdentity(),
          client: opts.client,
          logger,
          registry,
          leaderComponents: () => [newScheduler()],
        }),
      ]
    : [newScheduler()];
  return assembleProcess({ logger, registry, health: opts.health, components });
}

/** Runs until signal aborts ('stopped') or the lease is lost ('lost-lease': the process should exit 1). */
export function runScheduler(opts: RunSchedulerOptions, signal: AbortSignal): Promise<RunOutcome> {
  return schedulerProcess(opts).runner.run(signal);
}
