// The controller manager as components (foundation/component.ts), started in order and
// stopped in reverse:
//
//   event-recorder → informers (one shared set: one pods informer for every controller;
//   started, and waited for until synced) → replicaset → deployment → daemonset → statefulset → nodelifecycle →
//   garbagecollector → nodeipam → endpointslice → endpoint → servicelb → disruption →
//   horizontalpodautoscaling →
//   clusterrole-aggregation
//   csrapproving → csrsigning → tokencleaner → serviceaccount → root-ca-cert-publisher (only with --root-ca-file)
//   → job → cronjob
//   → persistentvolume-binder → pvc-protection → pv-protection
//
// so controllers start on complete caches and stop before their informers, and the last
// Events are flushed after every controller stopped. controllerManagerProcess adds the
// health/metrics server and, with leader election, runs all of it only while leading.

import type { CertificateSigningRequest, ConfigMap, Deployment, Endpoints, EndpointSlice, KubeObject, Lease, Namespace, Node, Pod, PodDisruptionBudget, ReplicaSet, Secret, Service, ServiceAccount } from '../api/types.js';
import type { CertAndKey } from '../foundation/pki.js';
import { TokenCleanerController } from './bootstrap-token-cleaner/controller.js';
import { defaultBindingsReviewer, type AccessReviewer } from './csr-approving/access-review.js';
import { CsrApprovingController } from './csr-approving/controller.js';
import { CsrSigningController, DEFAULT_CLUSTER_SIGNING_DURATION_MS } from './csr-signing/controller.js';
import { RESOURCES } from '../api/resources.js';
import type { Client, ResourceClient } from '../client/types.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { loopComponent, type Component, type RunOutcome } from '../foundation/component.js';
import { ComponentRunner } from '../foundation/component-runner.js';
import type { Logger } from '../foundation/logger.js';
import { processRegistry, type Registry } from '../foundation/metrics.js';
import { assembleProcess, type AssembledProcess, type ProcessOptions } from '../foundation/process.js';
import { Informer } from '../client/informer.js';
import { informersComponent } from '../client/informer-component.js';
import { EventRecorder } from '../client/event-recorder.js';
import { defaultIdentity, LeaderElected } from '../client/leader-elected.js';
import { runReconcileLoop } from '../client/reconcile-loop.js';
import { WorkQueue } from '../client/work-queue.js';
import { queueMetrics } from '../client/work-queue-metrics.js';
import { ClusterRoleAggregationController } from './clusterrole-aggregation/controller.js';
import type { ClusterRole } from '../api/rbac-types.js';
import { DaemonSetController } from './daemonset/controller.js';
import { StatefulSetController } from './statefulset/controller.js';
import type { StatefulSet } from '../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../api/storage/types.js';
import type { ControllerRevision, DaemonSet } from '../api/daemonset-types.js';
import type { CronJob, Job } from '../api/job-types.js';
import { DeploymentController } from './deployment/controller.js';
import { DisruptionController } from './disruption/controller.js';
import { HpaController, type HpaOptions } from './hpa/controller.js';
import { RestMetricsClient, type RawRequester, type ResourceMetricsClient } from './hpa/metrics-client.js';
import type { HorizontalPodAutoscaler } from '../api/hpa-types.js';
import { EndpointsController } from './endpoints/controller.js';
import { EndpointSliceController } from './endpointslice/controller.js';
import { GarbageCollector } from './garbage-collector/controller.js';
import { CustomOwners } from './garbage-collector/custom-owners.js';
import { ControllerMetrics } from './metrics.js';
import { DEFAULT_NODE_LIFECYCLE_OPTIONS, NodeLifecycleController } from './node-lifecycle/controller.js';
import { podNetworkPlan } from './node-ipam/config.js';
import { NodeIpamController, type NodeIpamOptions } from './node-ipam/controller.js';
import { ReplicaSetController } from './replicaset/controller.js';
import { buildBatchControllers, type BatchControllerOptions } from './batch-controllers.js';
import { ServiceLbController } from './service-lb/controller.js';
import { DEFAULT_SERVICE_ACCOUNT, ServiceAccountsController } from './serviceaccounts/controller.js';
import { ROOT_CA_CONFIGMAP, RootCaPublisher } from './root-ca-publisher/controller.js';
import type { Controller, InformerView } from './shared/types.js';
import { buildStorageControllers } from './persistent-volume/wiring.js';

