// In-memory ContainerRuntime for fast unit tests of pod logic: containers are records,
// "processes" never run; tests script exits, pull failures and failing creates.

import { PassThrough, type Readable } from 'node:stream';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type EventSubscription,
  type ExecOptions,
  type ExecResult,
  type ImageInfo,
  type LogOptions,
  type NetworkInfo,
  type NetworkSpec,
  type RuntimeEvent,
  type RuntimeInfo,
  type StreamOptions,
  type StreamSession,
} from '../runtime/types.js';

export interface FakeContainer extends ContainerInfo {
  spec: ContainerSpec;
  logText: string;
}

export class FakeRuntime implements ContainerRuntime {
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Map<string, ImageInfo>();
  /** name → network; tests set `containers` to mark one as in use. */
  readonly networks = new Map<string, NetworkInfo>();
  /** image ref → message: pulls of these fail. */
  readonly pullFailures = new Map<string, string>();
  readonly calls: string[] = [];
  available = true;
  /** When set, pulls finish only once it resolves (a slow registry). */
  pullGate?: Promise<void>;
  /** When set, stop() of a running container waits for it before the container exits (a grace period). */
  stopGate?: Promise<void>;
  /** Answers exec() in running containers (default: exit 0, no output); every call is kept in `execs`. */
  execHandler?: (c: FakeContainer, cmd: string[], opts: ExecOptions) => ExecResult | Promise<ExecResult>;
  readonly execs: { id: string; cmd: string[] }[] = [];
  /** Answers execStream() (cmd set) and attach() (cmd undefined) in running containers; default: no output, exit 0. */
  streamHandler?: (c: FakeContainer, cmd: string[] | undefined, opts: StreamOptions) => StreamSession;
  /** When set, the next create() stores the container and then rejects (a timed-out create). */
  failNextCreateAfterStoring = false;
  /** While set, start() of a sandbox (orch.io/container=POD) waits for it (tests of what overlaps the start). */
  sandboxStartGate?: Promise<void>;
  /** Container name → the error its start() fails with (as Docker: the container stays created with State.Error). */
  readonly startFailures = new Map<string, string>();
  /** inspectImage calls so far. */
  imageInspects = 0;
  private seq = 0;
  private readonly subs = new Set<(e: RuntimeEvent) => void>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  addImage(ref: string, id = `sha256:${ref.replace(/[^a-z0-9]/gi, '')}`): void {
    this.images.set(ref, { id, repoDigests: [] });
  }

  private check(): void {
    if (!this.available) throw new RuntimeError('unavailable', 'docker unreachable: connect ENOENT /var/run/docker.sock');
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  private emit(action: string, c: ContainerInfo): void {
    for (const s of this.subs) s({ action, containerId: c.id, labels: c.labels });
  }

  /** Simulates the main process exiting. */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const c = this.containers.get(id);
    if (!c) throw new Error(`no container ${id}`);
    c.state = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = opts.oomKilled ?? false;
    c.finishedAt = this.iso();
    this.emit('die', c);
  }

  async ping(): Promise<void> {
    this.check();
  }

  async info(): Promise<RuntimeInfo> {
    this.check();
    return { ncpu: 4, memTotalBytes: 8 * 1024 ** 3, serverVersion: '20.10.24', kernelVersion: '6.1.0', operatingSystem: 'Debian GNU/Linux 12', osType: 'linux', architecture: 'x86_64' };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.check();
    return [...this.containers.values()]
      .filter((c) => Object.entries(labels).every(([k, v]) => c.labels[k] === v))
      .map((c) => ({ ...c }));
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    this.check();
    const c = this.containers.get(id) ?? [...this.containers.values()].find((x) => x.name === id);
    return c ? { ...c } : undefined;
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.check();
    this.calls.push(`create ${spec.name}`);
    if ([...this.containers.values()].some((c) => c.name === spec.name)) {
      throw new RuntimeError('conflict', `Conflict. The container name "/${spec.name}" is already in use`);
    }
    const img = this.images.get(spec.image);
    if (!img) throw new RuntimeError('notfound', `No such image: ${spec.image}`);
    const id = `c${++this.seq}`.padEnd(12, '0');
    // Own namespace: the default bridge or a named (pod) network; none when joining or on the host's.
    const own = !spec.networkMode.startsWith('container:') && spec.networkMode !== 'host';
    const ip = !own ? '' : spec.networkMode === 'bridge' ? `172.17.0.${this.seq + 1}` : `10.244.0.${this.seq + 1}`;
    this.containers.set(id, {
      id,
      name: spec.name,
      labels: { ...spec.labels },
      state: 'created',
      image: spec.image,
      imageId: img.id,
      createdAt: this.iso(),
      exitCode: 0,
      ipAddress: ip,
      ipAddresses: ip ? [ip] : [],
      networkMode: spec.networkMode,
      spec,
      logText: '',
    });
    if (this.failNextCreateAfterStoring) {
      this.failNextCreateAfterStoring = false;
      throw new RuntimeError('other', 'timeout awaiting response headers');
    }
    return id;
  }

