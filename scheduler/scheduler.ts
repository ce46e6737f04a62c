// The scheduler: informers on nodes and pods feed the cluster snapshot and the queue of
// pending pods; one loop pops a pod, runs the framework over the snapshot (synchronous,
// so the snapshot is consistent), assumes the pod on the chosen node and sends the
// binding without waiting for it. Many bindings are in flight at once (bounded), which
// is where throughput comes from; the assumption keeps the next pods from double-booking
// the node meanwhile.
//
// Outcomes of a binding: success → the informer will confirm it; 409/404 (already bound,
// pod gone) → drop the assumption quietly; other errors → drop it and retry the pod with
// backoff. When the run's signal aborts (e.g. leadership lost) the loop stops at once and
// failed bindings are not retried.

import { ApiError } from '../api/errors.js';
import { getCondition } from '../api/meta.js';
import { objectKey } from '../api/resources.js';
import type { Binding, Node, Pod, PodCondition } from '../api/types.js';
import { isoSeconds, realClock, type Clock } from '../foundation/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { FitError } from './fit-error.js';
import { Framework, type FrameworkOptions } from './framework.js';
import { SchedulerMetrics } from './metrics.js';
import { makePodInfo } from './pod-info.js';
import { SchedulingQueue, type QueuedPod } from './scheduling-queue.js';
import { ClusterSnapshot } from './snapshot.js';
import { traceHop } from '../foundation/trace.js';
import { planPodVolumes, type VolumeListers } from './volume-binding.js';
import { SELECTED_NODE_ANNOTATION, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '../api/storage/types.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
/** How long a binding waits for the claims it gave a node to be bound (volume binding's PreBind). */
export const CLAIM_BIND_WAIT_MS = 30_000;

/** Something that records Events (EventRecorder in production; a stub in tests). */
export interface EventSink {
  record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface SchedulerOptions extends Pick<FrameworkOptions, 'random' | 'profile'> {
  client: Client;
  logger?: Logger;
  clock?: Clock;
  metrics?: SchedulerMetrics;
  events?: EventSink;
  schedulerName?: string;
  /**
   * Write a "Scheduled" Event per bound pod, as Kubernetes does. On by default; the
   * benchmark turns it off because it doubles the writes per pod.
   */
  recordScheduledEvents?: boolean;
  /** Bindings in flight at once. */
  maxInFlightBindings?: number;
  /** A FailedScheduling Event for the same pod and message at most this often. */
  failedEventIntervalMs?: number;
  /** Assumed pods not confirmed this long after their binding finished are dropped. */
  assumeTtlMs?: number;
  queue?: { initialBackoffMs?: number; maxBackoffMs?: number; unschedulableTimeoutMs?: number };
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Node changes that can make an unschedulable pod fit (heartbeats alone cannot). */
function nodeSchedulingChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return (
    a.spec?.unschedulable !== b.spec?.unschedulable ||
    JSON.stringify(a.spec?.taints ?? []) !== JSON.stringify(b.spec?.taints ?? []) ||
    JSON.stringify(a.metadata.labels ?? {}) !== JSON.stringify(b.metadata.labels ?? {}) ||
    JSON.stringify(a.status?.allocatable ?? {}) !== JSON.stringify(b.status?.allocatable ?? {}) ||
    ready(a) !== ready(b)
  );
}

export class Scheduler {
  readonly snapshot: ClusterSnapshot;
  readonly queue: SchedulingQueue;
  readonly metrics: SchedulerMetrics;
  private readonly framework: Framework;
  private readonly client: Client;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly events: EventSink;
  private readonly schedulerName: string;
  private readonly recordScheduled: boolean;
  private readonly maxInFlight: number;
  private readonly failedEventIntervalMs: number;
  private readonly lastFailedEvent = new Map<string, { message: string; at: number }>();
  private nodeInformer?: Informer<Node>;
  private podInformer?: Informer<Pod>;
  /** Claims, volumes and classes (volume binding); started with the others. */
  private storageInformers?: { claims: Informer<PersistentVolumeClaim>; volumes: Informer<PersistentVolume>; classes: Informer<StorageClass> };
  private inFlight = 0;
  private slotWaiter: (() => void) | undefined;
  private synced = false;
  private readonly pendingBinds = new Set<Promise<void>>();
  /** Unschedulable condition writes in flight per pod: a binding waits for them, so a late write cannot land after it. */
  private readonly statusWrites = new Map<string, Promise<void>>();

  constructor(opts: SchedulerOptions) {
    this.client = opts.client;
    this.logger = opts.logger ?? silentLogger();
    this.clock = opts.clock ?? realClock;
    this.metrics = opts.metrics ?? new SchedulerMetrics();
    this.events = opts.events ?? new EventRecorder(opts.client, { component: DEFAULT_SCHEDULER_NAME, logger: this.logger });
    this.schedulerName = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.recordScheduled = opts.recordScheduledEvents ?? true;
    this.maxInFlight = opts.maxInFlightBindings ?? 128;
    this.failedEventIntervalMs = opts.failedEventIntervalMs ?? 30_000;
    this.snapshot = new ClusterSnapshot({ assumeTtlMs: opts.assumeTtlMs });
    this.queue = new SchedulingQueue({ clock: this.clock, ...opts.queue });
    this.framework = new Framework({ random: opts.random, profile: opts.profile });
    this.metrics.setQueueSource(() => this.queue.stats());
  }

  /** Informers synced (the process is healthy). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Is this pod one the scheduler must place? */
  responsibleFor(pod: Pod): boolean {
    const name = pod.spec?.schedulerName;
    return (
      !pod.spec?.nodeName &&
      (!name || name === this.schedulerName) &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod)
    );
  }

  /**
   * Runs until signal aborts: starts informers, waits for them to sync, schedules.
   * Resolves after the loop stopped and the informers are stopped; bindings already
   * sent are awaited but never retried.
   */
  async run(signal: AbortSignal): Promise<void> {
    const nodeInformer = new Informer<Node>(this.client.nodes, { logger: this.logger.child({ informer: 'nodes' }), clock: this.clock });
    const podInformer = new Informer<Pod>(this.client.pods, { logger: this.logger.child({ informer: 'pods' }), clock: this.clock });
    this.nodeInformer = nodeInformer;
    this.podInformer = podInformer;
    nodeInformer.addEventHandler({
      onAdd: (n) => {
        this.snapshot.upsertNode(n);
        this.queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (o, n) => {
        this.snapshot.upsertNode(n);
        if (nodeSchedulingChanged(o, n)) this.queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => this.snapshot.removeNode(n.metadata.name ?? ''),
    });
    podInformer.addEventHandler({
      onAdd: (p) => this.onPod(p),
      onUpdate: (_o, p) => this.onPod(p),
      onDelete: (p) => {
        const key = objectKey(p);
        const wasPlaced = this.snapshot.nodeOf(key) !== undefined;
        this.snapshot.removePod(p);
        this.queue.delete(key);
        this.lastFailedEvent.delete(key);
        if (wasPlaced) this.queue.moveAllToActiveOrBackoff();
      },
    });

    const storage = {
      claims: new Informer<PersistentVolumeClaim>(this.client.resource<PersistentVolumeClaim>('persistentvolumeclaims'), { logger: this.logger.child({ informer: 'persistentvolumeclaims' }), clock: this.clock }),
      volumes: new Informer<PersistentVolume>(this.client.resource<PersistentVolume>('persistentvolumes'), { logger: this.logger.child({ informer: 'persistentvolumes' }), clock: this.clock }),
      classes: new Informer<StorageClass>(this.client.resource<StorageClass>('storageclasses'), { logger: this.logger.child({ informer: 'storageclasses' }), clock: this.clock }),
    };
    this.storageInformers = storage;
    // A claim, volume or class that appears or changes can make a pending pod fit.
    const retry = { onAdd: () => this.queue.moveAllToActiveOrBackoff(), onUpdate: () => this.queue.moveAllToActiveOrBackoff() };
    storage.claims.addEventHandler(retry);
    storage.volumes.addEventHandler(retry);
    storage.classes.addEventHandler(retry);
    const storageList = [storage.claims, storage.volumes, storage.classes] as unknown as Informer<Node>[];

    const onAbort = () => this.queue.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const sweeper = setInterval(() => {
      for (const key of this.snapshot.cleanupExpired(this.clock.now())) this.logger.warn({ pod: key }, 'assumed pod expired: binding never showed up');
    }, 1000);
    sweeper.unref();
    try {
      nodeInformer.start();
      podInformer.start();
      for (const inf of storageList) inf.start();
      await Promise.all([nodeInformer.waitForSync(signal), podInformer.waitForSync(signal), ...storageList.map((i) => i.waitForSync(signal))]);
      this.synced = true;
      this.logger.info({ nodes: this.snapshot.numNodes, pending: this.queue.stats().active }, 'caches synced; scheduling');
      await this.loop(signal);
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      clearInterval(sweeper);
      signal.removeEventListener('abort', onAbort);
      this.queue.close();
      nodeInformer.stop();
      podInformer.stop();
      for (const inf of storageList) inf.stop();
      await Promise.allSettled([...this.pendingBinds, ...this.statusWrites.values()]);
      await Promise.allSettled([nodeInformer.stopped(), podInformer.stopped(), ...storageList.map((i) => i.stopped())]);
      this.synced = false;
    }
  }

  private onPod(pod: Pod): void {
    const key = objectKey(pod);
    this.snapshot.upsertPod(pod);
    if (this.responsibleFor(pod)) {
      // Our own binding in flight: the informer has not caught up; do not queue it again.
      if (!this.snapshot.isAssumed(key)) this.queue.addOrUpdate(pod);
    } else {
      this.queue.delete(key);
      if (pod.spec?.nodeName) this.lastFailedEvent.delete(key);
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.inFlight >= this.maxInFlight) {
        await new Promise<void>((resolve) => (this.slotWaiter = resolve));
        continue;
      }
      const qp = await this.queue.pop(signal);
      if (!qp || signal.aborted) break;
      this.scheduleOne(qp, signal);
      // Let informer events and binding responses in between pods.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** One scheduling cycle for qp (synchronous up to sending the binding). */
  private scheduleOne(qp: QueuedPod, signal: AbortSignal): void {
    const started = performance.now();
    traceHop('sched.pop', { key: qp.key });
    // Act on the freshest copy: the pod may have been bound or deleted since it was queued.
    const pod = this.podInformer?.get(qp.key);
    if (!pod || !this.responsibleFor(pod) || this.snapshot.isAssumed(qp.key)) {
      this.queue.done(qp.key);
      return;
    }
    const pi = makePodInfo(pod);
    let nodeName: string;
    let toSelect: PersistentVolumeClaim[] = [];
    try {
      const plan = this.storageInformers ? planPodVolumes(pod, this.volumeListers(this.storageInformers), this.snapshot.numNodes) : undefined;
      if (plan instanceof FitError) throw plan;
      if (plan) {
        pi.volumes = plan;
        toSelect = plan.toSelect;
      }
      nodeName = this.framework.schedule(pi, this.snapshot).nodeName;
    } catch (err) {
      const seconds = (performance.now() - started) / 1000;
      if (err instanceof FitError) {
        this.metrics.observeAttempt('unschedulable', seconds);
        this.queue.addUnschedulable(qp);
        this.logger.debug({ pod: qp.key, reason: err.message }, 'unschedulable');
        this.reportUnschedulable(pod, err.message);
      } else {
        this.metrics.observeAttempt('error', seconds);
        this.queue.addBackoff(qp);
        this.logger.error({ pod: qp.key, err }, 'scheduling attempt failed');
      }
      return;
    }
    this.snapshot.assume(pi, nodeName);
    this.inFlight++;
    const p = this.bind(qp, pod, nodeName, signal, started, toSelect).finally(() => {
      this.pendingBinds.delete(p);
      this.inFlight--;
      const w = this.slotWaiter;
      this.slotWaiter = undefined;
      w?.();
    });
    this.pendingBinds.add(p);
  }

  private volumeListers(s: NonNullable<Scheduler['storageInformers']>): VolumeListers {
    return {
      claim: (ns, name) => s.claims.get(`${ns}/${name}`),
      volume: (name) => s.volumes.get(name),
      volumes: () => s.volumes.list(),
      storageClass: (name) => s.classes.get(name),
    };
  }

  /** Kubernetes' volume binding PreBind, the part orch does: the chosen node on each claim waiting for its first consumer. */
  private async selectNode(claims: PersistentVolumeClaim[], nodeName: string): Promise<void> {
    for (const c of claims) {
      await this.client
        .resource<PersistentVolumeClaim>('persistentvolumeclaims')
        .patch(c.metadata.name ?? '', c.metadata.namespace, { metadata: { annotations: { [SELECTED_NODE_ANNOTATION]: nodeName } } }, 'merge');
    }
  }

  /**
   * PreBind's wait, as kube-scheduler does it: the binder binds (or provisions) the claims
   * just given a node before the pod goes to it, so the agent finds them bound. Bounded:
   * after CLAIM_BIND_WAIT_MS the pod is bound anyway and the agent waits (FailedMount).
   * Reads the informer's cache only (no API calls).
   */
  private async waitForClaimsBound(claims: PersistentVolumeClaim[], signal: AbortSignal): Promise<void> {
    const cache = this.storageInformers?.claims;
    if (!cache) return;
    const bound = () => claims.every((c) => cache.get(`${c.metadata.namespace}/${c.metadata.name}`)?.status?.phase === 'Bound');
    for (const deadline = this.clock.now() + CLAIM_BIND_WAIT_MS; !bound() && !signal.aborted && this.clock.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
  }

  private async bind(qp: QueuedPod, pod: Pod, nodeName: string, signal: AbortSignal, started: number, toSelect: PersistentVolumeClaim[] = []): Promise<void> {
    const { name, namespace } = pod.metadata;
    const binding: Binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    };
    try {
      const statusWrite = this.statusWrites.get(qp.key);
      if (statusWrite) await statusWrite;
      if (signal.aborted) throw new Error('scheduler stopped before binding');
      if (toSelect.length > 0) {
        await this.selectNode(toSelect, nodeName);
        await this.waitForClaimsBound(toSelect, signal);
      }
      traceHop('sched.bind', { ns: namespace, name, node: nodeName });
      await this.client.pods.bind(binding);
      traceHop('sched.bound', { ns: namespace, name, node: nodeName });
      this.snapshot.finishBinding(qp.key, this.clock.now());
      this.queue.done(qp.key);
      this.metrics.observeAttempt('scheduled', (performance.now() - started) / 1000);
      this.logger.debug({ pod: qp.key, node: nodeName }, 'bound');
      if (this.recordScheduled) this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.snapshot.forget(qp.key);
      const code = err instanceof ApiError ? err.code : undefined;
      if (signal.aborted) {
        // Leadership lost: whoever leads now will take the pod; never retry from here.
        this.queue.done(qp.key);
      } else if (code === 409 || code === 404) {
        // Already bound elsewhere or deleted: the informer will tell the truth.
        this.queue.done(qp.key);
        this.logger.debug({ pod: qp.key, code }, 'binding refused; dropping');
      } else {
        this.metrics.observeAttempt('error', (performance.now() - started) / 1000);
        this.queue.addBackoff(qp);
        this.logger.warn({ pod: qp.key, node: nodeName, err }, 'binding failed; will retry');
      }
    }
  }

  /** PodScheduled=False/Unschedulable with the FitError message (only if it changed) and a rate-bounded Event. */
  private reportUnschedulable(pod: Pod, message: string): void {
    const key = objectKey(pod);
    const now = this.clock.now();
    const current = getCondition(pod.status?.conditions, 'PodScheduled');
    if (!(current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)) {
      const cond: PodCondition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastProbeTime: null,
        lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : isoSeconds(now),
      };
      const conditions = [...(pod.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled'), cond];
      const previous = this.statusWrites.get(key) ?? Promise.resolve();
      const write: Promise<void> = previous
        .then(() => this.client.pods.patchStatus(pod.metadata.name ?? '', pod.metadata.namespace, { status: { conditions } }, 'merge'))
        .then(
          () => undefined,
          (err: Error) => this.logger.debug({ pod: key, err }, 'could not update PodScheduled condition'),
        )
        .finally(() => {
          if (this.statusWrites.get(key) === write) this.statusWrites.delete(key);
        });
      this.statusWrites.set(key, write);
    }
    const last = this.lastFailedEvent.get(key);
    if (!last || last.message !== message || now - last.at >= this.failedEventIntervalMs) {
      this.lastFailedEvent.set(key, { message, at: now });
      this.events.record(pod, 'Warning', 'FailedScheduling', message);
    }
  }
}
