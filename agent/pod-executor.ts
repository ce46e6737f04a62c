// Performs one pod's plan (pod-plan.ts) through the runtime and the API, in order, and
// says what should happen next (a reconcile-loop Result). Nothing here waits for something
// slow: a stop runs in flight (pod-operations.ts) and a pull in the background
// (image-puller.ts); the result asks the loop to look again when they end. The outcome of
// each action updates the container observations the status is computed from.

import { deepEqual } from '../api/meta.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { Container, Pod, Service } from '../api/types.js';
import { mergeResults, requeueAfter, requeueWhen, type Result } from '../client/reconcile-loop.js';
import type { Client } from '../client/types.js';
import { nowIso, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { ImagePuller } from './image-puller.js';
import { postStartThenMaybeStop, preStopStop } from './hook-steps.js';
import { isSidecar } from './init-plan.js';
import { LABEL_ATTEMPT, LABEL_CONTAINER, LABEL_NODE, LABEL_POD_UID, SANDBOX_CONTAINER } from './labels.js';
import type { PodNetworkView } from './network/pod-network-state.js';
import type { PodDns } from './pod-dns.js';
import type { RoutedFact } from './endpoint-drain/routed-condition.js';
import type { PodMemory } from './pod-memory.js';
import { isFinished, type Action, type PodPlan } from './pod-plan.js';
import { computePodStatus, type ContainerObservation } from './pod-status.js';
import { ContainerConfigError, containerSpecFor, needsImageUser, sandboxSpecFor, type EnvSources, type VolumeSources } from './pod-to-container.js';
import type { PodVolumes } from './pod-volumes.js';
import { fetchSources } from './pod-sources.js';
import { serviceLinkEnv } from './service-env.js';
import { traceHop } from '../foundation/trace.js';
import { isRuntimeError, type ContainerInfo, type ContainerRuntime, type ContainerSpec } from './runtime/types.js';

/** The informer cache of pods bound to this node, keyed "namespace/name". */
export interface PodStore {
  get(key: string): Pod | undefined;
  list(): Pod[];
  hasSynced(): boolean;
}

export interface PodEvents {
  record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodExecutorDeps {
  nodeName: string;
  runtime: ContainerRuntime;
  client: Client;
  pods: PodStore;
  volumes: PodVolumes;
  puller: ImagePuller;
  memory: PodMemory;
  clock: Clock;
  logger: Logger;
  hostIP?: () => string | undefined;
  /** Image of the pod sandboxes (--pod-infra-container-image). */
  sandboxImage: string;
  /** The node's pod network; undefined: sandboxes on Docker's default bridge. */
  podNetwork?: PodNetworkView;
  /** Pods' resolv.conf (dnsPolicy, dnsConfig); undefined: Docker's default for every pod. */
  dns?: PodDns;
  events?: PodEvents;
  /** Called after a pass wrote a status (tests and metrics). */
  onStatusWritten?: (key: string) => void;
  /** The Service cache (service links); undefined: no service variables. */
  services?: ServiceStore;
  /** The ProxiesRouted fact of a pod (endpoint-drain/); undefined: no such condition. */
  routing?: (pod: Pod) => RoutedFact | undefined;
}

/** What the executor reads of the agent's Service informer. */
export interface ServiceStore {
  list(): Service[];
  hasSynced(): boolean;
}

/** How soon a pod held by the drain gate is looked at again at the latest. */
const AWAIT_DRAIN_RECHECK_MS = 500;

/** How soon a container waiting for the first list of Services is looked at again. */
const SERVICES_WAIT_MS = 200;

/** A config error may be fixed by creating the missing ConfigMap/Secret: look again after this. */
const CONFIG_RETRY_MS = 5000;
const CLAIM_RETRY_MS = 1000;

/** Runs one pass of a pod's plan; one instance per reconcile. */
export class PodExecution {
  private readonly results: Result[] = [];
  /** Containers whose chain stopped (they wait with a reason). */
  private readonly blocked = new Set<string>();
  /** Container name → the attempt this pass created (joined: the sandbox it was created to join). */
  private readonly created = new Map<string, { id: string; attempt: number; joined?: string }>();
  private readonly observations: Map<string, ContainerObservation>;
  private prepared?: Promise<{ src: EnvSources; vols: VolumeSources }>;
  /** The pod's sandbox as this pass leaves it. */
  private sandbox?: ContainerInfo;
  /** Why the sandbox could not be made to run this pass (its containers wait with it). */
  private sandboxWaiting?: { reason: string; message?: string };
  private createdSandbox?: { id: string; attempt: number };
  /**
   * The sandbox start of this pass while it runs: app containers are created meanwhile
   * (overlapsSandboxStart), everything else waits for it (settleSandbox).
   */
  private sandboxStart?: { id: string; done: Promise<void> };
  /** The pod as this pass last wrote its status. */
  private written?: Pod;
  private readonly uid: string;
  private readonly log: Logger;

  constructor(
    private readonly d: PodExecutorDeps,
    private readonly pod: Pod,
    private readonly key: string,
    private readonly plan: PodPlan,
  ) {
    this.uid = pod.metadata.uid ?? '';
    this.observations = new Map([...plan.containers, ...(plan.initContainers ?? [])].map((o) => [o.container.name, o]));
    this.sandbox = plan.sandbox;
    this.log = d.logger.child({ pod: key });
  }

  async run(): Promise<Result> {
    try {
      for (const a of this.plan.actions) {
        if (this.sandboxStart && !this.overlapsSandboxStart(a)) await this.settleSandbox();
        if ('container' in a && a.container !== undefined && this.blocked.has(a.container)) continue;
        await this.perform(a);
      }
      await this.settleSandbox();
    } finally {
      // A step failed while the sandbox was starting: the start still ends before the pass does.
      await this.sandboxStart?.done.catch(() => undefined);
    }
    return mergeResults(...this.results);
  }

  /**
   * What may run while the sandbox starts (Docker takes most of a pod's start there): the
   * image checks, the volumes and the create of a container that joins it, since a create
   * with NetworkMode container:<id> only needs the sandbox to exist; its start waits. Not a
   * container whose environment carries the pod IP (known once the sandbox runs).
   */
  private overlapsSandboxStart(a: Action): boolean {
    if (a.type === 'pull-image' || a.type === 'write-volumes') return true;
    return a.type === 'create' && a.network === 'sandbox' && !needsPodIP(this.spec(a.container));
  }

  /** Waits for this pass's sandbox start (its failure is the pass's, as before the overlap). */
  private async settleSandbox(): Promise<void> {
    const s = this.sandboxStart;
    if (!s) return;
    this.sandboxStart = undefined;
    await s.done;
  }

  private async perform(a: Action): Promise<void> {
    switch (a.type) {
      case 'await-drain':
        // Changes of slices and proxy reports requeue the pod at once (endpoint-drain/); this is the safety net.
        this.results.push(requeueAfter(AWAIT_DRAIN_RECHECK_MS));
        return;
      case 'begin-termination':
        this.d.memory.terminating.add(this.uid);
        this.log.info({ grace: a.graceSeconds }, 'stopping pod');
        return;
      case 'stop':
        return this.stop(a);
      case 'await-stop': {
        // Ended between the plan and now: look again at once.
        const op = this.d.memory.operations.inFlight(a.id);
        this.results.push(op ? requeueWhen(op) : requeueAfter(0));
        return;
      }
      case 'remove':
        try {
          await this.d.runtime.remove(a.id, { force: true });
        } catch (err) {
          // A deletion's removals: confirm-deletion (next) looks again and decides (see there).
          if (!this.plan.actions.some((x) => x.type === 'confirm-deletion')) throw err;
          this.log.debug({ err, container: a.id.slice(0, 12) }, 'removing a container of a deleted pod failed');
        }
        return;
      case 'pull-image':
        return this.pullImage(a.container === SANDBOX_CONTAINER ? this.sandboxContainer() : this.spec(a.container));
      case 'write-volumes':
        await this.configStep(a.container, () => this.prepare());
        return;
      case 'create':
        return this.create(a);
      case 'start':
        return this.start(a.container, a.id);
      case 'create-sandbox':
        return this.createSandbox(a);
      case 'start-sandbox': {
        const id = a.id ?? this.createdSandbox?.id;
        if (!id) return;
        const done = this.startSandbox(id);
        done.catch(() => undefined); // awaited by settleSandbox; not an unhandled rejection meanwhile
        this.sandboxStart = { id, done };
        return;
      }
      case 'back-off':
        this.event('Warning', 'BackOff', `Back-off restarting failed container ${a.container} in pod ${this.pod.metadata.name}`);
        this.results.push(requeueAfter(a.waitMs + 20));
        return;
      case 'update-status':
        return this.writeStatus();
      case 'refresh-volumes':
        return this.refreshVolumes(a.compare);
      case 'confirm-deletion':
        return this.confirmDeletion();
    }
  }

  private spec(name: string): Container {
    return this.observations.get(name)!.container;
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.d.events?.record({ ...this.pod, apiVersion: 'v1', kind: 'Pod' }, type, reason, message);
  }

  /** The container cannot go on this pass: it waits with this reason, the rest of its chain is skipped. */
  private wait(container: string, reason: string, message?: string): void {
    const waiting = message === undefined ? { reason } : { reason, message };
    const obs = this.observations.get(container);
    if (obs) obs.waiting = waiting;
    if (container === SANDBOX_CONTAINER) this.sandboxWaiting = waiting;
    this.blocked.add(container);
  }

  /** The sandbox as a container spec for the image puller (pulled like any image, kept once present). */
  private sandboxContainer(): Container {
    return { name: SANDBOX_CONTAINER, image: this.d.sandboxImage, imagePullPolicy: 'IfNotPresent' };
  }

  private stop(a: Extract<Action, { type: 'stop' }>): void {
    if (a.purpose === 'delete') this.event('Normal', 'Killing', `Stopping container ${a.container}`);
    else if (a.purpose === 'restart') this.event('Normal', 'Killing', `Container ${a.container} failed ${a.why?.replace(/ failed$/, '') ?? 'liveness probe'}, will be restarted`);
    else this.log.info({ container: a.container, why: a.why }, 'replacing container');
    const graceEndsAt = this.d.clock.now() + a.graceSeconds * 1000;
    // preStop first, inside the grace period (hook-steps.ts).
    const stop = preStopStop(this.hookContext(), a);
    const op = this.d.memory.operations.stop(this.uid, a.id, graceEndsAt, a.purpose, stop);
    this.results.push(requeueWhen(op));
  }

  /** What the hook steps need of this pass. */
  private hookContext() {
    const s = this.sandbox;
    const podIP = this.plan.hostNetwork ? this.d.hostIP?.() : (s?.ipAddress || this.pod.status?.podIP);
    return { d: this.d, pod: this.pod, uid: this.uid, podIP, log: this.log, event: (type: 'Normal' | 'Warning', reason: string, message: string) => this.event(type, reason, message) };
  }

  private async pullImage(c: Container): Promise<void> {
    const img = await this.d.puller.check(c, this.key);
    if (img.ok) return;
    const sandbox = c.name === SANDBOX_CONTAINER;
    // The pod's containers show the sandbox image's trouble as their own, named as such.
    this.wait(c.name, img.reason, sandbox ? `pod sandbox image: ${img.message ?? img.reason}` : img.message);
    if (img.retryAfterMs !== undefined) this.results.push(requeueAfter(img.retryAfterMs + 20));
    if (img.pulling) this.results.push(requeueWhen(img.pulling));
    if (img.reason === 'ContainerCreating') return;
    if (sandbox) this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${img.message ?? img.reason}`);
    else this.event('Warning', img.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', img.message ?? img.reason);
  }

  /** Runs a step whose ContainerConfigError makes the container wait (anything else fails the pass). */
  private async configStep<T>(container: string, fn: () => Promise<T> | T): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      // A volume not mountable yet (an unbound claim): the kubelet's ContainerCreating + FailedMount.
      if (err.reason === 'FailedMount' && /persistentvolume|local volume/.test(err.message)) {
        this.wait(container, 'ContainerCreating', err.message);
        this.event('Warning', 'FailedMount', `Unable to attach or mount volumes: ${err.message}`);
        // A claim is bound moments after its pod arrives: look again soon, not after 5 s.
        this.results.push(requeueAfter(CLAIM_RETRY_MS));
        return undefined;
      } else {
        this.wait(container, err.reason, err.message);
        this.event('Warning', 'Failed', `Error: ${err.message}`);
      }
      this.results.push(requeueAfter(CONFIG_RETRY_MS));
      return undefined;
    }
  }

  /** The pod's ConfigMaps/Secrets and volume directories, once per pass whatever number of containers need them. */
  private prepare(): Promise<{ src: EnvSources; vols: VolumeSources }> {
    this.prepared ??= (async () => {
      const src = await fetchSources(this.d.client, this.pod);
      return { src, vols: await this.d.volumes.prepare(this.pod, src) };
    })();
    return this.prepared;
  }

  /** Service link variables from the Services known now (service-env.ts). */
  private serviceEnv(): Map<string, string> | undefined {
    const services = this.d.services;
    return services && serviceLinkEnv(services.list(), this.pod.metadata.namespace ?? 'default', this.pod.spec.enableServiceLinks);
  }

  /** True while the pod (as this pass saw it) is still the one to run: same uid, not being deleted. */
  private stillWanted(): boolean {
    const now = this.d.pods.get(this.key);
    return !!now && now.metadata.uid === this.uid && !now.metadata.deletionTimestamp && !this.d.memory.terminating.has(this.uid);
  }

  private async create(a: Extract<Action, { type: 'create' }>): Promise<void> {
    // The pod may have been deleted while this pass ran (it read the cache at its start):
    // check again right before creating anything.
    if (!this.stillWanted()) {
      this.wait(a.container, 'ContainerCreating', 'pod is being deleted');
      this.results.push(requeueAfter(0));
      return;
    }
    let networkMode = 'host';
    let podIP = this.d.hostIP?.();
    let joined: string | undefined;
    if (a.network === 'sandbox' && this.sandboxStart) {
      // Created while the sandbox starts (overlapsSandboxStart); started once it runs.
      joined = this.sandboxStart.id;
      networkMode = `container:${joined}`;
      podIP = undefined;
    } else if (a.network === 'sandbox') {
      const s = this.sandbox;
      if (s?.state !== 'running') {
        const w = this.sandboxWaiting ?? { reason: 'ContainerCreating', message: 'waiting for the pod sandbox to run' };
        this.wait(a.container, w.reason, w.message);
        return;
      }
      joined = s.id;
      networkMode = `container:${s.id}`;
      podIP = s.ipAddress || undefined;
    }
    // Like the kubelet, no container starts before the Service cache was filled once: it
    // would miss its service link variables for good.
    if (this.d.services && !this.d.services.hasSynced()) {
      this.wait(a.container, 'ContainerCreating', 'waiting for the list of Services (service link variables)');
      this.results.push(requeueAfter(SERVICES_WAIT_MS));
      return;
    }
    const c = this.spec(a.container);
    const spec = await this.configStep(a.container, async () => {
      const { src, vols } = await this.prepare();
      const sources = { ...src, serviceEnv: this.serviceEnv() };
      // runAsNonRoot without runAsUser: the kubelet's check against the image's USER.
      const imageUser = needsImageUser(this.pod, c) ? ((await this.d.runtime.inspectImage(c.image))?.user ?? '') : undefined;
      return containerSpecFor({ pod: this.pod, container: c, attempt: a.attempt, nodeName: this.d.nodeName, sources, volumes: vols, ips: { podIP, hostIP: this.d.hostIP?.() }, networkMode, imageUser });
    });
    if (!spec) return;
    // hostNetwork pods have no sandbox to carry the pod's resolv.conf: each container gets it.
    if (a.network !== 'sandbox') {
      const dnsBind = await this.d.dns?.prepare(this.pod, this.d.podNetwork?.state(), this.d.volumes.podDir(this.uid));
      if (dnsBind) spec.binds.push(dnsBind);
    }
    try {
      this.created.set(a.container, { id: await this.createOnce(spec, a.container, a.attempt), attempt: a.attempt, joined });
    } catch (err) {
      if (isRuntimeError(err, 'notfound')) this.d.puller.forget(c.image); // image removed meanwhile
      throw err;
    }
  }

  private async createSandbox(a: Extract<Action, { type: 'create-sandbox' }>): Promise<void> {
    if (!this.stillWanted()) {
      this.wait(SANDBOX_CONTAINER, 'ContainerCreating', 'pod is being deleted');
      this.results.push(requeueAfter(0));
      return;
    }
    // Read again: the network may have changed since the plan (its onChange requeues the pod).
    const net = this.d.podNetwork?.state();
    if (net && !net.ready) {
      this.wait(SANDBOX_CONTAINER, 'NetworkNotReady', `network is not ready: ${net.reason}`);
      return;
    }
    if (a.changed) this.event('Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
    const dnsBind = await this.d.dns?.prepare(this.pod, net, this.d.volumes.podDir(this.uid));
    const spec = sandboxSpecFor({ pod: this.pod, attempt: a.attempt, nodeName: this.d.nodeName, image: this.d.sandboxImage, networkMode: net?.dockerNetwork ?? 'bridge', binds: dnsBind ? [dnsBind] : [] });
    try {
      this.createdSandbox = { id: await this.createOnce(spec, SANDBOX_CONTAINER, a.attempt), attempt: a.attempt };
    } catch (err) {
      if (isRuntimeError(err, 'notfound')) this.d.puller.forget(spec.image);
      throw err;
    }
  }

  private async startSandbox(id: string): Promise<void> {
    try {
      traceHop('agent.start', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container: SANDBOX_CONTAINER });
      await this.d.runtime.start(id);
      traceHop('agent.started', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container: SANDBOX_CONTAINER });
    } catch (err) {
      // E.g. a hostPort already taken: the sandbox stays created with State.Error and is
      // re-created with backoff; its containers wait with the message meanwhile.
      if (isRuntimeError(err, 'unavailable')) throw err;
      this.log.warn({ containerId: id, err }, 'pod sandbox failed to start');
      this.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      this.wait(SANDBOX_CONTAINER, 'ContainerCreating', `failed to start the pod sandbox: ${(err as Error).message}`);
      this.results.push(requeueAfter(0));
    }
    this.sandbox = (await this.d.runtime.inspect(id)) ?? this.sandbox;
    if (this.sandbox?.state === 'running') {
      this.log.info({ containerId: id.slice(0, 12), podIP: this.sandbox.ipAddress }, 'pod sandbox started');
      this.d.podNetwork?.sandboxStarted?.();
    }
  }

  /**
   * Create exactly one container for (pod, container, attempt): after a failed create, look
   * it up by name (and labels), because a create that timed out may have succeeded. The
   * name is deterministic, so Docker itself refuses a duplicate.
   */
  private async createOnce(spec: ContainerSpec, container: string, attempt: number): Promise<string> {
    try {
      traceHop('agent.create', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container });
      const id = await this.d.runtime.create(spec);
      traceHop('agent.created', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container });
      return id;
    } catch (err) {
      const found = await this.d.runtime.inspect(spec.name).catch(() => undefined);
      const l = found?.labels ?? {};
      if (found && l[LABEL_NODE] === this.d.nodeName && l[LABEL_POD_UID] === this.uid && l[LABEL_CONTAINER] === container && l[LABEL_ATTEMPT] === String(attempt)) return found.id;
      throw err;
    }
  }

  private async start(container: string, existing?: string): Promise<void> {
    const made = existing === undefined ? this.created.get(container) : undefined;
    const id = existing ?? made?.id;
    if (!id) return;
    const s = this.sandbox;
    if (made?.joined !== undefined && (s?.id !== made.joined || s.state !== 'running')) {
      // Created while its sandbox started, and that start failed: it could never start in
      // that namespace. Removed (never started, nothing of it to keep); the next sandbox gets
      // a new one.
      await this.d.runtime.remove(made.id, { force: true });
      this.created.delete(container);
      const w = this.sandboxWaiting ?? { reason: 'ContainerCreating', message: 'waiting for the pod sandbox to run' };
      this.wait(container, w.reason, w.message);
      return;
    }
    if (existing !== undefined && this.sandboxWaiting) {
      // Joined to the sandbox whose start failed in this pass: it waits with it.
      this.wait(container, this.sandboxWaiting.reason, this.sandboxWaiting.message);
      return;
    }
    try {
      traceHop('agent.start', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container });
      await this.d.runtime.start(id);
      traceHop('agent.started', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, container });
    } catch (err) {
      // A start failure (command not found, bad mount) leaves the container with State.Error:
      // it is reported as terminated with StartError and restarted with backoff.
      if (isRuntimeError(err, 'unavailable')) throw err;
      this.log.warn({ containerId: id, err }, 'container failed to start');
    }
    const obs = this.observations.get(container)!;
    const info = (await this.d.runtime.inspect(id)) ?? obs.current;
    if (made) {
      // The attempt it replaces (if it ran and ended) is now the previous one.
      if (obs.current && isFinished(obs.current)) obs.previous = obs.current;
      obs.restartCount = made.attempt;
      obs.waiting = undefined;
      this.log.info({ container, attempt: made.attempt, containerId: id.slice(0, 12) }, 'container started');
      this.event('Normal', 'Started', `Started container ${container}`);
    }
    obs.current = info;
    if (info?.state !== 'running') return;
    // postStart in flight: not started until it ended (its end requeues the pod).
    const hook = postStartThenMaybeStop(this.hookContext(), obs.container, id);
    if (hook) {
      obs.waiting = { reason: 'ContainerCreating' };
      this.results.push(requeueWhen(hook));
    } else if (isSidecar(obs.container) && this.plan.initContainers?.includes(obs)) this.results.push(requeueAfter(0)); // the next init container may go
  }

  private async writeStatus(): Promise<void> {
    const observations = this.plan.containers;
    const hostIP = this.d.hostIP?.();
    const s = this.sandbox;
    const podIPs = this.plan.hostNetwork ? (hostIP ? [hostIP] : []) : s?.state === 'running' ? (s.ipAddresses ?? (s.ipAddress ? [s.ipAddress] : [])) : [];
    const initObservations = this.plan.initContainers;
    const compute = (pod: Pod) =>
      computePodStatus({ pod, observations, initObservations, hostIP, podIPs, now: nowIso(this.d.clock), routed: this.d.routing?.(pod), probes: this.plan.probes });
    // A pass may write twice (an init container's failure, then its restart): build on the first write.
    const base = this.written ?? this.pod;
    const status = compute(base);
    if (deepEqual(status, base.status)) return;
    const pods = this.d.client.pods;
    traceHop('agent.status', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, phase: status.phase });
    try {
      this.written = await pods.updateStatus({ ...base, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      // The cache lags behind our own last write: recompute on the fresh object once.
      const fresh = await pods.get(this.pod.metadata.name!, this.pod.metadata.namespace);
      if (fresh.metadata.uid !== this.uid || fresh.metadata.deletionTimestamp) return;
      const again = compute(fresh);
      if (deepEqual(again, fresh.status)) return;
      this.written = await pods.updateStatus({ ...fresh, status: again });
    }
    traceHop('agent.status-written', { ns: this.pod.metadata.namespace, name: this.pod.metadata.name, phase: status.phase });
    this.d.onStatusWritten?.(this.key);
  }

  /**
   * ConfigMap/Secret volume files follow later changes of their objects, within about the
   * refresh period plus one resync. Only pods with such volumes pay the API reads.
   */
  private async refreshVolumes(compare: boolean): Promise<void> {
    this.d.memory.volumesCheckedAt.set(this.uid, this.d.clock.now());
    if (!compare) return;
    try {
      const changed = await this.d.volumes.refreshProjected(this.pod, await fetchSources(this.d.client, this.pod));
      if (changed > 0) this.log.info({ files: changed }, 'updated projected configMap/secret files');
    } catch (err) {
      // Containers are fine as they are; the next period tries again.
      this.log.warn({ err }, 'refreshing configMap/secret files failed');
    }
  }

  /**
   * Confirm once Docker shows nothing of the pod, then delete it for good (grace 0, uid
   * precondition). A container that is stopped but that Docker cannot remove (seen after
   * an engine restart: "failed to remove root filesystem ... device or resource busy",
   * its layer still mounted in another mount namespace) does not hold the pod forever:
   * like the kubelet, which confirms a deletion once the containers no longer run and
   * removes dead containers by garbage collection, the deletion is confirmed and the
   * orphan sweep retries the removal.
   */
  private async confirmDeletion(): Promise<void> {
    const filter = { [LABEL_NODE]: this.d.nodeName, [LABEL_POD_UID]: this.uid };
    const left = await this.d.runtime.listContainers(filter);
    if (left.length > 0) {
      // Left by a failed removal, or created meanwhile: remove (app containers first, then
      // the sandbox: removing it forcibly stops it) and confirm when nothing runs any more.
      const sandboxes = left.filter((c) => c.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER);
      const removeAll = (list: ContainerInfo[]) => Promise.allSettled(list.map((c) => this.d.runtime.remove(c.id, { force: true })));
      const failed = [...(await removeAll(left.filter((c) => !sandboxes.includes(c)))), ...(await removeAll(sandboxes))]
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      const stuck = await this.d.runtime.listContainers(filter);
      if (failed.length === 0 && stuck.length > 0) {
        // Created meanwhile again: look once more on a later pass.
        this.results.push({ requeue: true });
        return;
      }
      if (stuck.some((c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused')) throw failed[0]?.reason ?? new Error('containers still running');
      if (stuck.length > 0) this.log.warn({ err: failed[0]?.reason, containers: stuck.map((c) => c.id.slice(0, 12)) }, 'containers stopped but not removable; confirming the deletion, the orphan sweep removes them later');
    }
    await this.d.volumes.cleanup(this.uid);
    this.d.memory.forget(this.uid);
    try {
      await this.d.client.pods.delete(this.pod.metadata.name!, this.pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: this.uid } });
    } catch (err) {
      // Already gone, or a new pod of the same name (uid precondition failed): nothing to confirm.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    this.log.info('pod deleted');
  }
}

/** Whether the container's environment carries the pod IP (downward API status.podIP). */
function needsPodIP(c: Container): boolean {
  return (c.env ?? []).some((e) => e.valueFrom?.fieldRef?.fieldPath === 'status.podIP');
}