  async start(id: string): Promise<void> {
    this.check();
    this.calls.push(`start ${id}`);
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('notfound', `No such container: ${id}`);
    if (c.labels['orch.io/container'] === 'POD' && this.sandboxStartGate) await this.sandboxStartGate;
    // As Docker: joining the namespace of a container that does not run fails the start.
    const joins = c.networkMode?.startsWith('container:') ? this.containers.get(c.networkMode.slice('container:'.length)) : undefined;
    const failure = this.startFailures.get(c.name) ?? (c.networkMode?.startsWith('container:') && joins?.state !== 'running' ? `cannot join network of a non running container: ${c.networkMode.slice(10)}` : undefined);
    if (failure) {
      c.error = failure;
      c.exitCode = 128;
      throw new RuntimeError('other', failure);
    }
    c.state = 'running';
    c.startedAt = this.iso();
    c.finishedAt = undefined;
    this.emit('start', c);
  }

  async stop(id: string, timeoutSec: number): Promise<void> {
    this.check();
    this.calls.push(`stop ${id} ${timeoutSec}`);
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    await this.stopGate;
    if (c.state !== 'running') return;
    this.exit(id, 143);
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    this.check();
    this.calls.push(`kill ${id} ${signal}`);
    const c = this.containers.get(id);
    if (!c || c.state !== 'running') return;
    this.exit(id, 137);
  }

  async remove(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.check();
    this.calls.push(`remove ${id}`);
    const c = this.containers.get(id);
    if (!c) return;
    if (c.state === 'running' && !opts.force) throw new RuntimeError('conflict', 'You cannot remove a running container');
    this.containers.delete(id);
    this.emit('destroy', c);
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    this.check();
    this.imageInspects++;
    return this.images.get(ref);
  }

  async pullImage(ref: string): Promise<void> {
    this.check();
    this.calls.push(`pull ${ref}`);
    await this.pullGate;
    const fail = this.pullFailures.get(ref);
    if (fail !== undefined) throw new RuntimeError('other', fail);
    this.addImage(ref);
  }

  events(_labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void): EventSubscription {
    this.subs.add(onEvent);
    return { stop: () => this.subs.delete(onEvent) };
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    this.check();
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('notfound', `No such container: ${id}`);
    if (c.state !== 'running') throw new RuntimeError('conflict', `container ${id} is not running`);
    this.execs.push({ id, cmd });
    return this.execHandler ? this.execHandler(c, cmd, opts) : { exitCode: 0, output: '', timedOut: false };
  }

  async execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    return this.stream(id, cmd, opts);
  }

  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    return this.stream(id, undefined, opts);
  }

  private stream(id: string, cmd: string[] | undefined, opts: StreamOptions): StreamSession {
    this.check();
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('notfound', `No such container: ${id}`);
    if (c.state !== 'running') throw new RuntimeError('conflict', `container ${id} is not running`);
    if (cmd) this.execs.push({ id, cmd });
    if (this.streamHandler) return this.streamHandler(c, cmd, opts);
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    stdout.end();
    stderr.end();
    return { stdout, stderr, resize: async () => undefined, done: Promise.resolve({ exitCode: cmd ? 0 : undefined }), close: () => undefined };
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    this.check();
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError('notfound', `No such container: ${id}`);
    // As Docker does (HTTP 409).
    if (c.state === 'removing' || c.state === 'dead') throw new RuntimeError('conflict', 'can not get logs from container which is dead or marked for removal');
    let lines = c.logText.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1);
    if (opts.tail !== undefined) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail);
    const pt = new PassThrough();
    pt.end(lines.map((l) => `${l}\n`).join(''));
    return pt;
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    this.check();
    const n = this.networks.get(name);
    return n && { ...n };
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    this.check();
    return [...this.networks.values()].filter((n) => Object.entries(labels).every(([k, v]) => n.labels[k] === v)).map((n) => ({ ...n }));
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    this.check();
    this.calls.push(`create-network ${spec.name}`);
    if (this.networks.has(spec.name)) throw new RuntimeError('conflict', `network with name ${spec.name} already exists`);
    const id = `n${++this.seq}`.padEnd(12, '0');
    this.networks.set(spec.name, { ...spec, id, containers: 0 });
    return id;
  }

  async removeNetwork(name: string): Promise<void> {
    this.check();
    this.calls.push(`remove-network ${name}`);
    const n = this.networks.get(name);
    if (n && n.containers > 0) throw new RuntimeError('other', `error while removing network: network ${name} id ${n.id} has active endpoints`);
    this.networks.delete(name);
  }
}
