// The controller manager: one set of shared informers (one pods informer for every
// controller), the enabled controllers on top, started in order and stopped in reverse
// (k0s-style components). runControllerManager adds the health/metrics endpoint and
// optional leader election around it.

import os from 'node:os';
import crypto from 'node:crypto';
import type { Deployment, KubeObject, Lease, Node, Pod, ReplicaSet } from '../api/types.js';
import { RESOURCES } from '../api/resources.js';
import type { Client } from '../client/types.js';
import { realClock, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import { Informer } from '../client/informer.js';
import { EventRecorder } from '../client/event-recorder.js';
import { LeaderElector } from '../client/leader-election.js';
import { runReconcileLoop } from '../client/reconcile-loop.js';
import { WorkQueue } from '../client/work-queue.js';
import { DeploymentController } from './deployment/controller.js';
import { GarbageCollector } from './garbage-collector/controller.js';
import { startHealthServer, type HealthServer } from '../foundation/health-server.js';
import { ControllerMetrics } from './metrics.js';
import { DEFAULT_NODE_LIFECYCLE_OPTIONS, NodeLifecycleController, NODE_LEASE_NAMESPACE } from './node-lifecycle/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import type { Controller, InformerView } from './shared/types.js';

export const ALL_CONTROLLERS = ['deployment', 'replicaset', 'nodelifecycle', 'garbagecollector'] as const;

/** Kubernetes' --controllers syntax: '*' = all, 'name' enables, '-name' disables. */
export function enabledControllers(spec: string[]): Set<string> {
  const items = spec.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const out = new Set<string>();
  if (items.length === 0 || items.includes('*')) ALL_CONTROLLERS.forEach((c) => out.add(c));
  for (const it of items) {
    if (it === '*') continue;
    const name = it.startsWith('-') ? it.slice(1) : it;
    if (!(ALL_CONTROLLERS as readonly string[]).includes(name)) throw new Error(`unknown controller "${name}" (known: ${ALL_CONTROLLERS.join(', ')})`);
    if (it.startsWith('-')) out.delete(name);
    else out.add(name);
  }
  return out;
}

export interface ControllerManagerOptions {
  client: Client;
  logger: Logger;
  clock?: Clock;
  controllers?: string[];
  nodeMonitorGracePeriodMs?: number;
  podEvictionTimeoutMs?: number;
  nodeMonitorPeriodMs?: number;
  workers?: number;
  /** Reconcile metrics (the process registry of runControllerManager, or none). */
  metrics?: ControllerMetrics;
}

export class ControllerManager {
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly running: Array<{ c: Controller; ac: AbortController; done: Promise<void> }> = [];
  private readonly recorder: EventRecorder;
  /** One work queue per controller, named after it (its workqueue_* metrics). */
  private readonly queues = new Map<string, WorkQueue<string>>();
  private synced = false;
  readonly controllers: Controller[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.recorder = new EventRecorder(opts.client, { component: 'controller-manager', clock: opts.clock, logger: opts.logger });
  }

  private informer<T extends KubeObject>(rc: Client['pods'] | Client['replicasets'] | Client['deployments'] | Client['nodes'] | Client['leases'], namespace?: string): Informer<T> {
    const inf = new Informer<T>(rc as never, { logger: this.opts.logger.child({ informer: 'shared' }), clock: this.opts.clock, namespace });
    this.informers.push(inf as unknown as Informer<KubeObject>);
    return inf;
  }

  private queue(name: string, maxDelayMs?: number): WorkQueue<string> {
    const q = new WorkQueue<string>({ clock: this.opts.clock, name, registry: this.opts.metrics?.registry, maxDelayMs });
    this.queues.set(name, q);
    return q;
  }

  healthy(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    const { client, logger } = this.opts;
    const clock = this.opts.clock ?? realClock;
    const enabled = enabledControllers(this.opts.controllers ?? ['*']);
    const pods = this.informer<Pod>(client.pods);
    const replicaSets = this.informer<ReplicaSet>(client.replicasets);
    const deployments = this.informer<Deployment>(client.deployments);
    const base = { client, recorder: this.recorder, clock };
    if (enabled.has('replicaset')) {
      this.controllers.push(new ReplicaSetController({ ...base, pods, replicaSets, logger: logger.child({ controller: 'replicaset' }), queue: this.queue('replicaset') }));
    }
    if (enabled.has('deployment')) {
      this.controllers.push(new DeploymentController({ ...base, deployments, replicaSets, pods, logger: logger.child({ controller: 'deployment' }), queue: this.queue('deployment') }));
    }
    if (enabled.has('nodelifecycle')) {
      const nodes = this.informer<Node>(client.nodes);
      const leases = this.informer<Lease>(client.leases, NODE_LEASE_NAMESPACE);
      this.controllers.push(
        new NodeLifecycleController({
          client,
          nodes,
          leases,
          pods,
          recorder: this.recorder,
          clock,
          // A failed pass is retried with backoff, never later than the next regular pass.
          queue: this.queue('nodelifecycle', this.opts.nodeMonitorPeriodMs ?? DEFAULT_NODE_LIFECYCLE_OPTIONS.monitorPeriodMs),
          logger: logger.child({ controller: 'nodelifecycle' }),
          options: {
            ...(this.opts.nodeMonitorGracePeriodMs !== undefined ? { gracePeriodMs: this.opts.nodeMonitorGracePeriodMs } : {}),
            ...(this.opts.podEvictionTimeoutMs !== undefined ? { podEvictionTimeoutMs: this.opts.podEvictionTimeoutMs } : {}),
            ...(this.opts.nodeMonitorPeriodMs !== undefined ? { monitorPeriodMs: this.opts.nodeMonitorPeriodMs } : {}),
          },
        }),
      );
    }
    if (enabled.has('garbagecollector')) {
      const view = (plural: string, inf: Informer<KubeObject>) => ({ info: RESOURCES.find((r) => r.plural === plural)!, informer: inf as unknown as InformerView<KubeObject> });
      this.controllers.push(
        new GarbageCollector({
          client,
          clock,
          logger: logger.child({ controller: 'garbagecollector' }),
          queue: this.queue('garbagecollector'),
          resources: [
            view('deployments', deployments as unknown as Informer<KubeObject>),
            view('replicasets', replicaSets as unknown as Informer<KubeObject>),
            view('pods', pods as unknown as Informer<KubeObject>),
          ],
        }),
      );
    }
    for (const inf of this.informers) inf.start();
    await Promise.all(this.informers.map((i) => i.waitForSync()));
    this.synced = true;
    for (const c of this.controllers) {
      const ac = new AbortController();
      const done = runReconcileLoop({
        queue: this.queues.get(c.name)!,
        reconcile: (k) => c.reconcile(k),
        workers: c.name === 'nodelifecycle' ? 1 : (this.opts.workers ?? 4),
        logger: logger.child({ controller: c.name }),
        signal: ac.signal,
        clock,
        observe: (outcome, seconds) => this.opts.metrics?.reconciled(c.name, outcome, seconds),
      }).catch((err) => logger.error({ controller: c.name, err }, 'controller failed'));
      this.running.push({ c, ac, done });
      logger.info({ controller: c.name }, 'controller started');
    }
  }

  /** Stop controllers in reverse order, then the informers; flush pending Events. */
  async stop(): Promise<void> {
    for (const r of [...this.running].reverse()) {
      r.ac.abort();
      await r.done;
    }
    this.running.length = 0;
    for (const q of this.queues.values()) q.shutDown();
    for (const inf of this.informers) inf.stop();
    await this.recorder.flush();
  }

  /** Drop everything without cleanup (tests of a crash): no flush, no waiting. */
  kill(): void {
    for (const r of this.running) r.ac.abort();
    for (const q of this.queues.values()) q.shutDown();
    for (const inf of this.informers) inf.stop();
  }
}

export interface RunControllerManagerOptions extends ControllerManagerOptions {
  port: number;
  host?: string;
  leaderElection?: { namespace: string; leaseName?: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

export type RunOutcome = 'stopped' | 'lost-lease';

/** Runs until signal aborts ('stopped') or the lease is lost ('lost-lease': the process should exit). */
export async function runControllerManager(opts: RunControllerManagerOptions, signal: AbortSignal): Promise<RunOutcome> {
  const { logger } = opts;
  opts = { ...opts, metrics: opts.metrics ?? new ControllerMetrics() };
  const metrics = opts.metrics!;
  let manager: ControllerManager | undefined;
  let standby = !!opts.leaderElection;
  let health: HealthServer | undefined;
  if (opts.port > 0) {
    health = await startHealthServer({ port: opts.port, host: opts.host, metrics, healthy: () => standby || (manager?.healthy() ?? false) });
    logger.info({ port: health.port }, 'serving /healthz and /metrics');
  }
  try {
    if (!opts.leaderElection) {
      manager = new ControllerManager(opts);
      await manager.start();
      await waitAbort(signal);
      await manager.stop();
      return 'stopped';
    }
    const le = opts.leaderElection;
    let lost = false;
    const elector = new LeaderElector({
      client: opts.client,
      namespace: le.namespace,
      name: le.leaseName ?? 'orch-controller-manager',
      identity: le.identity ?? `${os.hostname()}_${crypto.randomUUID()}`,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      clock: opts.clock,
      logger,
      onStartedLeading: async (leading) => {
        standby = false;
        logger.info('became leader; starting controllers');
        manager = new ControllerManager(opts);
        await manager.start();
        await waitAbort(leading);
        await manager.stop();
      },
      onStoppedLeading: () => {
        lost = !signal.aborted;
      },
    });
    await elector.run(signal);
    if (manager) await manager.stop();
    return lost ? 'lost-lease' : 'stopped';
  } finally {
    await health?.close();
  }
}

function waitAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
