// reconcile(podKey): make Docker match one pod bound to this node. Level-triggered and
// stateless: what runs is read from Docker (by label) on every call, never remembered,
// so a restarted agent adopts its containers. Only backoff timers live in memory.

import { deepEqual } from '../api/meta.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { ConfigMap, Container, Pod, Secret } from '../api/types.js';
import { nowIso, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { ImagePuller } from './image-puller.js';
import { LABEL_ATTEMPT, LABEL_CONTAINER, LABEL_HASH, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_UID, attemptOf } from './labels.js';
import {
  ContainerConfigError,
  binds,
  buildContainerSpec,
  containerHash,
  referencedObjects,
  resolveEnv,
  type EnvSources,
  type VolumeSources,
} from './pod-to-container.js';
import { computePodStatus, type ContainerObservation } from './pod-status.js';
import type { PodVolumes } from './pod-volumes.js';
import { RestartBackoff } from './restart-backoff.js';
import { isRuntimeError, type ContainerInfo, type ContainerRuntime } from './runtime/types.js';

/** The informer cache of pods bound to this node, keyed "namespace/name". */
export interface PodStore {
  get(key: string): Pod | undefined;
  list(): Pod[];
  hasSynced(): boolean;
}

export interface PodSyncOptions {
  nodeName: string;
  runtime: ContainerRuntime;
  client: Client;
  pods: PodStore;
  volumes: PodVolumes;
  /** Schedule another reconcile of a key (work queue addAfter). */
  enqueueAfter(key: string, ms: number): void;
  clock: Clock;
  logger: Logger;
  hostIP?: () => string | undefined;
  backoff?: RestartBackoff;
  pullTimeoutMs?: number;
  /** Kubernetes-style Events about pods (client/event-recorder.ts); optional. */
  events?: { record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void };
  /** Period of the configMap/secret volume refresh (default PROJECTED_REFRESH_MS). */
  projectedRefreshMs?: number;
  /** Called after a reconcile wrote a status (tests and metrics). */
  onStatusWritten?: (key: string) => void;
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

/** Created but never started because start failed (bad command, bad mount): treat as exited. */
function isFinished(c: ContainerInfo): boolean {
  return c.state === 'exited' || c.state === 'dead' || (c.state === 'created' && !!c.error);
}

function ms(t: string | undefined): number | undefined {
  return t ? Date.parse(t) : undefined;
}

export class PodSync {
  readonly backoff: RestartBackoff;
  readonly puller: ImagePuller;
  private readonly log: Logger;

  constructor(private readonly o: PodSyncOptions) {
    this.backoff = o.backoff ?? new RestartBackoff();
    this.log = o.logger;
    this.puller = new ImagePuller(o.runtime, o.clock, (k) => o.enqueueAfter(k, 0), o.pullTimeoutMs);
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.o.events?.record({ ...pod, apiVersion: 'v1', kind: 'Pod' }, type, reason, message);
  }

  async reconcile(key: string): Promise<void> {
    const pod = this.o.pods.get(key);
    if (!pod || pod.spec.nodeName !== this.o.nodeName) {
      const [ns, name] = splitKey(key);
      await this.removeUnknown({ [LABEL_NODE]: this.o.nodeName, [LABEL_NAMESPACE]: ns, [LABEL_POD]: name });
      return;
    }
    const uid = pod.metadata.uid ?? '';
    const containers = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName, [LABEL_POD_UID]: uid });
    // A uid whose termination began stays terminated even if the cache shows an older,
    // not-yet-deleting version of the pod: never a new container for it.
    if (pod.metadata.deletionTimestamp || this.terminating.has(uid)) {
      await this.terminate(pod, containers);
      return;
    }
    const observations = await this.syncContainers(pod, key, containers);
    await this.writeStatus(pod, key, observations);
    await this.refreshProjectedVolumes(pod);
  }

  /** uid → when its configMap/secret files were last compared with the API. */
  private readonly projectedCheckedAt = new Map<string, number>();

  /**
   * ConfigMap/Secret volume files follow later changes of their objects, within about
   * PROJECTED_REFRESH_MS plus one resync (the periodic resync brings every pod here). Only
   * pods with such volumes pay the API reads.
   */
  private async refreshProjectedVolumes(pod: Pod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    if (!(pod.spec.volumes ?? []).some((v) => v.configMap || v.secret)) return;
    const now = this.o.clock.now();
    const last = this.projectedCheckedAt.get(uid);
    if (last === undefined) {
      // Files were just written by the create (or adopted): start the period now.
      this.projectedCheckedAt.set(uid, now);
      return;
    }
    if (now - last < (this.o.projectedRefreshMs ?? PROJECTED_REFRESH_MS)) return;
    this.projectedCheckedAt.set(uid, now);
    try {
      const changed = await this.o.volumes.refreshProjected(pod, await this.fetchSources(pod));
      if (changed > 0) this.log.info({ pod: podKey(pod), files: changed }, 'updated projected configMap/secret files');
    } catch (err) {
      // Containers are fine as they are; the next period tries again.
      this.log.warn({ pod: podKey(pod), err: (err as Error).message }, 'refreshing configMap/secret files failed');
    }
  }

  /** Pod gone from the cache (or rebound elsewhere): remove its containers here. Only after sync. */
  private async removeUnknown(labels: Record<string, string>): Promise<void> {
    if (!this.o.pods.hasSynced()) return;
    const known = new Set(this.o.pods.list().filter((p) => p.spec.nodeName === this.o.nodeName).map((p) => p.metadata.uid));
    const found = await this.o.runtime.listContainers(labels);
    const uids = new Set<string>();
    for (const c of found) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid || known.has(uid) || c.labels[LABEL_NODE] !== this.o.nodeName) continue;
      this.log.info({ container: c.name, podUid: uid }, 'removing container of a pod that no longer exists on this node');
      await this.o.runtime.remove(c.id, { force: true });
      uids.add(uid);
    }
    for (const uid of uids) {
      await this.o.volumes.cleanup(uid);
      this.backoff.forgetPrefix(`${uid}/`);
      this.podIPs.delete(uid);
      this.projectedCheckedAt.delete(uid);
    }
  }

  /** Orphan sweep (periodic): every container of this node whose pod is not in the cache. */
  async sweepOrphans(): Promise<void> {
    await this.removeUnknown({ [LABEL_NODE]: this.o.nodeName });
    if (!this.o.pods.hasSynced()) return;
    const known = new Set(this.o.pods.list().map((p) => p.metadata.uid));
    for (const uid of this.terminating) if (!known.has(uid)) this.terminating.delete(uid);
    for (const uid of this.projectedCheckedAt.keys()) if (!known.has(uid)) this.projectedCheckedAt.delete(uid);
    for (const uid of await this.o.volumes.knownPodUids()) {
      if (known.has(uid)) continue;
      // Another agent on this engine may share the root dir only if misconfigured; check containers first.
      const left = await this.o.runtime.listContainers({ [LABEL_POD_UID]: uid });
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
    for (const c of await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName })) {
      const uid = c.labels[LABEL_POD_UID];
      if (!uid || known.has(uid) || c.labels[LABEL_NODE] !== this.o.nodeName) continue;
      this.log.info({ container: c.name, podUid: uid }, 'removing container of a deleted pod before stopping');
      await this.o.runtime.remove(c.id, { force: true });
    }
  }

  /** True while `pod` (as this reconcile saw it) is still the pod to run: same uid, not being deleted. */
  private stillWanted(key: string, uid: string): boolean {
    const now = this.o.pods.get(key);
    return !!now && now.metadata.uid === uid && !now.metadata.deletionTimestamp && !this.terminating.has(uid);
  }

  /** Uids whose termination started (bounded: pruned by the orphan sweep once the pod is gone). */
  private readonly terminating = new Set<string>();

  /** Graceful deletion: stop (SIGTERM, SIGKILL after the grace period), remove, then confirm to the API. */
  private async terminate(pod: Pod, first: ContainerInfo[]): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    this.terminating.add(uid);
    let containers = first;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    const log = this.log.child({ pod: podKey(pod) });
    log.info({ grace, containers: containers.length }, 'stopping pod');
    for (const c of containers.filter((x) => x.state === 'running')) this.event(pod, 'Normal', 'Killing', `Stopping container ${c.labels[LABEL_CONTAINER]}`);
    await Promise.all(containers.filter((c) => c.state === 'running').map((c) => this.o.runtime.stop(c.id, grace)));
    await Promise.all(containers.map((c) => this.o.runtime.remove(c.id, { force: true })));
    // Confirm only once Docker shows nothing of this pod: a container created meanwhile
    // (a create in flight elsewhere) would otherwise outlive its pod.
    for (let pass = 0; ; pass++) {
      containers = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName, [LABEL_POD_UID]: uid });
      if (containers.length === 0) break;
      if (pass >= 5) throw new Error(`containers of pod ${podKey(pod)} keep reappearing; not confirming the deletion yet`);
      await Promise.all(containers.map((c) => this.o.runtime.remove(c.id, { force: true })));
    }
    await this.o.volumes.cleanup(uid);
    this.backoff.forgetPrefix(`${uid}/`);
    this.podIPs.delete(uid);
    this.projectedCheckedAt.delete(uid);
    try {
      await this.o.client.pods.delete(pod.metadata.name!, pod.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      // Already gone, or a new pod of the same name (uid precondition failed): nothing to confirm.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    log.info('pod deleted');
  }

  private async fetchSources(pod: Pod): Promise<EnvSources> {
    const ns = pod.metadata.namespace ?? 'default';
    const refs = referencedObjects(pod);
    const src: EnvSources = { configMaps: new Map(), secrets: new Map() };
    const get = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    await Promise.all([
      ...refs.configMaps.map(async (n) => src.configMaps.set(n, await get<ConfigMap>(() => this.o.client.configmaps.get(n, ns)))),
      ...refs.secrets.map(async (n) => src.secrets.set(n, await get<Secret>(() => this.o.client.secrets.get(n, ns)))),
    ]);
    return src;
  }

  private async syncContainers(pod: Pod, key: string, all: ContainerInfo[]): Promise<ContainerObservation[]> {
    const uid = pod.metadata.uid ?? '';
    const policy = pod.spec.restartPolicy ?? 'Always';
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const byName = new Map<string, ContainerInfo[]>();
    for (const c of all) {
      const n = c.labels[LABEL_CONTAINER] ?? '';
      (byName.get(n) ?? byName.set(n, []).get(n)!).push(c);
    }
    for (const list of byName.values()) list.sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));

    // Resolved lazily: only a reconcile that creates a container reads ConfigMaps/Secrets.
    let prepared: { src: EnvSources; vols: VolumeSources } | undefined;
    const prepare = async () => {
      if (!prepared) {
        const src = await this.fetchSources(pod);
        prepared = { src, vols: await this.o.volumes.prepare(pod, src) };
      }
      return prepared;
    };

    const observations: ContainerObservation[] = [];
    let ownerId: string | undefined;
    let ownerIP: string | undefined;
    for (const [i, c] of pod.spec.containers.entries()) {
      const attempts = byName.get(c.name) ?? [];
      let cur: ContainerInfo | undefined = attempts[0];
      const prev = attempts.find((a) => a !== cur && isFinished(a));
      const obs: ContainerObservation = { container: c, current: cur, previous: prev, restartCount: cur ? Math.max(0, attemptOf(cur.labels)) : 0 };
      let createNew = false;
      if (terminal) {
        // A finished pod is never restarted.
      } else if (!cur) {
        createNew = true;
      } else if (cur.state === 'created' && !cur.error) {
        await this.startContainer(cur.id);
        obs.current = cur = (await this.o.runtime.inspect(cur.id)) ?? cur;
      } else if (cur.state === 'running') {
        const stale = cur.labels[LABEL_HASH] !== containerHash(c);
        const lostNetwork = i > 0 && ownerId !== undefined && cur.networkMode !== `container:${ownerId}`;
        if (stale || lostNetwork) {
          this.log.info({ pod: key, container: c.name, stale, lostNetwork }, 'replacing container');
          await this.o.runtime.stop(cur.id, pod.spec.terminationGracePeriodSeconds ?? 30);
          cur = (await this.o.runtime.inspect(cur.id)) ?? cur;
          obs.current = cur;
          createNew = true;
        }
      } else if (isFinished(cur)) {
        const restart = policy === 'Always' || (policy === 'OnFailure' && (cur.exitCode !== 0 || !!cur.error));
        if (restart) {
          const exitAt = ms(cur.finishedAt) ?? ms(cur.createdAt) ?? 0;
          const ranFor = exitAt - (ms(cur.startedAt) ?? exitAt);
          const wait = this.backoff.remaining(`${uid}/${c.name}`, cur.id, exitAt, ranFor, this.o.clock.now());
          if (wait > 0) {
            obs.waiting = {
              reason: 'CrashLoopBackOff',
              message: `back-off ${Math.ceil(this.backoff.delayFor(`${uid}/${c.name}`, cur.id, ranFor) / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${uid})`,
            };
            this.o.enqueueAfter(key, wait + 20);
            this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}`);
          } else createNew = true;
        }
      }

      if (createNew) await this.createNext(pod, key, c, i, cur, prev, ownerId, ownerIP, obs, prepare);
      if (i === 0) {
        ownerId = obs.current?.state === 'running' ? obs.current.id : undefined;
        ownerIP = ownerId ? obs.current?.ipAddress || undefined : undefined;
      }
      observations.push(obs);
    }
    this.podIPs.set(uid, ownerIP);

    // Keep, per container, the current attempt and the last finished one (for `logs --previous`
    // and lastState); everything else of this pod goes, including containers no longer in the spec.
    const keep = new Set<string>();
    for (const o of observations) {
      if (o.current) keep.add(o.current.id);
      if (o.previous) keep.add(o.previous.id);
    }
    for (const c of all) {
      if (!keep.has(c.id)) await this.o.runtime.remove(c.id, { force: true });
    }
    return observations;
  }

  private readonly podIPs = new Map<string, string | undefined>();

  private async startContainer(id: string): Promise<void> {
    try {
      await this.o.runtime.start(id);
    } catch (err) {
      // A start failure (command not found, bad mount) leaves the container with State.Error:
      // it is reported as terminated with StartError and restarted with backoff.
      if (isRuntimeError(err, 'unavailable')) throw err;
      this.log.warn({ containerId: id, err: (err as Error).message }, 'container failed to start');
    }
  }

  private async createNext(
    pod: Pod,
    key: string,
    c: Container,
    index: number,
    cur: ContainerInfo | undefined,
    prev: ContainerInfo | undefined,
    ownerId: string | undefined,
    ownerIP: string | undefined,
    obs: ContainerObservation,
    prepare: () => Promise<{ src: EnvSources; vols: VolumeSources }>,
  ): Promise<void> {
    const img = await this.puller.check(c, key);
    if (!img.ok) {
      obs.waiting = { reason: img.reason, message: img.message };
      if (img.retryAfterMs !== undefined) this.o.enqueueAfter(key, img.retryAfterMs + 20);
      if (img.reason !== 'ContainerCreating') this.event(pod, 'Warning', img.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', img.message ?? img.reason);
      return;
    }
    // The pod may have been deleted while this reconcile ran (it read the cache at its
    // start): check again right before creating anything.
    if (!this.stillWanted(key, pod.metadata.uid ?? '')) {
      obs.waiting = { reason: 'ContainerCreating', message: 'pod is being deleted' };
      this.o.enqueueAfter(key, 0);
      return;
    }
    if (index > 0 && !ownerId) {
      obs.waiting = { reason: 'ContainerCreating', message: `waiting for container "${pod.spec.containers[0]!.name}", which holds the pod's network, to run` };
      return;
    }
    const attempt = cur ? Math.max(0, attemptOf(cur.labels)) + 1 : 0;
    let spec;
    try {
      const { src, vols } = await prepare();
      // The first container creates the pod's network, so its own IP is not known yet.
      const ips = { podIP: index === 0 ? undefined : ownerIP, hostIP: this.o.hostIP?.() };
      spec = buildContainerSpec({
        pod,
        container: c,
        attempt,
        nodeName: this.o.nodeName,
        env: resolveEnv(pod, c, src, ips),
        binds: binds(pod, c, vols),
        networkMode: index === 0 ? 'bridge' : `container:${ownerId}`,
      });
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      obs.waiting = { reason: err.reason, message: err.message };
      this.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
      // Config may be fixed by creating the missing ConfigMap/Secret: look again later.
      this.o.enqueueAfter(key, 5000);
      return;
    }
    let id: string;
    try {
      id = await this.createOnce(spec, pod, c.name, attempt);
    } catch (err) {
      if (isRuntimeError(err, 'notfound')) this.puller.forget(c.image); // image removed meanwhile
      throw err;
    }
    await this.startContainer(id);
    const info = await this.o.runtime.inspect(id);
    obs.current = info;
    obs.restartCount = attempt;
    obs.previous = cur && isFinished(cur) ? cur : prev;
    this.log.info({ pod: key, container: c.name, attempt, containerId: id.slice(0, 12) }, 'container started');
    this.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
  }

  /**
   * Create exactly one container for (pod, container, attempt): after a failed create, look
   * it up by name (and labels), because a create that timed out may have succeeded.
   */
  private async createOnce(spec: Parameters<ContainerRuntime['create']>[0], pod: Pod, container: string, attempt: number): Promise<string> {
    // The name is deterministic, so one inspect by name finds an earlier create; the labels
    // confirm it is ours (same node, pod uid, container and attempt).
    const lookup = async () => {
      const c = await this.o.runtime.inspect(spec.name);
      const l = c?.labels ?? {};
      const ours =
        l[LABEL_NODE] === this.o.nodeName && l[LABEL_POD_UID] === (pod.metadata.uid ?? '') && l[LABEL_CONTAINER] === container && l[LABEL_ATTEMPT] === String(attempt);
      return c && ours ? c.id : undefined;
    };
    // The list this reconcile started from showed no such attempt, so create right away;
    // the deterministic name makes Docker refuse a duplicate, and any failure is followed by
    // the lookup before the error is passed on.
    try {
      return await this.o.runtime.create(spec);
    } catch (err) {
      const found = await lookup().catch(() => undefined);
      if (found) return found;
      throw err;
    }
  }

  private async writeStatus(pod: Pod, key: string, observations: ContainerObservation[]): Promise<void> {
    const status = computePodStatus({
      pod,
      observations,
      hostIP: this.o.hostIP?.(),
      podIP: this.podIPs.get(pod.metadata.uid ?? ''),
      now: nowIso(this.o.clock),
    });
    if (deepEqual(status, pod.status)) return;
    try {
      await this.o.client.pods.updateStatus({ ...pod, status });
    } catch (err) {
      if (!isConflict(err)) throw err;
      // The cache lags behind our own last write: recompute on the fresh object once.
      const fresh = await this.o.client.pods.get(pod.metadata.name!, pod.metadata.namespace);
      if (fresh.metadata.uid !== pod.metadata.uid || fresh.metadata.deletionTimestamp) return;
      const again = computePodStatus({ pod: fresh, observations, hostIP: this.o.hostIP?.(), podIP: this.podIPs.get(pod.metadata.uid ?? ''), now: nowIso(this.o.clock) });
      if (deepEqual(again, fresh.status)) return;
      await this.o.client.pods.updateStatus({ ...fresh, status: again });
    }
    this.o.onStatusWritten?.(key);
  }
}
