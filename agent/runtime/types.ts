// The agent's view of a container engine. Pod logic (pod-sync, status, log server) talks
// only to this interface, so unit tests run on agent/testing/fake-runtime.ts and only
// runtime/docker-runtime.ts knows about dockerode.

import type { Readable, Writable } from 'node:stream';

export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What `docker ps -a` + inspect tell us about one container, reduced to what orch uses. */
export interface ContainerInfo {
  id: string;
  /** Without the leading slash. */
  name: string;
  labels: Record<string, string>;
  state: ContainerStateName;
  /** Image reference as given at create time. */
  image: string;
  /** sha256:... id of the image the container runs. */
  imageId: string;
  /** ISO times; undefined while never started / never finished. */
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** Engine error for a container that failed to start (e.g. exec not found). */
  error?: string;
  /** Its first IPv4 address ('' for containers joining another's network namespace). */
  ipAddress?: string;
  /** Every address on its networks, IPv4 first then global IPv6 (a dual-stack pod network gives both). */
  ipAddresses?: string[];
  /** 'bridge', 'host', 'container:<id>', ... */
  networkMode?: string;
  /** Created with stdin kept open (Container `stdin`) / with a terminal (`tty`): what attach can offer. */
  openStdin?: boolean;
  tty?: boolean;
}

export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostPort?: number;
  hostIp?: string;
}

/** Everything needed to create one container; built by pod-to-container.ts. */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  /** Overrides the image ENTRYPOINT (Kubernetes `command`). */
  entrypoint?: string[];
  /** Overrides the image CMD (Kubernetes `args`). */
  cmd?: string[];
  workingDir?: string;
  /** KEY=value; may hold secret values: never log it. */
  env: string[];
  ports: PortBinding[];
  memoryBytes?: number;
  nanoCpus?: number;
  /** host:container[:ro] */
  binds: string[];
  /** Named volumes of a volume driver, created by Docker on first use (NFS: agent/nfs-volumes.ts). */
  driverVolumes?: DriverVolume[];
  /**
   * The pod sandbox: 'bridge' (Docker's default) or the node's pod network name; app
   * containers: 'container:<sandbox id>'; hostNetwork pods: 'host'.
   */
  networkMode: string;
  hostname?: string;
  /** Kubernetes Container `stdin`, `stdinOnce`, `tty` (Docker OpenStdin, StdinOnce, Tty): for attach. */
  openStdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  /** The pod's and container's securityContext (agent/security-context.ts). */
  security?: ContainerSecurity;
}

/** A Docker named volume mounted into a container; Docker creates it with these options if it does not exist. */
export interface DriverVolume {
  name: string;
  target: string;
  readOnly: boolean;
  driver: string;
  options: Record<string, string>;
  labels?: Record<string, string>;
}

/** Docker's security options of one container. */
export interface ContainerSecurity {
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** "uid" or "uid:gid". */
  user?: string;
  groupAdd?: string[];
  readonlyRootfs?: boolean;
  /** no-new-privileges, seccomp=unconfined */
  securityOpt?: string[];
  pidMode?: 'host';
  ipcMode?: 'host';
}

export interface RuntimeInfo {
  ncpu: number;
  memTotalBytes: number;
  serverVersion: string;
  kernelVersion: string;
  operatingSystem: string;
  osType: string;
  architecture: string;
}

export interface ImageInfo {
  id: string;
  repoDigests: string[];
  /** The image config's USER ('' = root). */
  user?: string;
}

export interface RuntimeEvent {
  /** 'start', 'die', 'oom', 'destroy', ... */
  action: string;
  containerId: string;
  labels: Record<string, string>;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  timestamps?: boolean;
  /** Unix seconds. */
  since?: number;
}

/** A Docker bridge network as orch creates it (the per-node pod network, docs/networking.md). */
export interface NetworkSpec {
  name: string;
  labels: Record<string, string>;
  /** One per IP family, IPv4 first. */
  subnets: Array<{ subnet: string; gateway: string }>;
  ipv6: boolean;
  /** Driver options (com.docker.network.bridge.name, ...driver.mtu, ...). */
  options: Record<string, string>;
}

export interface NetworkInfo extends NetworkSpec {
  id: string;
  /** Containers attached to it, running or not. */
  containers: number;
}

export interface EventSubscription {
  stop(): void;
}

