// The node agent: a list of components (foundation/component.ts), started in this order
// and stopped in reverse:
//
//   1 cluster-identity   the uid of kube-system; until known no container is listed or
//                        created (retried in the background while the API does not answer)
//   2 log-server         the HTTPS endpoint the apiserver reads logs (and /metrics) from;
//                        first of the rest because its port goes into the Node status
//   3 node-registration  creates/updates the Node, then renews its Lease (heartbeat)
//     serving-certificate  (joined agents, no --log-server-cert) the log endpoint's
//                        certificate by CSR once the Node publishes its addresses, renewed
//                        and swapped in while serving (credentials/serving-certificate.ts)
//   4 pod-network        (unless --network-backend none) the node's Docker bridge network,
//                        firewall, VXLAN device and routes to every other node, from a
//                        Node informer and a periodic recheck (network/node-network.ts)
//   5 runtime-events     Docker's event stream: a container that dies is synced at once
//   6 pod-informer       the pods bound to this node (list + watch), and every Service
//                        (service link variables, service-env.ts)
//     endpoint-drain     the termination protocol (endpoint-drain/): every Node (the
//                        proxies' reports) and the EndpointSlices of the namespaces with
//                        pods here; nothing with --proxy-drain-timeout 0
//   7 pod-workers        the one reconcile loop over the pods' work queue (each pod's
//                        reconcile asks to be looked at again: resync ±25 %); beside it
//                        the probe workers (probes/), which requeue a pod when a result
//                        changes; on stop, the probes stop and a last orphan sweep runs
//   8 orphan-sweep       once the cache is complete every pod at once, then a one-key
//                        loop removing containers whose pod is gone, every resync interval
//
// The constructor does no I/O: everything is wired here and started by start(). Stopping
// leaves the containers running, as a kubelet restart leaves pods alone.

import os from 'node:os';
import { deepEqual } from '../api/meta.js';
import type { Pod, Service } from '../api/types.js';
import { raceClock, realClock, type Clock } from '../foundation/clock.js';
import type { Component } from '../foundation/component.js';
import { ComponentRunner } from '../foundation/component-runner.js';
import type { Logger } from '../foundation/logger.js';
import { processRegistry, registrySource } from '../foundation/metrics.js';
import { detectNodeIP } from '../foundation/node-ip.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { clusterIdentityComponent } from '../client/cluster-identity.js';
import { informersComponent } from '../client/informer-component.js';
import { WorkQueue } from '../client/work-queue.js';
import { traceHop } from '../foundation/trace.js';
import { requeueAfter, runReconcileLoop } from '../client/reconcile-loop.js';
import { ClusterScopedRuntime } from './cluster-runtime.js';
import { DEFAULT_PROXY_DRAIN_TIMEOUT_MS, EndpointDrain } from './endpoint-drain/endpoint-drain.js';
import { Heartbeat } from './heartbeat.js';
import { LABEL_NAMESPACE, LABEL_NODE, LABEL_POD } from './labels.js';
import { LogServer } from './log-server.js';
import { ServingCertificate, servingNames } from './credentials/serving-certificate.js';
import { CgroupReader } from './stats/cgroup-stats.js';
import { ResourceSampler } from './stats/resource-sampler.js';
import { createPortForwardHandler } from './streams/port-forward.js';
import { AgentMetrics } from './metrics.js';
import type { NodeIdentity } from './node-status.js';
import { PodDns } from './pod-dns.js';
import { PodSync, podKey } from './pod-sync.js';
import { PodVolumes } from './pod-volumes.js';
import { cleanupLocalPaths, localPathRoot } from './claim-volumes.js';
import { LOCAL_PATH_ROOT_ANNOTATION } from '../api/storage/types.js';
import { ServiceAccountTokenManager } from './service-account-tokens.js';
import { ProbeManager } from './probes/probe-manager.js';
import { ProbeMetrics } from './probes/probe-metrics.js';
import { RestartBackoff } from './restart-backoff.js';
import { InstrumentedRuntime } from './runtime/instrumented-runtime.js';
import type { EventSubscription } from './runtime/types.js';
import { attachHandler } from './streams/attach.js';
import { execHandler } from './streams/exec.js';

