// Runs a scheduler process's components: the health/metrics endpoint and either the
// scheduler directly, or — with leader election — a LeaderElector that runs the
// scheduler only while holding the Lease. Used by `orch scheduler` and by in-process
// tests (several replicas in one test process).

import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { isAlreadyExists } from '../api/errors.js';
import { LeaderElector } from '../client/leader-election.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { startHealthServer, type HealthServer } from '../foundation/health-server.js';
import { SchedulerMetrics } from './metrics.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';

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
  /** /healthz and /metrics port; 0 or undefined: no endpoint. */
  port?: number;
  host?: string;
  /** Passed to each Scheduler instance. */
  scheduler?: Omit<SchedulerOptions, 'client' | 'logger' | 'metrics'>;
  metrics?: SchedulerMetrics;
  /** Called with every Scheduler created (tests inspect them). */
  onScheduler?: (s: Scheduler) => void;
}

/** 'stopped': the signal asked to stop. 'lost-lease': leadership ended; the process should exit non-zero. */
export type RunOutcome = 'stopped' | 'lost-lease';

export function defaultIdentity(): string {
  return `${os.hostname()}_${randomUUID()}`;
}

export async function runScheduler(opts: RunSchedulerOptions, signal: AbortSignal): Promise<RunOutcome> {
  const logger = opts.logger ?? silentLogger();
  const metrics = opts.metrics ?? new SchedulerMetrics({ processMetrics: true });
  let current: Scheduler | undefined;
  let leading = false;
  const newScheduler = () => {
    const s = new Scheduler({ ...opts.scheduler, client: opts.client, logger, metrics });
    opts.onScheduler?.(s);
    current = s;
    return s;
  };

  let health: HealthServer | undefined;
  if (opts.port) {
    try {
      health = await startHealthServer({
        port: opts.port,
        host: opts.host,
        metrics,
        // A standby is healthy; a leader once its caches synced.
        healthy: () => !leading || (current?.hasSynced() ?? false),
      });
      logger.info({ port: health.port }, 'serving /healthz and /metrics');
    } catch (err) {
      // Scheduling matters more than metrics: carry on without the endpoint.
      logger.error({ port: opts.port, err: (err as Error).message }, 'cannot serve /healthz and /metrics');
    }
  }

  try {
    if (!opts.leaderElection) {
      leading = true;
      await newScheduler().run(signal);
      return 'stopped';
    }
    const le = opts.leaderElection;
    await ensureNamespace(opts.client, le.namespace, logger);
    let running: Promise<void> | undefined;
    const elector = new LeaderElector({
      client: opts.client,
      namespace: le.namespace,
      name: le.leaseName,
      identity: le.identity ?? defaultIdentity(),
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      logger,
      onStartedLeading: (leadingSignal) => {
        leading = true;
        // The leading signal aborts the moment the lease is lost: the loop stops at once.
        running = newScheduler().run(leadingSignal).catch((err: Error) => logger.error({ err: err.message }, 'scheduler failed'));
      },
      onStoppedLeading: () => {
        leading = false;
      },
      onNewLeader: (id) => logger.info({ leader: id }, 'new leader observed'),
    });
    await elector.run(signal);
    await running;
    return signal.aborted ? 'stopped' : 'lost-lease';
  } finally {
    await health?.close();
  }
}

/** The Lease lives in a namespace that may not exist yet on a fresh cluster. */
async function ensureNamespace(client: Client, name: string, logger: Logger): Promise<void> {
  try {
    await client.namespaces.get(name);
    return;
  } catch {
    /* create it below */
  }
  try {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (err) {
    if (!isAlreadyExists(err)) logger.warn({ namespace: name, err: (err as Error).message }, 'cannot create the lease namespace');
  }
}