export interface ListOptions {
  /**
   * false: what the engine's list says, without inspecting each container — id, name,
   * labels, state, image, creation time, addresses and network mode, but no exit code,
   * start/finish times, OOM flag or error. For callers that only need which containers
   * exist and run (the orphan sweeps, the resource sampler, stream targets): on a node
   * with 200 containers the inspects were most of the idle agent's Docker calls. Default true.
   */
  details?: boolean;
}

export interface ContainerRuntime {
  /** Rejects when the engine is unreachable. */
  ping(): Promise<void>;
  info(): Promise<RuntimeInfo>;
  /** All containers (any state) carrying every given label. */
  listContainers(labels: Record<string, string>, opts?: ListOptions): Promise<ContainerInfo[]>;
  /** undefined when the container does not exist. */
  inspect(id: string): Promise<ContainerInfo | undefined>;
  /** Returns the new container id. Rejects with a RuntimeError code 'conflict' when the name is taken. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /** SIGTERM (or the image's StopSignal), SIGKILL after timeoutSec. No error if already stopped. */
  stop(id: string, timeoutSec: number): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  /** No error if already gone. */
  remove(id: string, opts?: { force?: boolean }): Promise<void>;
  /** undefined when the image is not present locally. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  /** Rejects with the engine's message on failure or after timeoutMs. */
  pullImage(ref: string, timeoutMs: number): Promise<void>;
  /** Container events for containers carrying the labels; reconnects on its own. */
  events(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): EventSubscription;
  /** Demultiplexed stdout+stderr as one byte stream. */
  logs(id: string, opts: LogOptions): Promise<Readable>;
  /** undefined when no network has that name. */
  inspectNetwork(name: string): Promise<NetworkInfo | undefined>;
  /** Networks carrying every given label. */
  listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]>;
  /** A bridge network; returns its id. Rejects with 'conflict' when the name is taken. */
  createNetwork(spec: NetworkSpec): Promise<string>;
  /** No error if already gone; rejects while a running container is attached. */
  removeNetwork(name: string): Promise<void>;
  /**
   * Runs a command inside a running container (exec probes, lifecycle hooks) and collects
   * its combined output. Rejects with 'notfound' / 'conflict' (not running) / 'unavailable';
   * a command that cannot be started (not found in the image) resolves with Docker's exit
   * code 126/127 like a shell would.
   */
  exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult>;
  /**
   * Starts a command in a running container with its streams connected (kubectl exec).
   * Rejects like exec(); the session's `done` gives the exit code.
   */
  execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession>;
  /** Connects to the streams of a running container's main process (kubectl attach). */
  attach(id: string, opts: StreamOptions): Promise<StreamSession>;
}

/** Which of a process's streams a caller wants connected. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** A terminal: output comes on stdout only, and resize() applies. */
  tty: boolean;
}

/** A process's streams inside a container (exec or attach). */
export interface StreamSession {
  /** Present when stdin was asked for; end() closes the process's stdin. */
  stdin?: Writable;
  /** With a tty, all of the terminal's output. */
  stdout: Readable;
  /** Never carries data with a tty. */
  stderr: Readable;
  /** Sets the terminal size (no effect without a tty). */
  resize(width: number, height: number): Promise<void>;
  /**
   * Settles once the output has ended: the exit code of an exec'd command (undefined when
   * the engine did not report one, and for attach).
   */
  done: Promise<{ exitCode?: number }>;
  /** Lets go of the process (the client went away); it goes on running, as with the kubelet. */
  close(): void;
}

export interface ExecOptions {
  /** After this the caller stops waiting (timedOut); the process may go on inside the container, as in kubelet. */
  timeoutMs: number;
  /** Output kept, from the start (default 10 KiB, kubelet's limit for probe output). */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** undefined when timed out. */
  exitCode?: number;
  /** stdout and stderr interleaved, truncated to maxOutputBytes. */
  output: string;
  timedOut: boolean;
}

/** kubelet keeps this much of a probe's or hook's output. */
export const EXEC_OUTPUT_LIMIT = 10 * 1024;

export type RuntimeErrorCode = 'conflict' | 'notfound' | 'unavailable' | 'other';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export function isRuntimeError(err: unknown, code: RuntimeErrorCode): boolean {
  return err instanceof RuntimeError && err.code === code;
}