/** True when two versions of a pod differ only in status (and resourceVersion). */
export function statusOnlyChange(a: Pod, b: Pod): boolean {
  const strip = (p: Pod) => ({ ...p, status: undefined, metadata: { ...p.metadata, resourceVersion: undefined } });
  return deepEqual(strip(a), strip(b));
}

import type { AgentOptions } from './agent-options.js';
export type { AgentOptions };

const isComponent = (x: unknown): x is Component => typeof (x as Component | undefined)?.start === 'function' && typeof (x as Component).stop === 'function';

/** How long stopping waits for the last orphan sweep. */
const FINAL_SWEEP_MS = 10_000;

/** How long node registration waits for the pod network's first pass. */
const NETWORK_SETTLE_MS = 5000;

export class Agent {
  readonly nodeIP: string;
  /** Containers of this cluster only (see cluster-runtime.ts), every Docker call measured. */
  readonly runtime: ClusterScopedRuntime;
  readonly metrics: AgentMetrics;
  /** In start order (see the header). */
  readonly components: Component[];
  private readonly informer: Informer<Pod>;
  /** Every Service: containers get variables for those of their namespace when they start. */
  private readonly services: Informer<Service>;
  /** The termination protocol (endpoint-drain/): Nodes' proxy reports and the pods' EndpointSlices. */
  private readonly drain: EndpointDrain;
  private readonly queue: WorkQueue<string>;
  private readonly sync: PodSync;
  /** Liveness, readiness and startup probes of the running containers (agent/probes). */
  readonly probes: ProbeManager;
  private readonly logServer: LogServer;
  /** CPU and memory of the node and its pods (stats/), served on /stats/summary. */
  readonly sampler?: ResourceSampler;
  private readonly runner: ComponentRunner;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(private readonly o: AgentOptions) {
    this.nodeIP = o.nodeIP ?? detectNodeIP();
    this.log = o.logger;
    this.clock = o.clock ?? realClock;
    this.metrics = new AgentMetrics(o.registry ?? processRegistry({ defaultMetrics: false }));
    this.runtime = new ClusterScopedRuntime(new InstrumentedRuntime(o.runtime, this.metrics));
    const queue = (this.queue = new WorkQueue<string>({ clock: this.clock, baseDelayMs: 200, maxDelayMs: 30_000, name: 'pods', registry: this.metrics.registry }));
    this.informer = new Informer<Pod>(o.client.pods, { fieldSelector: `spec.nodeName=${o.nodeName}`, logger: this.log.child({ sub: 'pod-informer' }), clock: this.clock });
    this.informer.addEventHandler({
      onAdd: (p) => {
        traceHop('agent.seen', { ns: p.metadata.namespace, name: p.metadata.name });
        queue.add(podKey(p));
      },
      // Our own status writes come back as updates: they need no sync.
      onUpdate: (old, p) => {
        if (!statusOnlyChange(old, p)) queue.add(podKey(p));
        else this.drain.podUpdated(p);
      },
      onDelete: (p) => queue.add(podKey(p)),
    });
    const informer = this.informer;
    const services = (this.services = new Informer<Service>(o.client.services, { logger: this.log.child({ sub: 'service-informer' }), clock: this.clock }));
    const events = new EventRecorder(o.client, { component: 'orch-agent', host: o.nodeName, clock: this.clock, logger: this.log.child({ sub: 'events' }) });
    this.drain = new EndpointDrain({
      nodeName: o.nodeName,
      client: o.client,
      clock: this.clock,
      logger: this.log.child({ sub: 'endpoint-drain' }),
      timeoutMs: o.proxyDrainTimeoutMs ?? DEFAULT_PROXY_DRAIN_TIMEOUT_MS,
      services,
      events,
      requeue: (key) => queue.add(key),
    });
    this.probes = new ProbeManager({
      runtime: this.runtime,
      clock: this.clock,
      logger: this.log.child({ sub: 'probes' }),
      requeue: (key) => queue.add(key),
      events,
      metrics: new ProbeMetrics(this.metrics.registry),
      random: o.random,
      hostIP: () => this.nodeIP,
    });
    this.sync = new PodSync({
      nodeName: o.nodeName,
      runtime: this.runtime,
      client: o.client,
      pods: { get: (k) => informer.get(k), list: () => informer.list(), hasSynced: () => informer.hasSynced() },
      services: { list: () => services.list(), hasSynced: () => services.hasSynced() },
      volumes: new PodVolumes(o.rootDir, o.allowedHostPaths ?? [], {
        runDir: o.runDir,
        tokens: new ServiceAccountTokenManager(o.client, { clock: o.serviceAccountTokenClock ?? this.clock, random: o.random }),
      }),
      clock: this.clock,
      resyncMs: o.resyncIntervalMs ?? 10_000,
      random: o.random,
      logger: this.log.child({ sub: 'pod-sync' }),
      hostIP: () => this.nodeIP,
      sandboxImage: o.podInfraContainerImage,
      podNetwork: o.podNetwork,
      dns: new PodDns({ clusterDomain: o.clusterDomain, clusterDns: o.clusterDns, resolvConfPath: o.resolvConfPath, logger: this.log.child({ sub: 'pod-dns' }) }),
      backoff: new RestartBackoff(o.backoff),
      projectedRefreshMs: o.projectedRefreshMs,
      events,
      drain: this.drain,
      probes: this.probes,
    });
    const servingByCsr = !!o.servingCertDir && !o.logCert && !o.logInsecure;
    const metricsIntervalMs = o.metricsIntervalMs ?? 5000;
    if (metricsIntervalMs > 0) {
      this.sampler = new ResourceSampler({
        runtime: this.runtime,
        reader: new CgroupReader(o.cgroupRoot, o.procRoot),
        nodeName: o.nodeName,
        clock: this.clock,
        logger: this.log.child({ sub: 'resource-sampler' }),
        intervalMs: metricsIntervalMs,
        pods: () => informer.list(),
      });
    }
    const sampler = this.sampler;
    this.logServer = new LogServer({
      runtime: this.runtime,
      nodeName: o.nodeName,
      logger: this.log.child({ sub: 'log-server' }),
      port: o.logPort ?? 10250,
      host: o.logHost,
      tokens: o.logTokens,
      clientCA: o.logClientCA,
      insecure: o.logInsecure,
      cert: o.logCert,
      key: o.logKey,
      certificateByCsr: servingByCsr,
      metrics: registrySource(this.metrics.registry),
      summary: sampler && (() => sampler.summary()),
      // Upgrade requests the apiserver proxies (agent/streams/): one handler per kind.
      streams: {
        exec: execHandler({ runtime: this.runtime, nodeName: o.nodeName, logger: this.log.child({ sub: 'exec' }) }),
        attach: attachHandler({ runtime: this.runtime, nodeName: o.nodeName, logger: this.log.child({ sub: 'attach' }) }),
        portForward: createPortForwardHandler({ runtime: this.runtime, nodeName: o.nodeName, logger: this.log.child({ sub: 'port-forward' }) }),
      },
    });
    // Pods waiting for the network (NetworkNotReady) go on as soon as it is ready.
    o.podNetwork?.onChange(() => this.enqueueAll());
    this.metrics.setSources({ pods: () => informer.list(), containers: () => this.runtime.listContainers({ [LABEL_NODE]: o.nodeName }, { details: false }) });
    this.components = [
      this.clusterIdentity(),
      this.logServer,
      // The network first: a restarted agent's Node must not flip to NotReady while its
      // network is re-checked (node registration waits for that first pass, bounded).
      ...(isComponent(o.podNetwork) ? [o.podNetwork] : []),
      this.nodeRegistration(),
      ...(servingByCsr ? [this.servingCertificate(o.servingCertDir!)] : []),
      this.runtimeEvents(),
      informersComponent('pod-informer', [this.informer, this.services], { waitForSync: false }),
      this.drain.component(),
      this.podWorkers(),
      this.orphanSweep(),
      ...(this.sampler ? [this.sampler] : []),
    ];
    this.runner = new ComponentRunner(this.components, { logger: this.log, clock: this.clock });
  }

