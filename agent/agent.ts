// The node agent: a list of components started in order and stopped in reverse
// (runtime events, heartbeat, log server, pod informer, sync workers, orphan sweep).
// The constructor does no I/O; start() does.

import os from 'node:os';
import { deepEqual } from '../api/meta.js';
import type { Pod } from '../api/types.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { WorkQueue } from '../client/work-queue.js';
import { requeueAfter, runReconcileLoop } from '../client/reconcile-loop.js';
import type { Registry } from 'prom-client';
import { ClusterScopedRuntime } from './cluster-runtime.js';
import { Heartbeat } from './heartbeat.js';
import { LABEL_NAMESPACE, LABEL_NODE, LABEL_POD } from './labels.js';
import { LogServer } from './log-server.js';
import { detectNodeIP } from '../foundation/node-ip.js';
import type { NodeIdentity } from './node-status.js';
import { PodSync, podKey } from './pod-sync.js';
import { PodVolumes } from './pod-volumes.js';
import { RestartBackoff } from './restart-backoff.js';
import type { ContainerRuntime, EventSubscription } from './runtime/types.js';

/** True when two versions of a pod differ only in status (and resourceVersion). */
export function statusOnlyChange(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) => ({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}

export interface AgentOptions {
  nodeName: string;
  client: Client;
  runtime: ContainerRuntime;
  logger: Logger;
  clock?: Clock;
  nodeIP?: string;
  labels?: Record<string, string>;
  rootDir: string;
  /** Where secret volumes live (a tmpfs per pod unless already a tmpfs); default rootDir. */
  runDir?: string;
  allowedHostPaths?: string[];
  heartbeatIntervalMs?: number;
  nodeStatusUpdateMs?: number;
  resyncIntervalMs?: number;
  workers?: number;
  reservedCpuMillis?: number;
  reservedMemoryBytes?: number;
  maxPods?: number;
  logPort?: number;
  logHost?: string;
  logTokens?: () => readonly string[];
  /** PEM CA of the apiserver's client certificate for the log endpoint (mTLS). */
  logClientCA?: string;
  logInsecure?: boolean;
  logCert?: string;
  logKey?: string;
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  /** How often configMap/secret volume files are compared with the API (default 30 s). */
  projectedRefreshMs?: number;
  /** [0, 1); spreads the periodic resync (injected for tests). */
  random?: () => number;
  /** The process's metrics registry: the pod sync's workqueue_* metrics go there. */
  metricsRegistry?: Registry;
  version?: string;
}

export class Agent {
  readonly nodeIP: string;
  private informer?: Informer<Pod>;
  private queue?: WorkQueue<string>;
  private workers?: Promise<void>;
  private sweeps?: WorkQueue<string>;
  private sweeper?: Promise<void>;
  private events?: EventSubscription;
  private heartbeat?: Heartbeat;
  private logServer?: LogServer;
  private sync?: PodSync;
  /** Aborted by stop(): ends the cluster identity retries. */
  private readonly stopping = new AbortController();
  private stopped = false;
  /** Containers of this cluster only (see cluster-runtime.ts). */
  readonly runtime: ClusterScopedRuntime;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(private readonly o: AgentOptions) {
    this.nodeIP = o.nodeIP ?? detectNodeIP();
    this.log = o.logger;
    this.clock = o.clock ?? realClock;
    this.runtime = new ClusterScopedRuntime(o.runtime);
  }

  /**
   * The cluster identity is the uid of kube-system (created by the apiserver at start, kept
   * as long as the etcd data). Until it is known no container is listed or created; when
   * the API does not answer at start, it is retried in the background.
   */
  private async resolveClusterId(): Promise<void> {
    try {
      const ns = await this.o.client.namespaces.get('kube-system');
      if (!ns.metadata.uid) throw new Error('kube-system has no uid');
      this.runtime.clusterId = ns.metadata.uid;
      this.log.info({ cluster: ns.metadata.uid }, 'cluster identity');
      this.enqueueAll();
    } catch (err) {
      if (this.stopped) return;
      this.log.warn({ err: (err as Error).message }, 'cannot read the cluster identity (kube-system uid); retrying');
      this.clock.sleep(2000, this.stopping.signal).then(() => this.resolveClusterId(), () => undefined);
    }
  }

  /** The port the log server really listens on (useful with --log-port 0). */
  get logPort(): number {
    return this.logServer?.port ?? this.o.logPort ?? 10250;
  }

  get podSync(): PodSync | undefined {
    return this.sync;
  }

  async start(): Promise<void> {
    const o = this.o;
    const queue = (this.queue = new WorkQueue<string>({ clock: this.clock, baseDelayMs: 200, maxDelayMs: 30_000, name: 'pods', registry: o.metricsRegistry }));
    await this.resolveClusterId();

    // Log server first: its port goes into the Node status.
    this.logServer = new LogServer({
      runtime: this.runtime,
      nodeName: o.nodeName,
      logger: this.log.child({ sub: 'log-server' }),
      port: o.logPort ?? 10250,
      host: o.logHost,
      tokens: o.logTokens ?? (() => []),
      clientCA: o.logClientCA,
      insecure: o.logInsecure,
      cert: o.logCert,
      key: o.logKey,
    });
    await this.logServer.start();

    const id: NodeIdentity = {
      nodeName: o.nodeName,
      nodeIP: this.nodeIP,
      hostname: os.hostname(),
      labels: o.labels ?? {},
      reservedCpuMillis: o.reservedCpuMillis ?? 0,
      reservedMemoryBytes: o.reservedMemoryBytes ?? 0,
      maxPods: o.maxPods ?? 110,
      logPort: this.logServer.port,
      agentVersion: o.version ?? '0.1.0',
    };
    this.heartbeat = new Heartbeat({
      id,
      client: o.client,
      runtime: o.runtime,
      clock: this.clock,
      logger: this.log.child({ sub: 'heartbeat' }),
      intervalMs: o.heartbeatIntervalMs ?? 5000,
      statusUpdateMs: o.nodeStatusUpdateMs ?? 60_000,
      // Docker is back: everything it did meanwhile must be looked at again.
      onDockerChange: (up) => up && this.enqueueAll(),
    });
    try {
      await this.heartbeat.register();
    } catch (err) {
      // The loop below keeps retrying; the agent still serves what it already runs.
      this.log.warn({ err: (err as Error).message }, 'node registration failed; will retry');
    }
    this.heartbeat.start();

    this.sync = new PodSync({
      nodeName: o.nodeName,
      runtime: this.runtime,
      client: o.client,
      pods: {
        get: (k) => this.informer?.get(k),
        list: () => this.informer?.list() ?? [],
        hasSynced: () => this.informer?.hasSynced() ?? false,
      },
      volumes: new PodVolumes(o.rootDir, o.allowedHostPaths ?? [], { runDir: o.runDir }),
      clock: this.clock,
      resyncMs: o.resyncIntervalMs ?? 10_000,
      random: o.random,
      logger: this.log.child({ sub: 'pod-sync' }),
      hostIP: () => this.nodeIP,
      backoff: new RestartBackoff(o.backoff),
      projectedRefreshMs: o.projectedRefreshMs,
      events: new EventRecorder(o.client, { component: 'orch-agent', host: o.nodeName, clock: this.clock, logger: this.log.child({ sub: 'events' }) }),
    });

    // Docker events reconcile the affected pod at once (a killed container is replaced
    // without waiting for the resync).
    this.events = this.runtime.events(
      { [LABEL_NODE]: o.nodeName },
      (e) => {
        // Only what breaks a pod: 'kill'/'stop' come before 'die' (a sync then would see a
        // running container), and 'start' is mostly our own doing (the resync covers the rest).
        if (!['die', 'oom', 'destroy'].includes(e.action)) return;
        const ns = e.labels[LABEL_NAMESPACE];
        const pod = e.labels[LABEL_POD];
        if (ns && pod) queue.add(`${ns}/${pod}`);
      },
      (err) => this.log.debug({ err: err.message }, 'docker event stream interrupted; reconnecting'),
    );

    this.informer = new Informer<Pod>(o.client.pods, {
      fieldSelector: `spec.nodeName=${o.nodeName}`,
      logger: this.log.child({ sub: 'pod-informer' }),
      clock: this.clock,
    });
    this.informer.addEventHandler({
      onAdd: (p) => queue.add(podKey(p)),
      // Our own status writes come back as updates: they need no sync.
      onUpdate: (old, p) => {
        if (!statusOnlyChange(old, p)) queue.add(podKey(p));
      },
      onDelete: (p) => queue.add(podKey(p)),
    });
    this.informer.start();

    const sync = this.sync;
    // Every pod's reconcile asks to be resynced (spread over ±25 % of the interval).
    this.workers = runReconcileLoop({ queue, workers: o.workers ?? 16, reconcile: (k) => sync.reconcile(k), logger: this.log.child({ sub: 'workers' }), clock: this.clock });
    // The orphan sweep: one key, back every resync interval.
    const resyncMs = o.resyncIntervalMs ?? 10_000;
    const sweeps = (this.sweeps = new WorkQueue<string>({ clock: this.clock, name: 'orphans', registry: o.metricsRegistry, maxDelayMs: resyncMs }));
    sweeps.addAfter('orphans', resyncMs);
    const sweep = async () => {
      if (this.informer?.hasSynced()) await sync.sweepOrphans();
      return requeueAfter(resyncMs);
    };
    this.sweeper = runReconcileLoop({ queue: sweeps, reconcile: sweep, logger: this.log.child({ sub: 'orphan-sweep' }), clock: this.clock });
    // Right after the cache is complete: every pod at once, and the first orphan sweep
    // (pods deleted while the agent was down).
    void this.informer.waitForSync().then(() => {
      this.enqueueAll();
      sync.sweepOrphans().catch((err) => this.log.debug({ err: (err as Error).message }, 'orphan sweep failed'));
    }, () => undefined);
    this.log.info({ node: o.nodeName, nodeIP: this.nodeIP, logPort: this.logServer.port }, 'agent started');
  }

  private enqueueAll(): void {
    for (const p of this.informer?.list() ?? []) this.queue?.add(podKey(p));
  }

  /** Resolves once the pod cache holds the first list. */
  async waitForSync(): Promise<void> {
    await this.informer?.waitForSync();
  }

  /** Stops the agent's own machinery; the containers keep running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.sweeps?.shutDown();
    this.informer?.stop();
    this.queue?.shutDown();
    await Promise.all([this.workers?.catch(() => undefined), this.sweeper?.catch(() => undefined)]);
    // Reconciles still queued were dropped: a pod deleted a moment ago may have left a
    // container (e.g. `orch down --purge` stops the agent as soon as the pod list is empty).
    if (this.sync && this.informer?.hasSynced()) {
      const sweep = this.sync.sweepAgainstApi().catch((err) => this.log.warn({ err: (err as Error).message }, 'final orphan sweep failed'));
      const timeout = new AbortController();
      await Promise.race([sweep, this.clock.sleep(10_000, timeout.signal).catch(() => undefined)]);
      timeout.abort();
    }
    this.events?.stop();
    await this.heartbeat?.stop();
    await this.logServer?.stop();
    this.log.info('agent stopped');
  }
}
