// The supervisor of a local cluster: starts the components of `orch up` in order (each
// waits for the one before it to be ready), restarts any that exits with capped
// exponential backoff (CRASH_BACKOFF below), and stops them in reverse order when asked,
// after which nothing is restarted. It runs as its own long-lived process (`orch
// supervise`, started by `orch up`) or inside `orch up --foreground`.
//
// The components are its children, in their own process groups: if the supervisor dies
// they keep running, and the next supervisor adopts them (by pid, checked against their
// command line) instead of starting second copies. An adopted process is not a child, so
// its exit is noticed by polling and its exit code is unknown; once restarted it is a
// child like the others.
//
// Everything it knows is written to run/supervisor.json on every change (the only
// interface to `orch status` and `orch down`), and every exit and restart is logged, to
// the supervisor's log and as a line in the component's own log.

import type { Logger } from 'pino';
import { Backoff, type BackoffPolicy } from '../../foundation/backoff.js';
import type { Clock } from '../../foundation/clock.js';
import type { ComponentSpec, ExitResult, ProcessHandle } from './processes.js';
import { describeExit, type ComponentState, type ComponentStatus, type SupervisorStatus } from './supervisor-status.js';

/** The outside world of the supervisor: real processes, or fakes in unit tests. */
export interface SupervisorDeps {
  clock: Clock;
  logger: Logger;
  /** Starts one instance of a component; `note` says why in its log ("starting etcd", "restarting etcd (...)"). */
  launch(spec: ComponentSpec, note: string): ProcessHandle;
  /** A handle on pid when it still runs this component (left by an earlier supervisor), else undefined. */
  adopt(spec: ComponentSpec, pid: number): ProcessHandle | undefined;
  /** The component's readiness check (only called for specs with `ready`). */
  ready(spec: ComponentSpec): Promise<boolean>;
  /** SIGTERM, then SIGKILL after timeoutMs. */
  stop(handle: ProcessHandle, timeoutMs: number): Promise<'stopped' | 'killed' | 'not-running'>;
  /** Appends a line to the component's log. */
  note(spec: ComponentSpec, line: string): void;
  writeStatus(status: SupervisorStatus): void;
}

/**
 * How long the supervisor waits before restarting a component that exited: 1 s after the
 * first crash, doubling per crash in a row up to 30 s, so a component that cannot start
 * (a bad flag, a port taken) does not spin while one that crashed once is back at once.
 * A run of at least 60 s counts as healthy: the next crash starts again at 1 s.
 */
export const CRASH_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

export interface SupervisorOptions {
  backoff?: Partial<BackoffPolicy>;
  /** How often a starting component's readiness is checked. */
  readyEveryMs?: number;
  /** Grace between SIGTERM and SIGKILL when stopping a component. */
  stopTimeoutMs?: number;
  /** The status an earlier supervisor left: its live components are adopted. */
  previous?: SupervisorStatus;
  pid?: number;
}

interface Slot {
  spec: ComponentSpec;
  status: ComponentStatus;
  backoff: Backoff;
  handle?: ProcessHandle;
  startedAtMs: number;
  /** Resolved when the component is running (or the supervisor stops). */
  waiters: (() => void)[];
}

export class Supervisor {
  readonly status: SupervisorStatus;
  private readonly slots: Slot[];
  private readonly abort = new AbortController();
  private stopping = false;
  private stopped?: Promise<void>;

  constructor(
    specs: ComponentSpec[],
    private readonly deps: SupervisorDeps,
    private readonly opts: SupervisorOptions = {},
  ) {
    this.slots = specs.map((spec) => ({ spec, status: { name: spec.name, state: 'stopped', restarts: 0 }, backoff: new Backoff({ ...CRASH_BACKOFF, ...opts.backoff }), startedAtMs: 0, waiters: [] }));
    this.status = { pid: opts.pid ?? process.pid, startedAt: this.iso(deps.clock.now()), components: this.slots.map((s) => s.status) };
  }

  /** Starts (or adopts) every component in order; resolves once each was started and the ones with a readiness check are ready. */
  async start(): Promise<void> {
    this.write();
    for (const slot of this.slots) {
      if (this.stopping) return;
      const prev = this.opts.previous?.components.find((c) => c.name === slot.spec.name);
      const adopted = prev?.pid ? this.deps.adopt(slot.spec, prev.pid) : undefined;
      if (adopted) {
        this.deps.logger.info({ name: slot.spec.name, pid: adopted.pid }, 'adopted running component');
        this.deps.note(slot.spec, `supervisor (pid ${this.status.pid}) adopted ${slot.spec.name} (pid ${adopted.pid})`);
        const since = prev?.startedAt ? Date.parse(prev.startedAt) : NaN;
        this.track(slot, adopted, { ready: true, startedAtMs: Number.isNaN(since) ? undefined : since });
        continue;
      }
      this.launch(slot, `starting ${slot.spec.name}`);
      await this.untilRunning(slot);
    }
  }

