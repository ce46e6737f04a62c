// ContainerRuntime over the Docker Engine API (dockerode). The only file of orch that
// imports dockerode. Errors are mapped to RuntimeError codes so callers never parse
// Docker's HTTP status codes themselves.

import type Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from '../../foundation/logger.js';
import { guardAttach } from './attach-guard.js';
import { DockerDemux } from './demux.js';
import { followDockerEvents } from './docker-events.js';
import { InspectCache } from './inspect-cache.js';
import { collectOutput } from './exec-output.js';
import { loadDockerode } from './docker-load.js';
import { sessionFromHijacked } from './stream-session.js';
import {
  RuntimeError,
  type ContainerInfo,
  type ContainerRuntime,
  type ContainerSpec,
  type ContainerStateName,
  EXEC_OUTPUT_LIMIT,
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
} from './types.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function labelFilter(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

function errMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

/** Maps dockerode/HTTP errors to RuntimeError so callers can branch on a code. */
function mapError(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const e = err as { statusCode?: number; code?: string };
  if (e?.statusCode === 409) return new RuntimeError('conflict', errMessage(err));
  if (e?.statusCode === 404) return new RuntimeError('notfound', errMessage(err));
  if (e?.code === 'ECONNREFUSED' || e?.code === 'ENOENT' || e?.code === 'EPIPE' || e?.code === 'ECONNRESET') {
    return new RuntimeError('unavailable', `docker unreachable: ${errMessage(err)}`);
  }
  return new RuntimeError('other', errMessage(err));
}

/** A container as the engine's list shows it (ListOptions.details false): no exit code, times, OOM flag or error. */
function fromListEntry(c: Docker.ContainerInfo): ContainerInfo {
  const nets = Object.values(c.NetworkSettings?.Networks ?? {});
  const v4 = nets.map((n) => n?.IPAddress).filter((a): a is string => !!a);
  const v6 = nets.map((n) => n?.GlobalIPv6Address).filter((a): a is string => !!a);
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    labels: c.Labels ?? {},
    state: c.State as ContainerStateName,
    image: c.Image,
    imageId: c.ImageID,
    createdAt: c.Created ? new Date(c.Created * 1000).toISOString() : undefined,
    ipAddress: v4[0] ?? '',
    ipAddresses: [...new Set([...v4, ...v6])],
    networkMode: c.HostConfig?.NetworkMode,
  };
}

function time(t: string | undefined): string | undefined {
  return !t || t === ZERO_TIME || t.startsWith('0001-') ? undefined : new Date(t).toISOString();
}

export interface DockerRuntimeOptions {
  socketPath?: string;
  logger: Logger;
  /** Delay before re-subscribing to the event stream after it ends. */
  eventsRetryMs?: number;
  /**
   * Log rotation of the containers this runtime creates (json-file max-size × max-file,
   * the kubelet's containerLogMaxSize / containerLogMaxFiles); unset: the engine's default.
   */
  containerLog?: { maxSizeBytes: number; maxFiles: number };
}

export class DockerRuntime implements ContainerRuntime {
  private readonly docker: Docker;
  /** Inspect answers of unchanged containers, for detailed lists (inspect-cache.ts). */
  private readonly inspected = new InspectCache();
  private readonly log: Logger;