  /** The port the log server really listens on (useful with --log-port 0). */
  get logPort(): number {
    return this.logServer.port;
  }

  get podSync(): PodSync {
    return this.sync;
  }

  async start(): Promise<void> {
    await this.runner.start();
    this.log.info({ node: this.o.nodeName, nodeIP: this.nodeIP, logPort: this.logServer.port }, 'agent started');
  }

  /** Resolves once the pod cache holds the first list. */
  async waitForSync(): Promise<void> {
    await this.informer.waitForSync();
  }

  /** Stops the agent's own machinery; the containers keep running. */
  async stop(): Promise<void> {
    await this.runner.stop();
    this.log.info('agent stopped');
  }

  private enqueueAll(): void {
    for (const p of this.informer.list()) this.queue.add(podKey(p));
  }

  /** The cluster identity labels every container; until it is known none is listed or touched. */
  private clusterIdentity(): Component {
    return clusterIdentityComponent({
      client: this.o.client,
      clock: this.clock,
      logger: this.log,
      onIdentity: (uid) => {
        this.runtime.clusterId = uid;
        this.log.info({ cluster: uid }, 'cluster identity');
        this.enqueueAll();
      },
    });
  }

  /** After node registration: the approver checks the names against the Node's addresses. */
  private servingCertificate(certDir: string): Component {
    return new ServingCertificate({
      client: this.o.client,
      nodeName: this.o.nodeName,
      certDir,
      names: () => servingNames(this.o.nodeName, os.hostname(), this.nodeIP),
      install: (cert, key) => this.logServer.setServingCertificate(cert, key),
      logger: this.log.child({ sub: 'serving-certificate' }),
      random: this.o.random,
      pollMs: this.o.servingCsrPollMs,
    });
  }