  /** Stops every component, last started first; nothing is restarted afterwards. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    this.stopping = true;
    this.status.stopping = true;
    this.abort.abort(new Error('supervisor stopping'));
    for (const slot of this.slots) this.wake(slot);
    this.write();
    for (const slot of [...this.slots].reverse()) {
      const handle = slot.handle;
      slot.status.nextRestartAt = undefined;
      if (!handle) {
        if (slot.status.stopResult === undefined) slot.status.stopResult = 'not-running';
        this.setState(slot, 'stopped');
        continue;
      }
      const result = await this.deps.stop(handle, this.opts.stopTimeoutMs ?? 15_000);
      slot.handle = undefined;
      slot.status.stopResult = result;
      slot.status.startedAt = undefined;
      this.setState(slot, 'stopped');
      this.deps.logger.info({ name: slot.spec.name, pid: handle.pid, result }, 'component stopped');
      this.deps.note(slot.spec, `supervisor stopped ${slot.spec.name} (pid ${handle.pid}): ${result}`);
    }
  }

  private launch(slot: Slot, note: string): void {
    let handle: ProcessHandle;
    try {
      handle = this.deps.launch(slot.spec, note);
    } catch (err) {
      // Could not even spawn it (binary gone): an exit like any other, retried with backoff.
      this.deps.logger.error({ name: slot.spec.name, err }, 'cannot start component');
      handle = { pid: 0, exited: Promise.resolve({ code: 127, signal: null }), child: true };
    }
    this.track(slot, handle, { ready: !slot.spec.ready });
  }

  private track(slot: Slot, handle: ProcessHandle, opts: { ready: boolean; startedAtMs?: number }): void {
    const now = this.deps.clock.now();
    slot.handle = handle;
    slot.startedAtMs = opts.startedAtMs ?? now;
    Object.assign(slot.status, { pid: handle.pid || undefined, startedAt: this.iso(slot.startedAtMs), nextRestartAt: undefined, adopted: handle.child ? undefined : true });
    this.setState(slot, opts.ready ? 'running' : 'starting');
    void handle.exited.then((exit) => this.onExit(slot, handle, exit));
    if (!opts.ready) void this.probe(slot, handle);
  }

  /** Checks readiness until it passes, this instance exits, or the supervisor stops. */
  private async probe(slot: Slot, handle: ProcessHandle): Promise<void> {
    while (!this.stopping && slot.handle === handle && slot.status.state === 'starting') {
      if (await this.deps.ready(slot.spec).catch(() => false)) {
        if (slot.handle !== handle || this.stopping) return;
        this.deps.logger.info({ name: slot.spec.name, pid: handle.pid }, 'component ready');
        this.setState(slot, 'running');
        return;
      }
      try {
        await this.deps.clock.sleep(this.opts.readyEveryMs ?? 250, this.abort.signal);
      } catch {
        return;
      }
    }
  }

  private async onExit(slot: Slot, handle: ProcessHandle, exit: ExitResult): Promise<void> {
    if (slot.handle !== handle) return;
    const now = this.deps.clock.now();
    const ranForMs = Math.max(0, now - slot.startedAtMs);
    slot.handle = undefined;
    slot.status.lastExit = { code: exit.code, signal: exit.signal, at: this.iso(now), ranForMs, ...(handle.child ? {} : { unknown: true }) };
    slot.status.pid = undefined;
    slot.status.startedAt = undefined;
    slot.status.adopted = undefined;
    const how = `${describeExit(slot.status.lastExit)} after ${seconds(ranForMs)}`;
    if (this.stopping) {
      this.setState(slot, 'stopped');
      return;
    }
    const delay = slot.backoff.next(ranForMs);
    slot.status.nextRestartAt = this.iso(now + delay);
    this.setState(slot, 'backoff');
    this.deps.logger.warn(
      { name: slot.spec.name, pid: handle.pid, code: exit.code, signal: exit.signal, ranForMs, restartInMs: delay },
      `${slot.spec.name} exited (${how}); restarting in ${seconds(delay)}`,
    );
    this.deps.note(slot.spec, `${slot.spec.name} (pid ${handle.pid}) ${how}; supervisor restarts it in ${seconds(delay)}`);
    try {
      await this.deps.clock.sleep(delay, this.abort.signal);
    } catch {
      return; // stopping
    }
    if (this.stopping || slot.handle) return;
    slot.status.restarts++;
    this.deps.logger.info({ name: slot.spec.name, restarts: slot.status.restarts }, `restarting ${slot.spec.name}`);
    this.launch(slot, `restarting ${slot.spec.name} (restart ${slot.status.restarts}, last exit: ${how})`);
  }

  private setState(slot: Slot, state: ComponentState): void {
    slot.status.state = state;
    if (state === 'running') this.wake(slot);
    this.write();
  }

  private async untilRunning(slot: Slot): Promise<void> {
    if (slot.status.state === 'running' || this.stopping) return;
    await new Promise<void>((resolve) => slot.waiters.push(resolve));
  }

  private wake(slot: Slot): void {
    for (const w of slot.waiters.splice(0)) w();
  }

  private write(): void {
    try {
      this.deps.writeStatus(this.status);
    } catch (err) {
      this.deps.logger.error({ err }, 'cannot write the supervisor status file');
    }
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s` : `${Math.round(ms / 1000)}s`;
}