  constructor(private readonly opts: DockerRuntimeOptions) {
    const Dockerode = loadDockerode();
    this.docker = new Dockerode({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
    this.log = opts.logger;
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      throw mapError(err);
    }
  }

  async info(): Promise<RuntimeInfo> {
    try {
      const i = await this.docker.info();
      return {
        ncpu: i.NCPU,
        memTotalBytes: i.MemTotal,
        serverVersion: i.ServerVersion,
        kernelVersion: i.KernelVersion,
        operatingSystem: i.OperatingSystem,
        osType: i.OSType,
        architecture: i.Architecture,
      };
    } catch (err) {
      throw mapError(err);
    }
  }

  async listContainers(labels: Record<string, string>, opts?: ListOptions): Promise<ContainerInfo[]> {
    let list: Docker.ContainerInfo[];
    try {
      list = await this.docker.listContainers({ all: true, filters: JSON.stringify({ label: labelFilter(labels) }) });
    } catch (err) {
      throw mapError(err);
    }
    const brief = list.map(fromListEntry);
    if (opts?.details === false) return brief;
    // The list lacks exit codes and times: inspect each that changed since it was last inspected.
    const out = await Promise.all(brief.map((c) => this.inspected.get(c) ?? this.inspectToCache(c.id)));
    return out.filter((c): c is ContainerInfo => c !== undefined);
  }

  private async inspectToCache(id: string): Promise<ContainerInfo | undefined> {
    const since = this.inspected.begin();
    const info = await this.inspect(id);
    if (info) this.inspected.put(info, since);
    return info;
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    try {
      const c = await this.docker.getContainer(id).inspect();
      const nets = c.NetworkSettings?.Networks ?? {};
      const v4 = Object.values(nets).map((n) => n?.IPAddress).filter((a): a is string => !!a);
      const v6 = Object.values(nets).map((n) => n?.GlobalIPv6Address).filter((a): a is string => !!a);
      const ip = c.NetworkSettings?.IPAddress || v4[0] || '';
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        labels: c.Config.Labels ?? {},
        state: c.State.Status as ContainerStateName,
        image: c.Config.Image,
        imageId: c.Image,
        createdAt: time(c.Created),
        startedAt: time(c.State.StartedAt),
        finishedAt: time(c.State.FinishedAt),
        exitCode: c.State.ExitCode,
        oomKilled: c.State.OOMKilled,
        error: c.State.Error || undefined,
        ipAddress: ip,
        ipAddresses: [...new Set([...(ip ? [ip] : []), ...v4, ...v6])],
        networkMode: c.HostConfig.NetworkMode,
        openStdin: c.Config.OpenStdin,
        tty: c.Config.Tty,
      };
    } catch (err) {
      const m = mapError(err);
      if (m.code === 'notfound') return undefined;
      throw m;
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      exposed[key] = {};
      if (p.hostPort) (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: String(p.hostPort) });
    }
    // Docker refuses hostname and published ports on containers that join another's
    // namespace, and ignores ports with the host's network.
    const joins = spec.networkMode.startsWith('container:') || spec.networkMode === 'host';
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Labels: spec.labels,
        Entrypoint: spec.entrypoint,
        Cmd: spec.cmd,
        WorkingDir: spec.workingDir,
        Env: spec.env,
        Hostname: joins ? undefined : spec.hostname,
        OpenStdin: spec.openStdin,
        StdinOnce: spec.stdinOnce,
        Tty: spec.tty,
        User: spec.security?.user,
        ExposedPorts: joins ? undefined : exposed,
        HostConfig: {
          PortBindings: joins ? undefined : bindings,
          Memory: spec.memoryBytes,
          NanoCpus: spec.nanoCpus,
          Binds: spec.binds,
          Mounts: spec.driverVolumes?.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.target, ReadOnly: v.readOnly, VolumeOptions: { NoCopy: true, DriverConfig: { Name: v.driver, Options: v.options }, Labels: v.labels ?? {} } })),
          NetworkMode: spec.networkMode,
          // orch restarts containers itself (with backoff and new attempts), never Docker.
          RestartPolicy: { Name: 'no' },
          LogConfig: this.logConfig(),
          Privileged: spec.security?.privileged,
          CapAdd: spec.security?.capAdd,
          CapDrop: spec.security?.capDrop,
          GroupAdd: spec.security?.groupAdd,
          ReadonlyRootfs: spec.security?.readonlyRootfs,
          SecurityOpt: spec.security?.securityOpt,
          PidMode: spec.security?.pidMode,
          IpcMode: spec.security?.ipcMode,
        },
      });
      return c.id;
    } catch (err) {
      throw mapError(err);
    }
  }

  /** json-file (which the log endpoint reads back through the engine) with rotation. */
  private logConfig(): Docker.HostConfig['LogConfig'] {
    const l = this.opts.containerLog;
    if (!l) return undefined;
    return { Type: 'json-file', Config: { 'max-size': String(l.maxSizeBytes), 'max-file': String(l.maxFiles) } };
  }

  async start(id: string): Promise<void> {
    this.inspected.invalidate(id);
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return; // already started
      throw mapError(err);
    }
  }

  async stop(id: string, timeoutSec: number): Promise<void> {
    this.inspected.invalidate(id);
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(timeoutSec)) });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 304 || code === 404) return;
      throw mapError(err);
    }
  }

  async kill(id: string, signal = 'SIGKILL'): Promise<void> {
    this.inspected.invalidate(id);
    try {
      await this.docker.getContainer(id).kill({ signal });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (code === 404 || code === 409) return; // gone or not running
      throw mapError(err);
    }
  }

  async remove(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.inspected.invalidate(id);
    try {
      await this.docker.getContainer(id).remove({ force: opts.force ?? false, v: true });
    } catch (err) {
      const e = err as { statusCode?: number };
      if (e.statusCode === 404) return;
      // "removal already in progress" is success for our purposes.
      if (e.statusCode === 409 && /already in progress/.test(errMessage(err))) return;
      throw mapError(err);
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return { id: i.Id, repoDigests: i.RepoDigests ?? [], user: i.Config?.User ?? '' };
    } catch (err) {
      const m = mapError(err);
      if (m.code === 'notfound') return undefined;
      throw m;
    }
  }

  async pullImage(ref: string, timeoutMs: number): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(ref)) as NodeJS.ReadableStream;
    } catch (err) {
      throw mapError(err);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        (stream as Readable).destroy?.();
        reject(new RuntimeError('other', `pulling image "${ref}" timed out after ${Math.round(timeoutMs / 1000)}s`));
      }, timeoutMs);
      // Progress is ignored; an error event inside the stream is the pull's failure.
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: { error?: string; errorDetail?: { message?: string } }[]) => {
          clearTimeout(timer);
          if (err) return reject(mapError(err));
          const failed = output?.find((o) => o.error || o.errorDetail);
          if (failed) return reject(new RuntimeError('other', failed.errorDetail?.message ?? failed.error ?? 'pull failed'));
          resolve();
        },
      );
    });
  }

  events(labels: Record<string, string>, onEvent: (e: RuntimeEvent) => void, onError?: (err: Error) => void): EventSubscription {
    const open = async () => (await this.docker.getEvents({ filters: { type: ['container'], label: labelFilter(labels) } })) as unknown as Readable;
    return followDockerEvents({ open, labels, retryMs: this.opts.eventsRetryMs ?? 1000, cache: this.inspected, mapError }, onEvent, onError);
  }

  /**
   * The container's log as a stream, with or without follow. Docker's answer is read as
   * it comes and only as fast as the caller reads (dockerode would buffer a non-follow
   * answer whole, so the request is dialled here with isStream). Destroying the returned
   * stream (the client went away) closes the connection to Docker.
   */
  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const options: Record<string, unknown> = { stdout: true, stderr: true, follow: opts.follow ?? false, timestamps: opts.timestamps ?? false, since: opts.since ?? 0 };
    if (opts.tail !== undefined) options.tail = opts.tail;
    try {
      // A TTY container's log is one raw stream, without the frame headers to strip.
      const { Config } = await this.docker.getContainer(id).inspect();
      const raw = await new Promise<Readable>((resolve, reject) =>
        this.docker.modem.dial(
          { path: `/containers/${encodeURIComponent(id)}/logs?`, method: 'GET', isStream: true, statusCodes: { 200: true, 404: 'no such container', 409: 'conflict', 500: 'server error' }, options },
          (err: unknown, res: unknown) => (err ? reject(err) : resolve(res as Readable)),
        ),
      );
      if (Config?.Tty) return raw;
      const out = raw.pipe(new DockerDemux());
      raw.on('error', (err) => out.destroy(mapError(err)));
      // Closing our side (client went away) must end Docker's stream too.
      out.on('close', () => raw.destroy());
      return out;
    } catch (err) {
      throw mapError(err);
    }
  }

  async exec(id: string, cmd: string[], opts: ExecOptions): Promise<ExecResult> {
    const limit = opts.maxOutputBytes ?? EXEC_OUTPUT_LIMIT;
    let ex: Docker.Exec;
    let raw: Duplex;
    try {
      ex = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
      raw = (await ex.start({ hijack: true, stdin: false })) as unknown as Duplex;
    } catch (err) {
      throw mapError(err);
    }
    const collected = await collectOutput(raw, limit, opts.timeoutMs);
    if (collected.timedOut) return { output: collected.output, timedOut: true };
    const exitCode = await exitCodeOf(ex);
    return exitCode === undefined ? { output: collected.output, timedOut: true } : { exitCode, output: collected.output, timedOut: false };
  }

  async execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    try {
      const ex = await this.docker
        .getContainer(id)
        .exec({ Cmd: cmd, AttachStdin: opts.stdin, AttachStdout: opts.stdout, AttachStderr: opts.stderr && !opts.tty, Tty: opts.tty });
      const raw = (await ex.start({ hijack: true, stdin: opts.stdin, Tty: opts.tty })) as unknown as Duplex;
      return sessionFromHijacked({ raw, stdin: opts.stdin, tty: opts.tty, resize: (w, h) => resizeQuietly(ex, w, h), exitCode: () => exitCodeOf(ex) });
    } catch (err) {
      throw mapError(err);
    }
  }

  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    try {
      const c = this.docker.getContainer(id);
      const raw = (await c.attach({ stream: true, hijack: true, stdin: opts.stdin, stdout: opts.stdout, stderr: opts.stderr })) as unknown as Duplex;
      await guardAttach(raw, {
        state: () => c.inspect().then((i) => ({ running: i.State.Running, status: i.State.Status })),
        stopped: (abortSignal) => c.wait({ condition: 'not-running', abortSignal }),
      });
      return sessionFromHijacked({ raw, stdin: opts.stdin, tty: opts.tty, resize: (w, h) => resizeQuietly(c, w, h), exitCode: async () => undefined });
    } catch (err) {
      throw mapError(err);
    }
  }

  private async networkInfo(n: Docker.NetworkInspectInfo): Promise<NetworkInfo> {
    // Containers lists only the running ones; a stopped container attached to the network
    // would lose it if the network went away, so count every container.
    const attached = await this.docker.listContainers({ all: true, filters: JSON.stringify({ network: [n.Id] }) });
    return {
      id: n.Id,
      name: n.Name,
      labels: n.Labels ?? {},
      subnets: (n.IPAM?.Config ?? []).map((c) => ({ subnet: c.Subnet ?? '', gateway: c.Gateway ?? '' })),
      ipv6: n.EnableIPv6 ?? false,
      options: n.Options ?? {},
      containers: attached.length,
    };
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    try {
      const n = (await this.docker.getNetwork(name).inspect()) as Docker.NetworkInspectInfo;
      // Docker also matches an id prefix: only the exact name counts.
      return n.Name === name ? await this.networkInfo(n) : undefined;
    } catch (err) {
      const m = mapError(err);
      if (m.code === 'notfound') return undefined;
      throw m;
    }
  }

  async listNetworks(labels: Record<string, string>): Promise<NetworkInfo[]> {
    try {
      const list = await this.docker.listNetworks({ filters: JSON.stringify({ label: labelFilter(labels) }) });
      return await Promise.all(list.map((n) => this.networkInfo(n)));
    } catch (err) {
      throw mapError(err);
    }
  }

  async createNetwork(spec: NetworkSpec): Promise<string> {
    try {
      const n = await this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        EnableIPv6: spec.ipv6,
        IPAM: { Driver: 'default', Config: spec.subnets.map((s) => ({ Subnet: s.subnet, Gateway: s.gateway })) },
        Options: spec.options,
        Labels: spec.labels,
      });
      return n.id;
    } catch (err) {
      throw mapError(err);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(name).remove();
    } catch (err) {
      const m = mapError(err);
      if (m.code === 'notfound') return;
      throw m;
    }
  }
}

/**
 * The exit code of a finished exec. The output ends when the process closes it; Docker
 * records the exit code a moment later: look a few times before calling it unknown.
 */
async function exitCodeOf(ex: Docker.Exec): Promise<number | undefined> {
  // Short waits first: the code is usually recorded within a millisecond or two, and every
  // exec (kubectl exec, exec probes) waits for it. About 200 ms in all, as before.
  for (const wait of [1, 2, 5, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10]) {
    try {
      const info = await ex.inspect();
      if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    } catch (err) {
      throw mapError(err);
    }
    await new Promise((r) => setTimeout(r, wait));
  }
  return undefined;
}

/** A resize that races the process's end (or comes before Docker made the tty) changes nothing worth failing for. */
async function resizeQuietly(target: { resize(o: { h: number; w: number }): Promise<unknown> }, width: number, height: number): Promise<void> {
  try {
    await target.resize({ h: height, w: width });
  } catch {
    /* the process is gone or not started: the next resize or the end of the session follows */
  }
}