  private nodeRegistration(): Component {
    const o = this.o;
    let heartbeat: Heartbeat | undefined;
    return {
      name: 'node-registration',
      start: async () => {
        const id: NodeIdentity = {
          nodeName: o.nodeName,
          nodeIP: this.nodeIP,
          hostname: os.hostname(),
          labels: o.labels ?? {},
          annotations: { [LOCAL_PATH_ROOT_ANNOTATION]: localPathRoot(o.rootDir) },
          reservedCpuMillis: o.reservedCpuMillis ?? 0,
          reservedMemoryBytes: o.reservedMemoryBytes ?? 0,
          maxPods: o.maxPods ?? 110,
          logPort: this.logServer.port,
          agentVersion: o.version ?? '0.1.0',
        };
        heartbeat = new Heartbeat({
          id,
          client: o.client,
          runtime: this.runtime,
          clock: this.clock,
          logger: this.log.child({ sub: 'heartbeat' }),
          intervalMs: o.heartbeatIntervalMs ?? 2000,
          statusUpdateMs: o.nodeStatusUpdateMs ?? 60_000,
          // Docker is back: everything it did meanwhile must be looked at again.
          onDockerChange: (up) => up && this.enqueueAll(),
          networkNotReady: () => this.networkNotReady(),
        });
        // Ready follows the pod network at once, not at the next interval.
        o.podNetwork?.onChange(() => heartbeat?.poke());
        // Bounded: a network stuck in its first pass (iptables lock) must not keep the node unregistered.
        const settled = o.podNetwork?.settled?.();
        if (settled) await Promise.race([settled, this.clock.sleep(NETWORK_SETTLE_MS).catch(() => undefined)]);
        try {
          await heartbeat.register();
        } catch (err) {
          // The heartbeat keeps retrying; the agent still serves what it already runs.
          this.log.warn({ err }, 'node registration failed; will retry');
        }
        heartbeat.start();
      },
      ready: () => (heartbeat?.isRegistered() ? undefined : 'node not registered yet'),
      stop: async () => heartbeat?.stop(),
    };
  }

