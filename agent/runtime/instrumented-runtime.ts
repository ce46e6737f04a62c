// A ContainerRuntime that measures every Docker call (agent/metrics.ts): count, latency
// and errors by operation, container starts and restarts (an attempt above 0, from the
// orch.io/attempt label it saw at create), image pulls. It sits directly on the Docker
// runtime, below the cluster scoping, so every call the agent makes is seen.

import type { Readable } from 'node:stream';
import { LABEL_CONTAINER, SANDBOX_CONTAINER, attemptOf } from '../labels.js';
import type { AgentMetrics } from '../metrics.js';
import type { ContainerInfo, ContainerRuntime, ContainerSpec, EventSubscription, ExecOptions, ExecResult, ImageInfo, ListOptions, LogOptions, NetworkInfo, NetworkSpec, RuntimeEvent, RuntimeInfo, StreamOptions, StreamSession } from './types.js';

export class InstrumentedRuntime implements ContainerRuntime {
  /** Attempt of containers created but not started yet (bounded by the creates in flight). */
  private readonly attempts = new Map<string, { attempt: number; sandbox: boolean }>();

  constructor(
    private readonly inner: ContainerRuntime,
    private readonly metrics: AgentMetrics,
  ) {}

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    let failed = true;
    try {
      const v = await fn();
      failed = false;
      return v;
    } finally {
      this.metrics.runtimeCall(operation, (performance.now() - t0) / 1000, failed);
    }
  }

  ping(): Promise<void> {
    return this.call('ping', () => this.inner.ping());
  }

  info(): Promise<RuntimeInfo> {
    return this.call('info', () => this.inner.info());
  }

  listContainers(labels: Record<string, string>, opts?: ListOptions): Promise<ContainerInfo[]> {
    return this.call('list_containers', () => this.inner.listContainers(labels, opts));
  }

  inspect(id: string): Promise<ContainerInfo | undefined> {
    return this.call('inspect_container', () => this.inner.inspect(id));
  }

  async create(spec: ContainerSpec): Promise<string> {
    const id = await this.call('create_container', () => this.inner.create(spec));
    this.attempts.set(id, { attempt: attemptOf(spec.labels), sandbox: spec.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER });
    return id;
  }

  async start(id: string): Promise<void> {
    const made = this.attempts.get(id);
    this.attempts.delete(id);
    const type = made?.sandbox ? 'podsandbox' : 'container';
    try {
      await this.call('start_container', () => this.inner.start(id));
    } catch (err) {
      this.metrics.containerStarted(false, false, type);
      throw err;
    }
    this.metrics.containerStarted(true, (made?.attempt ?? 0) > 0, type);
  }

  stop(id: string, timeoutSec: number): Promise<void> {
    return this.call('stop_container', () => this.inner.stop(id, timeoutSec));
  }

  kill(id: string, signal?: string): Promise<void> {
    return this.call('kill_container', () => this.inner.kill(id, signal));
  }

  remove(id: string, opts?: { force?: boolean }): Promise<void> {
    this.attempts.delete(id);
    return this.call('remove_container', () => this.inner.remove(id, opts));
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return this.call('inspect_image', () => this.inner.inspectImage(ref));
  }

  async pullImage(ref: string, timeoutMs: number): Promise<void> {
    const t0 = performance.now();
    let ok = false;
    try {
      await this.call('pull_image', () => this.inner.pullImage(ref, timeoutMs));
      ok = true;
    } finally {
      this.metrics.imagePulled(ok, (performance.now() - t0) / 1000);
    }
  }

  events(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): EventSubscription {
    return this.inner.events(labels, onEvent, onError);
  }

  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    return this.call('exec', () => this.inner.exec(id, cmd, opts));
  }

  /** Measures setting the stream up, not the session's life. */
  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    return this.call('exec_stream', () => this.inner.execStream(id, cmd, opts));
  }

  attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    return this.call('attach', () => this.inner.attach(id, opts));
  }

  logs(id: string, opts: LogOptions): Promise<Readable> {
    return this.call('logs', () => this.inner.logs(id, opts));
  }

  inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    return this.call('inspect_network', () => this.inner.inspectNetwork(name));
  }

  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    return this.call('list_networks', () => this.inner.listNetworks(labels));
  }

  createNetwork(spec: NetworkSpec): Promise<string> {
    return this.call('create_network', () => this.inner.createNetwork(spec));
  }

  removeNetwork(name: string): Promise<void> {
    return this.call('remove_network', () => this.inner.removeNetwork(name));
  }
}
