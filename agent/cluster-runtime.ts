// A ContainerRuntime seen through one cluster's eyes. Two orch clusters may share a Docker
// engine with the same node name (two `orch up` on one host, both naming the node after the
// hostname); labels by node alone would let each agent remove the other's containers as
// orphans. Every container gets `orch.io/cluster=<uid of kube-system>` and this wrapper
// hides containers of other clusters from everything above it (pod sync, sweeps, logs,
// events), so no code path can touch them by mistake.
//
// Upgrade path: containers made before the cluster label existed (no label) are treated as
// this cluster's and adopted. If two pre-label clusters shared an engine and node name,
// one of them may still remove the other's unlabelled containers once; every container
// created afterwards is labelled and safe.

import type { Readable } from 'node:stream';
import { LABEL_CLUSTER } from './labels.js';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type EventSubscription,
  type ExecOptions,
  type ExecResult,
  type ImageInfo,
  type ListOptions,
  type LogOptions,
  type NetworkInfo,
  type NetworkSpec,
  type RuntimeEvent,
  type RuntimeInfo,
  type StreamOptions,
  type StreamSession,
} from './runtime/types.js';

export class ClusterScopedRuntime implements ContainerRuntime {
  /** Unknown until the agent has read it from the API: until then no container is visible or created. */
  clusterId: string | undefined;

  constructor(
    readonly inner: ContainerRuntime,
    clusterId?: string,
  ) {
    this.clusterId = clusterId;
  }

  /** Ours: labelled for this cluster, or carrying no cluster label at all (pre-label containers). */
  owns(labels: Record<string, string>): boolean {
    if (this.clusterId === undefined) return false;
    const l = labels[LABEL_CLUSTER];
    return l === undefined || l === this.clusterId;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  info(): Promise<RuntimeInfo> {
    return this.inner.info();
  }

  async listContainers(labels: Record<string, string>, opts?: ListOptions): Promise<ContainerInfo[]> {
    if (this.clusterId === undefined) return [];
    return (await this.inner.listContainers(labels, opts)).filter((c) => this.owns(c.labels));
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    const c = await this.inner.inspect(id);
    return c && this.owns(c.labels) ? c : undefined;
  }

  create(spec: ContainerSpec): Promise<string> {
    if (this.clusterId === undefined) return Promise.reject(new RuntimeError('unavailable', 'cluster identity not known yet (kube-system namespace not read)'));
    return this.inner.create({ ...spec, labels: { ...spec.labels, [LABEL_CLUSTER]: this.clusterId } });
  }

  // The calls below take ids that came from listContainers/inspect/create above, i.e. ours.
  start(id: string): Promise<void> {
    return this.inner.start(id);
  }

  stop(id: string, timeoutSec: number): Promise<void> {
    return this.inner.stop(id, timeoutSec);
  }

  kill(id: string, signal?: string): Promise<void> {
    return this.inner.kill(id, signal);
  }

  remove(id: string, opts?: { force?: boolean }): Promise<void> {
    return this.inner.remove(id, opts);
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.inner.inspectImage(ref);
  }

  pullImage(ref: string, timeoutMs: number): Promise<void> {
    return this.inner.pullImage(ref, timeoutMs);
  }

  events(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): EventSubscription {
    return this.inner.events(labels, (e) => this.owns(e.labels) && onEvent(e), onError);
  }

  logs(id: string, opts: LogOptions): Promise<Readable> {
    return this.inner.logs(id, opts);
  }

  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    return this.inner.exec(id, cmd, opts);
  }

  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    return this.inner.execStream(id, cmd, opts);
  }

  attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    return this.inner.attach(id, opts);
  }

  // Networks are the host's (one per node, named after it), not a cluster's.
  inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    return this.inner.inspectNetwork(name);
  }

  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    return this.inner.listNetworks(labels);
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    return this.inner.createNetwork(spec);
  }

  removeNetwork(name: string): Promise<void> {
    return this.inner.removeNetwork(name);
  }
}