  /** Why the node's pod network is not ready; undefined when it is or when the node has none (--network-backend none). */
  private networkNotReady(): string | undefined {
    const s = this.o.podNetwork?.state();
    return s && !s.ready ? s.reason : undefined;
  }

  /** Docker events reconcile the affected pod at once (a killed container is replaced without waiting for the resync). */
  private runtimeEvents(): Component {
    let sub: EventSubscription | undefined;
    return {
      name: 'runtime-events',
      start: async () => {
        sub = this.runtime.events(
          { [LABEL_NODE]: this.o.nodeName },
          (e) => {
            // Only what breaks a pod: 'kill'/'stop' come before 'die' (a sync then would see a
            // running container), and 'start' is mostly our own doing (the resync covers the rest).
            if (!['die', 'oom', 'destroy'].includes(e.action)) return;
            const ns = e.labels[LABEL_NAMESPACE];
            const pod = e.labels[LABEL_POD];
            if (ns && pod) this.queue.add(`${ns}/${pod}`);
          },
          (err) => this.log.debug({ err }, 'docker event stream interrupted; reconnecting'),
        );
      },
      stop: async () => sub?.stop(),
    };
  }

  private podWorkers(): Component {
    let workers: Promise<void> | undefined;
    return {
      name: 'pod-workers',
      start: async () => {
        workers = runReconcileLoop({
          queue: this.queue,
          workers: this.o.workers ?? 32,
          reconcile: (k) => {
            const [ns, name] = k.split('/');
            traceHop('agent.sync', { ns, name });
            return this.metrics.observeSync(() => this.sync.reconcile(k));
          },
          logger: this.log.child({ sub: 'workers' }),
          clock: this.clock,
        });
      },
      stop: async () => {
        this.probes.stop();
        this.queue.shutDown();
        await workers?.catch(() => undefined);
        // Reconciles still queued were dropped: a pod deleted a moment ago may have left a
        // container (e.g. `orch down --purge` stops the agent as soon as the pod list is empty).
        if (!this.informer.hasSynced()) return;
        const sweep = this.sync.sweepAgainstApi().catch((err) => this.log.warn({ err }, 'final orphan sweep failed'));
        await raceClock(this.clock, sweep, FINAL_SWEEP_MS, () => undefined);
      },
    };
  }

  /**
   * Right after the cache is complete every pod at once, and the first orphan sweep (pods
   * deleted while the agent was down); then the sweep as a one-key loop every resync
   * interval. Pods resync themselves: each reconcile returns "look again" (pod-sync.ts).
   */
  private orphanSweep(): Component {
    const ac = new AbortController();
    let loop: Promise<void> | undefined;
    const resyncMs = this.o.resyncIntervalMs ?? 10_000;
    const sweeps = new WorkQueue<string>({ clock: this.clock, name: 'orphans', registry: this.metrics.registry, maxDelayMs: resyncMs });
    const sweep = async () => {
      if (this.informer.hasSynced()) await this.sync.sweepOrphans();
      // Local-path volumes deleted (reclaim policy Delete): their directories go too.
      const removed = await cleanupLocalPaths(this.o.client, localPathRoot(this.o.rootDir)).catch((err: Error) => {
        this.log.warn({ err }, 'cannot check local-path volumes');
        return [];
      });
      for (const dir of removed) this.log.info({ dir }, 'removed the directory of a deleted local-path volume');
      return requeueAfter(resyncMs);
    };
    return {
      name: 'orphan-sweep',
      start: async () => {
        loop = (async () => {
          try {
            await this.informer.waitForSync(ac.signal);
          } catch {
            return;
          }
          this.enqueueAll();
          sweeps.add('orphans');
          await runReconcileLoop({ queue: sweeps, reconcile: sweep, logger: this.log.child({ sub: 'orphan-sweep' }), clock: this.clock, signal: ac.signal });
        })();
      },
      stop: async () => {
        ac.abort();
        sweeps.shutDown();
        await loop;
      },
    };
  }
}