export const ALL_CONTROLLERS = ['deployment', 'replicaset', 'daemonset', 'statefulset', 'nodelifecycle', 'garbagecollector', 'nodeipam', 'endpointslice', 'endpoint', 'servicelb', 'disruption', 'clusterrole-aggregation', 'csrapproving', 'csrsigning', 'tokencleaner', 'serviceaccount', 'root-ca-cert-publisher', 'job', 'cronjob', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'horizontalpodautoscaling'] as const;

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
  /** The node IPAM controller's address plan (default: 10.244.0.0/16 in /24 blocks, nothing checked against the host). */
  podNetwork?: NodeIpamOptions;
  /** The cluster CA that signs approved node client CSRs (--cluster-signing-*); without it csrsigning does not run. */
  csrSigning?: { ca: CertAndKey; durationMs?: number };
  /** How csrapproving asks the authorizer (default: Kubernetes' default bindings, no API call). */
  accessReviewer?: AccessReviewer;
  /** Reconcile metrics (in the process's registry), or none. */
  metrics?: ControllerMetrics;
  /** The autoscaler's settings (--horizontal-pod-autoscaler-*). */
  hpa?: Partial<HpaOptions>;
  /** Where the autoscaler reads pod usage (default: metrics.k8s.io through the client). */
  metricsClient?: ResourceMetricsClient;
  /** --root-ca-file's PEM: published as ConfigMap kube-root-ca.crt in every namespace (absent: not published). */
  rootCa?: string;
  /** The job and cronjob controllers' knobs (tests: a short backoff, a fake clock for schedules). */
  batch?: BatchControllerOptions;
}

export class ControllerManager {
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly recorder: EventRecorder;
  /** One work queue per controller, named after it (its workqueue_* metrics). */
  private readonly queues = new Map<string, WorkQueue<string>>();
  readonly controllers: Controller[] = [];
  /** In start order (see the header). */
  readonly components: Component[];
  private readonly runner: ComponentRunner;
  /** The garbage collector's informers of custom-resource owners (made on demand, stopped with the informers). */
  private customOwners?: CustomOwners;

  /** Wiring only: informers and controllers are made here, nothing is started. */
  constructor(private readonly opts: ControllerManagerOptions) {
    this.recorder = new EventRecorder(opts.client, { component: 'controller-manager', clock: opts.clock, logger: opts.logger });
    this.buildControllers();
    const recorder = this.recorder;
    this.components = [
      { name: 'event-recorder', start: async () => undefined, stop: () => recorder.flush() },
      informersComponent('informers', this.informers),
      { name: 'custom-owner-informers', start: async () => undefined, stop: async () => this.customOwners?.stop() },
      ...this.controllers.map((c) => loopComponent(c.name, (signal) => this.runController(c, signal))),
    ];
    this.runner = new ComponentRunner(this.components, { logger: opts.logger, clock: opts.clock });
  }

  private informer<T extends KubeObject>(rc: ResourceClient<T>, namespace?: string): Informer<T> {
    const inf = new Informer<T>(rc as never, { logger: this.opts.logger.child({ informer: 'shared' }), clock: this.opts.clock, namespace });
    this.informers.push(inf as unknown as Informer<KubeObject>);
    return inf;
  }

  private queue(name: string, maxDelayMs?: number): WorkQueue<string> {
    const q = new WorkQueue<string>({ clock: this.opts.clock, name, registry: this.opts.metrics?.registry, maxDelayMs });
    this.queues.set(name, q);
    return q;
  }

