// reconcile(podKey): make Docker match one pod bound to this node, and say when to look
// again. Level-triggered: what runs is read from Docker (by label) on every call, so a
// restarted agent adopts its containers; what the agent remembers between calls is in
// pod-memory.ts. One pass = gather the facts → planPod (pod-plan.ts, pure) → PodExecution
// (pod-executor.ts). Nothing waits inside the worker: stops with a grace period and image
// pulls run in flight and requeue the pod when they end (client/reconcile-loop.ts).

import type { Pod } from '../api/types.js';
import { done, mergeResults, requeueAfter, type Result } from '../client/reconcile-loop.js';
import type { Client } from '../client/types.js';
import type { Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import { ImagePuller } from './image-puller.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_UID, SANDBOX_CONTAINER } from './labels.js';
import type { PodNetworkView } from './network/pod-network-state.js';
import { PodExecution, type PodEvents, type PodExecutorDeps, type PodStore, type ServiceStore } from './pod-executor.js';
import type { PodDns } from './pod-dns.js';
import type { EndpointDrain } from './endpoint-drain/endpoint-drain.js';
import { PodMemory } from './pod-memory.js';
import { planPod, type PodFacts } from './pod-plan.js';
import type { PodVolumes } from './pod-volumes.js';
import type { ProbeManager } from './probes/probe-manager.js';
import { hasProbes } from './probes/probe-settings.js';
import type { RestartBackoff } from './restart-backoff.js';
import type { ContainerInfo, ContainerRuntime } from './runtime/types.js';

export type { PodStore } from './pod-executor.js';

export interface PodSyncOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  client: Client;
  pods: PodStore;
  volumes: PodVolumes;
  clock: Clock;
  logger: Logger;
  hostIP?: () => string | undefined;
  /** Image of the pod sandboxes (default DEFAULT_SANDBOX_IMAGE). */
  sandboxImage?: string;
  /** The node's pod network; undefined: sandboxes on Docker's default bridge. */
  podNetwork?: PodNetworkView;
  /** Pods' resolv.conf (agent/pod-dns.ts); undefined: Docker's default. */
  dns?: PodDns;
  backoff?: RestartBackoff;
  pullTimeoutMs?: number;
  /** Kubernetes-style Events about pods (client/event-recorder.ts); optional. */
  events?: PodEvents;
  /** Period of the configMap/secret volume refresh (default PROJECTED_REFRESH_MS). */
  projectedRefreshMs?: number;
  /** Every pod is looked at again about this often (a safety net beside Docker events); 0: never. */
  resyncMs?: number;
  /** [0, 1); spreads the resyncs of pods over ±25 % of the period (injected for tests). */
  random?: () => number;
  /** Called after a reconcile wrote a status (tests and metrics). */
  onStatusWritten?: (key: string) => void;
  /** The Service cache for service link variables; undefined: none. */
  services?: ServiceStore;
  /** The termination protocol's gates (endpoint-drain/); undefined: none. */
  drain?: EndpointDrain;
  /** The prober (agent/probes); undefined: no probes run and running containers are ready. */
  probes?: ProbeManager;
}

/** --pod-infra-container-image's default, the kubelet's (pulled like any image). */
export const DEFAULT_SANDBOX_IMAGE = 'registry.k8s.io/pause:3.10';

/** Sandboxes last: app containers keep their network until they are gone. */
function sandboxLast(cs: ContainerInfo[]): ContainerInfo[] {
  const isSandbox = (c: ContainerInfo) => c.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER;
  return [...cs.filter((c) => !isSandbox(c)), ...cs.filter(isSandbox)];
}

/** How often a pod's configMap/secret volume files are compared with the API. */
export const PROJECTED_REFRESH_MS = 30_000;

export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

export class PodSync {
  readonly memory: PodMemory;
  readonly puller: ImagePuller;
  private readonly exec: PodExecutorDeps;
  private readonly log: Logger;

  constructor(private readonly o: PodSyncOptions) {
    this.memory = new PodMemory(o.backoff);
    this.log = o.logger;
    this.puller = new ImagePuller(o.runtime, o.clock, o.pullTimeoutMs);
    const { nodeName, runtime, client, pods, volumes, clock, logger, hostIP, events, onStatusWritten, podNetwork, services, dns } = o;
    const sandboxImage = o.sandboxImage ?? DEFAULT_SANDBOX_IMAGE;
    const routing = o.drain && ((p: Pod) => o.drain!.routedFact(p));
    this.exec = { nodeName, runtime, client, pods, volumes, clock, logger, hostIP, events, onStatusWritten, sandboxImage, podNetwork, services, dns, routing, puller: this.puller, memory: this.memory };
  }