  /** The one reconcile loop (client/reconcile-loop.ts) over a controller's queue, until signal aborts. */
  private runController(c: Controller, signal: AbortSignal): Promise<void> {
    return runReconcileLoop({
      queue: this.queues.get(c.name)!,
      reconcile: (k) => c.reconcile(k),
      workers: c.name === 'nodelifecycle' ? 1 : (this.opts.workers ?? 4),
      logger: this.opts.logger.child({ controller: c.name }),
      signal,
      clock: this.opts.clock,
      observe: (outcome, seconds) => this.opts.metrics?.reconciled(c.name, outcome, seconds),
    });
  }

  /** Informers synced (controllers run on complete caches). */
  healthy(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  private buildControllers(): void {
    const { client, logger } = this.opts;
    const clock = this.opts.clock ?? realClock;
    const enabled = enabledControllers(this.opts.controllers ?? ['*']);
    const pods = this.informer<Pod>(client.pods);
    const replicaSets = this.informer<ReplicaSet>(client.replicasets);
    const deployments = this.informer<Deployment>(client.deployments);
    const base = { client, recorder: this.recorder, clock };
    let nodeInformer: Informer<Node> | undefined;
    const nodes = () => (nodeInformer ??= this.informer<Node>(client.nodes));
    // batch/v1: shared by the job and cronjob controllers and the garbage collector.
    let jobInformer: Informer<Job> | undefined;
    const jobs = () => (jobInformer ??= this.informer<Job>(client.resource<Job>('jobs')));
    let cronJobInformer: Informer<CronJob> | undefined;
    const cronJobs = () => (cronJobInformer ??= this.informer<CronJob>(client.resource<CronJob>('cronjobs')));
    // Made only when a controller needs them (a manager with the endpoint controllers off watches no Services).
    let serviceInformer: Informer<Service> | undefined;
    const services = () => (serviceInformer ??= this.informer<Service>(client.services));
    let sliceInformer: Informer<EndpointSlice> | undefined;
    const slices = () => (sliceInformer ??= this.informer<EndpointSlice>(client.resource<EndpointSlice>('endpointslices')));
    if (enabled.has('replicaset')) {
      this.controllers.push(new ReplicaSetController({ ...base, pods, replicaSets, logger: logger.child({ controller: 'replicaset' }), queue: this.queue('replicaset') }));
    }
    if (enabled.has('deployment')) {
      this.controllers.push(new DeploymentController({ ...base, deployments, replicaSets, pods, logger: logger.child({ controller: 'deployment' }), queue: this.queue('deployment') }));
    }
    // DaemonSets: informers made only with the controller on (the GC below shares them).
    let daemonSets: Informer<DaemonSet> | undefined;
    let revisions: Informer<ControllerRevision> | undefined;
    if (enabled.has('daemonset')) {
      daemonSets = this.informer<DaemonSet>(client.resource<DaemonSet>('daemonsets'));
      revisions = this.informer<ControllerRevision>(client.resource<ControllerRevision>('controllerrevisions'));
      this.controllers.push(new DaemonSetController({ ...base, daemonSets, revisions, pods, nodes: nodes(), logger: logger.child({ controller: 'daemonset' }), queue: this.queue('daemonset') }));
    }
    // StatefulSets: their own informers (the claims one as well: the storage controllers build theirs in persistent-volume/wiring.ts).
    let statefulSets: Informer<StatefulSet> | undefined;
    let setClaims: Informer<PersistentVolumeClaim> | undefined;
    if (enabled.has('statefulset')) {
      statefulSets = this.informer<StatefulSet>(client.resource<StatefulSet>('statefulsets'));
      revisions ??= this.informer<ControllerRevision>(client.resource<ControllerRevision>('controllerrevisions'));
      setClaims = this.informer<PersistentVolumeClaim>(client.resource<PersistentVolumeClaim>('persistentvolumeclaims'));
      this.controllers.push(new StatefulSetController({ ...base, statefulSets, revisions, pods, claims: setClaims, logger: logger.child({ controller: 'statefulset' }), queue: this.queue('statefulset') }));
    }
    if (enabled.has('nodelifecycle')) {
      // Every namespace: the controller reads kube-node-lease, and orch-node-lease from agents older than it.
      const leases = this.informer<Lease>(client.leases);
      this.controllers.push(
        new NodeLifecycleController({
          client,
          nodes: nodes(),
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
      let gc: GarbageCollector | undefined;
      const { resourceFor, discovery } = client;
      if (resourceFor && discovery)
        this.customOwners = new CustomOwners(
          { resourceFor: resourceFor.bind(client), discovery: discovery.bind(client) },
          (uid) => gc?.ownerDeleted(uid),
          logger.child({ controller: 'garbagecollector' }),
          clock,
        );
      this.controllers.push(
        (gc = new GarbageCollector({
          client,
          clock,
          logger: logger.child({ controller: 'garbagecollector' }),
          queue: this.queue('garbagecollector'),
          customOwners: this.customOwners,
          resources: [
            view('deployments', deployments as unknown as Informer<KubeObject>),
            view('replicasets', replicaSets as unknown as Informer<KubeObject>),
            view('pods', pods as unknown as Informer<KubeObject>),
            ...(daemonSets ? [view('daemonsets', daemonSets as unknown as Informer<KubeObject>)] : []),
            ...(revisions ? [view('controllerrevisions', revisions as unknown as Informer<KubeObject>)] : []),
            // StatefulSets own their pods, revisions and (by retention policy) claims.
            ...(statefulSets && setClaims
              ? [view('statefulsets', statefulSets as unknown as Informer<KubeObject>), view('persistentvolumeclaims', setClaims as unknown as Informer<KubeObject>)]
              : []),
            // Jobs own their pods, CronJobs their Jobs: deleting the owner removes them.
            ...(enabled.has('job') || enabled.has('cronjob') ? [view('jobs', jobs() as unknown as Informer<KubeObject>)] : []),
            ...(enabled.has('cronjob') ? [view('cronjobs', cronJobs() as unknown as Informer<KubeObject>)] : []),
            // Slices are owned by their Service: deleting the Service removes them.
            ...(enabled.has('endpointslice')
              ? [view('services', services() as unknown as Informer<KubeObject>), view('endpointslices', slices() as unknown as Informer<KubeObject>)]
              : []),
          ],
        })),
      );
    }
    if (enabled.has('nodeipam')) {
      this.controllers.push(
        new NodeIpamController({
          ...base,
          nodes: nodes(),
          logger: logger.child({ controller: 'nodeipam' }),
          queue: this.queue('nodeipam'),
          metrics: this.opts.metrics,
          options: this.opts.podNetwork ?? { plan: podNetworkPlan({ clusterCidr: '10.244.0.0/16' }) },
        }),
      );
    }
    this.buildServiceControllers(enabled, pods, services, slices, nodes);
    if (enabled.has('disruption')) {
      const budgets = this.informer<PodDisruptionBudget>(client.resource<PodDisruptionBudget>('poddisruptionbudgets'));
      this.controllers.push(new DisruptionController({ ...base, budgets, pods, replicaSets, deployments, logger: logger.child({ controller: 'disruption' }), queue: this.queue('disruption') }));
    }
    if (enabled.has('horizontalpodautoscaling')) this.buildAutoscaler(pods);
    if (enabled.has('clusterrole-aggregation')) {
      const rc = client.resource<ClusterRole>('clusterroles');
      const clusterRoles = this.informer<ClusterRole>(rc);
      this.controllers.push(new ClusterRoleAggregationController({ clusterRoles, client: rc, logger: logger.child({ controller: 'clusterrole-aggregation' }), queue: this.queue('clusterrole-aggregation') }));
    }
    this.buildCertificateControllers(enabled, nodes);
    this.buildCredentialControllers(enabled);
    this.controllers.push(
      ...buildBatchControllers({ enabled, pods, jobs, cronJobs, client, recorder: this.recorder, clock, logger, queue: (n) => this.queue(n), options: this.opts.batch }),
      ...buildStorageControllers(enabled, { client, logger, recorder: this.recorder, pods, nodes, informer: (rc) => this.informer(rc), queue: (name) => this.queue(name) }),
    );
  }

  /** Continues buildControllers: the horizontal pod autoscaler, reading usage from metrics.k8s.io. */
  private buildAutoscaler(pods: Informer<Pod>): void {
    const { client, logger } = this.opts;
    const raw = client as unknown as Partial<RawRequester>;
    // An in-memory client (tests) reaches no metrics API: every autoscaler then says so in its ScalingActive condition.
    const metrics: ResourceMetricsClient = this.opts.metricsClient ?? (typeof raw.request === 'function' ? new RestMetricsClient(raw as RawRequester) : { getResourceMetric: () => Promise.reject(new Error('this client cannot read metrics.k8s.io')) });
    const hpas = this.informer<HorizontalPodAutoscaler>(client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers'));
    this.controllers.push(
      new HpaController({ client, hpas, pods, metrics, recorder: this.recorder, clock: this.opts.clock ?? realClock, logger: logger.child({ controller: 'horizontalpodautoscaling' }), queue: this.queue('horizontalpodautoscaling'), options: this.opts.hpa }),
    );
  }

  /** Continues buildControllers: what in-cluster clients need in every namespace (the default ServiceAccount, the root CA). */
  private buildCredentialControllers(enabled: Set<string>): void {
    const { client, logger } = this.opts;
    const publishCa = enabled.has('root-ca-cert-publisher') && this.opts.rootCa !== undefined;
    if (!enabled.has('serviceaccount') && !publishCa) return;
    const namespaces = this.informer<Namespace>(client.namespaces);
    const byName = (rc: ResourceClient<KubeObject>, name: string) => {
      const inf = new Informer<KubeObject>(rc as never, { logger: logger.child({ informer: 'shared' }), clock: this.opts.clock, fieldSelector: `metadata.name=${name}` });
      this.informers.push(inf);
      return inf;
    };
    if (enabled.has('serviceaccount')) {
      const serviceAccounts = byName(client.resource('serviceaccounts'), DEFAULT_SERVICE_ACCOUNT) as unknown as InformerView<ServiceAccount>;
      this.controllers.push(new ServiceAccountsController({ client, namespaces, serviceAccounts, logger: logger.child({ controller: 'serviceaccount' }), queue: this.queue('serviceaccount') }));
    }
    if (publishCa) {
      const configMaps = byName(client.resource('configmaps'), ROOT_CA_CONFIGMAP) as unknown as InformerView<ConfigMap>;
      this.controllers.push(
        new RootCaPublisher({ client, namespaces, configMaps, rootCa: this.opts.rootCa!, logger: logger.child({ controller: 'root-ca-cert-publisher' }), queue: this.queue('root-ca-cert-publisher') }),
      );
    }
  }

  /** Continues buildControllers: node credentials (CSR approval and signing, bootstrap token expiry). */
  private buildCertificateControllers(enabled: Set<string>, nodes: () => Informer<Node>): void {
    const { client, logger } = this.opts;
    const clock = this.opts.clock ?? realClock;
    let csrInformer: Informer<CertificateSigningRequest> | undefined;
    const csrs = () => (csrInformer ??= this.informer<CertificateSigningRequest>(client.resource<CertificateSigningRequest>('certificatesigningrequests')));
    if (enabled.has('csrapproving')) {
      const reviewer = this.opts.accessReviewer ?? defaultBindingsReviewer;
      this.controllers.push(new CsrApprovingController({ client, csrs: csrs(), reviewer, nodes: nodes(), recorder: this.recorder, logger: logger.child({ controller: 'csrapproving' }), queue: this.queue('csrapproving') }));
    }
    const signing = this.opts.csrSigning;
    if (enabled.has('csrsigning') && signing) {
      this.controllers.push(
        new CsrSigningController({
          client,
          csrs: csrs(),
          ca: signing.ca,
          durationMs: signing.durationMs ?? DEFAULT_CLUSTER_SIGNING_DURATION_MS,
          clock,
          logger: logger.child({ controller: 'csrsigning' }),
          queue: this.queue('csrsigning'),
        }),
      );
    }
    if (enabled.has('tokencleaner')) {
      const secrets = this.informer<Secret>(client.secrets, 'kube-system');
      this.controllers.push(new TokenCleanerController({ client, secrets, clock, logger: logger.child({ controller: 'tokencleaner' }), queue: this.queue('tokencleaner') }));
    }
  }

  /** Continues buildControllers: the Service controllers (EndpointSlices, Endpoints, LoadBalancer status). */
  private buildServiceControllers(enabled: Set<string>, pods: Informer<Pod>, services: () => Informer<Service>, slices: () => Informer<EndpointSlice>, nodes: () => Informer<Node>): void {
    const { client, logger } = this.opts;
    const clock = this.opts.clock ?? realClock;
    const base = { client, recorder: this.recorder, clock };
    if (enabled.has('endpointslice')) {
      this.controllers.push(
        new EndpointSliceController({ ...base, pods, services: services(), slices: slices(), logger: logger.child({ controller: 'endpointslice' }), queue: this.queue('endpointslice') }),
      );
    }
    if (enabled.has('endpoint')) {
      const endpoints = this.informer<Endpoints>(client.endpoints);
      this.controllers.push(new EndpointsController({ ...base, pods, services: services(), endpoints, logger: logger.child({ controller: 'endpoint' }), queue: this.queue('endpoint') }));
    }
    if (enabled.has('servicelb')) {
      this.controllers.push(
        new ServiceLbController({ client, services: services(), nodes: nodes(), slices: slices(), logger: logger.child({ controller: 'servicelb' }), queue: this.queue('servicelb') }),
      );
    }
  }

  /** Start informers (waiting for their first lists), then the controllers, in order. */
  start(): Promise<void> {
    return this.runner.start();
  }

  /** Stop controllers in reverse order, then the informers; flush pending Events. */
  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** Drop everything without cleanup (tests of a crash): no flush, no waiting. */
  kill(): void {
    for (const c of this.components.slice(2)) void c.stop();
    for (const q of this.queues.values()) q.shutDown();
    for (const inf of this.informers) inf.stop();
  }
}

export interface ControllerManagerProcessOptions extends Omit<ControllerManagerOptions, 'metrics'> {
  /** Where /healthz, /readyz and /metrics are served (undefined: nowhere). */
  health?: ProcessOptions['health'];
  /** The process's registry (default: a fresh one with the process metrics). */
  registry?: Registry;
  leaderElection?: { namespace: string; leaseName?: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
}

export type { RunOutcome };

/** The process: health server, then the manager's components (or, with leader election, a wrapper that runs them while leading). */
export function controllerManagerProcess(opts: ControllerManagerProcessOptions): AssembledProcess {
  const registry = opts.registry ?? processRegistry();
  // The workqueue_* series exist from the start, also on a standby that never leads.
  queueMetrics(registry);
  const managerOpts: ControllerManagerOptions = { ...opts, metrics: new ControllerMetrics(registry) };
  const le = opts.leaderElection;
  const components = le
    ? [
        new LeaderElected({
          client: opts.client,
          namespace: le.namespace,
          leaseName: le.leaseName ?? 'orch-controller-manager',
          identity: le.identity ?? defaultIdentity(),
          leaseDurationMs: le.leaseDurationMs,
          renewDeadlineMs: le.renewDeadlineMs,
          retryPeriodMs: le.retryPeriodMs,
          clock: opts.clock,
          logger: opts.logger,
          registry,
          // A fresh manager (fresh informers and controllers) for every term.
          leaderComponents: () => new ControllerManager(managerOpts).components,
        }),
      ]
    : new ControllerManager(managerOpts).components;
  return assembleProcess({ logger: opts.logger, registry, health: opts.health, components, clock: opts.clock });
}

/** Runs until signal aborts ('stopped') or the lease is lost ('lost-lease': the process should exit 1). */
export function runControllerManager(opts: ControllerManagerProcessOptions, signal: AbortSignal): Promise<RunOutcome> {
  return controllerManagerProcess(opts).runner.run(signal);
}