  async reconcile(key: string): Promise<Result> {
    const pod = this.o.pods.get(key);
    if (!pod || pod.spec.nodeName !== this.o.nodeName) {
      const [ns, name] = splitKey(key);
      await this.removeUnknown({ [LABEL_NODE]: this.o.nodeName, [LABEL_NAMESPACE]: ns, [LABEL_POD]: name });
      return done;
    }
    const uid = pod.metadata.uid ?? '';
    const containers = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName, [LABEL_POD_UID]: uid });
    const probes = this.o.probes;
    const active = !pod.metadata.deletionTimestamp && !this.memory.terminating.has(uid) && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
    probes?.update(key, pod, containers, active);
    const plan = planPod(this.facts(pod, containers));
    const result = await new PodExecution(this.exec, pod, key, plan).run();
    // A container with probes started in this pass gets its probe workers on the next one, at once.
    const probedStart = probes && plan.actions.some((a) => a.type === 'start' && [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].some((c) => c.name === a.container && hasProbes(c)));
    return mergeResults(result, this.o.drain?.recheck(pod) ?? done, this.resync(), probedStart ? requeueAfter(0) : done);
  }

  private facts(pod: Pod, containers: ContainerInfo[]): PodFacts {
    const uid = pod.metadata.uid ?? '';
    const m = this.memory;
    return {
      pod,
      containers,
      now: this.o.clock.now(),
      terminating: m.terminating.has(uid),
      stopping: m.operations.stoppingOf(uid),
      replaced: m.operations.replacedOf(uid, containers.map((c) => c.id)),
      restartDelayMs: (container, exitedId, ranForMs) => m.backoff.delayFor(`${uid}/${container}`, exitedId, ranForMs),
      volumesCheckedAt: m.volumesCheckedAt.get(uid),
      volumesRefreshMs: this.o.projectedRefreshMs ?? PROJECTED_REFRESH_MS,
      network: this.o.podNetwork?.state(),
      drain: (pod.metadata.deletionTimestamp || m.terminating.has(uid)) && containers.some((c) => c.state === 'running' && c.labels[LABEL_CONTAINER] !== SANDBOX_CONTAINER) ? this.o.drain?.drainFact(pod) : undefined,
      postStartRunning: (id) => m.hooks.postStartRunning(id),
      probes: this.o.probes,
    };
  }

  /** The periodic look at a pod that nothing else brings back (spread so pods do not come all at once). */
  private resync(): Result {
    const period = this.o.resyncMs ?? 0;
    if (period <= 0) return done;
    return requeueAfter(Math.round(period * (0.75 + (this.o.random ?? Math.random)() * 0.5)));
  }

  /** Pod gone from the cache (or rebound elsewhere): remove its containers here. Only after sync. */
  private async removeUnknown(labels: Record<string, string>): Promise<void> {
    if (!this.o.pods.hasSynced()) return;
    const known = new Set(this.o.pods.list().filter((p) => p.spec.nodeName === this.o.nodeName).map((p) => p.metadata.uid));
    this.o.probes?.prune(known);
    // Labels and ids are all a sweep needs: no inspect of every container of the node each resync.
    const found = await this.o.runtime.listContainers(labels, { details: false });
    const uids = new Set<string>();
    for (const c of sandboxLast(found)) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid || known.has(uid) || c.labels[LABEL_NODE] !== this.o.nodeName) continue;
      this.log.info({ container: c.name, podUid: uid }, 'removing container of a pod that no longer exists on this node');
      try {
        await this.o.runtime.remove(c.id, { force: true });
      } catch (err) {
        // One container Docker cannot remove (a busy layer) must not stop the sweep of the others.
        this.log.warn({ err, container: c.name, podUid: uid }, 'removing the container failed; the next sweep tries again');
        continue;
      }
      uids.add(uid);
    }
    for (const uid of uids) {
      await this.o.volumes.cleanup(uid);
      this.memory.forget(uid);
    }
  }

  /** Orphan sweep (periodic): every container of this node whose pod is not in the cache. */
  async sweepOrphans(): Promise<void> {
    await this.removeUnknown({ [LABEL_NODE]: this.o.nodeName });
    if (!this.o.pods.hasSynced()) return;
    const known = new Set(this.o.pods.list().map((p) => p.metadata.uid));
    this.memory.prune(known);
    this.o.drain?.prune(this.o.pods.list());
    this.o.probes?.prune(known);
    for (const uid of await this.o.volumes.knownPodUids()) {
      if (known.has(uid)) continue;
      // Another agent on this engine may share the root dir only if misconfigured; check containers first.
      const left = await this.o.runtime.listContainers({ [LABEL_POD_UID]: uid }, { details: false });
      if (left.length === 0) await this.o.volumes.cleanup(uid);
    }
  }

  /**
   * Final sweep when the agent stops: containers of this node whose pod no longer exists
   * in the API (a fresh list, not the cache, which may lag behind deletions that were
   * confirmed a moment ago). Running pods are left alone. Skipped when the API does not
   * answer: without a fresh list nothing is removed.
   */
  async sweepAgainstApi(): Promise<void> {
    const list = await this.o.client.pods.list({ fieldSelector: `spec.nodeName=${this.o.nodeName}` });
    const known = new Set(list.items.map((p) => p.metadata.uid));
    for (const c of sandboxLast(await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName }))) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid || known.has(uid) || c.labels[LABEL_NODE] !== this.o.nodeName) continue;
      this.log.info({ container: c.name, podUid: uid }, 'removing container of a deleted pod before stopping');
      await this.o.runtime.remove(c.id, { force: true });
    }
  }
}
