// Runs a process's components (component.ts):
//
//   start:  c1.start → c2.start → … → cN.start        one at a time, in order
//           a start that throws: the ones already started are stopped in reverse, and
//           the error is rethrown (the process exits 1)
//   ready:  every component's ready() is undefined → logged once ("ready"), and /readyz
//           (health-server.ts) answers 200
//   stop:   cN.stop → … → c1.stop                     on SIGTERM/SIGINT, after a failure,
//           or when the run's signal aborts; each stop is given stopTimeoutMs (then
//           logged and left behind, so one stuck component cannot hold the others), and
//           each one's duration is logged at debug
//
// runProcess() is the process entry of every orch component: run until a signal, then
// exit with the outcome's code.

import { raceClock, realClock, type Clock } from './clock.js';
import type { Logger } from './logger.js';
import { exitCodeOf, type CheckResult, type Component, type RunOutcome } from './component.js';

export interface ComponentRunnerOptions {
  logger: Logger;
  clock?: Clock;
  /** Time each component gets to stop (default 10 s). */
  stopTimeoutMs?: number;
  /** How often readiness is checked until the first "ready" (default 500 ms). */
  readyPollMs?: number;
}

export interface ComponentCheck {
  name: string;
  failure: CheckResult;
}

type State = 'new' | 'starting' | 'running' | 'stopping' | 'stopped';

export class ComponentRunner {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly started: Component[] = [];
  private inFlight?: Promise<void>;
  private state: State = 'new';
  private stopDone?: Promise<void>;
  private failure?: { outcome: Exclude<RunOutcome, 'stopped'>; err?: Error };
  private readonly failed = new AbortController();
  /** Aborted when stopping begins: a start() still waiting gives up. */
  private readonly stopSignal = new AbortController();
  private readonly readyWatch = new AbortController();
  private isReady = false;

  constructor(
    readonly components: readonly Component[],
    private readonly opts: ComponentRunnerOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger;
    const names = components.map((c) => c.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new Error(`two components named ${dup}`);
  }

  /** Start every component in order; on a failure stop those started (reverse) and throw. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`cannot start: already ${this.state}`);
    this.state = 'starting';
    for (const c of this.components) {
      if (this.failure || this.stopDone) break;
      const t0 = this.clock.now();
      // Recorded as started in the same step as its start resolves, so a stop() that
      // comes meanwhile (it waits for inFlight) stops it too.
      const inFlight = c.start({ logger: this.log, signal: this.stopSignal.signal, fail: (outcome, err) => this.fail(c, outcome, err) }).then(() => void this.started.push(c));
      this.inFlight = inFlight;
      try {
        await inFlight;
      } catch (err) {
        // Gave up because the process is stopping: not a failure.
        if (this.stopping) break;
        this.log.error({ err, component: c.name }, 'component failed to start; stopping the others');
        this.failure ??= { outcome: 'failed', err: err as Error };
        await this.stop();
        throw err;
      }
      this.log.debug({ component: c.name, ms: this.clock.now() - t0 }, 'component started');
    }
    // Asked to stop, or a started component failed, while starting: run()/stop() finish it.
    if (this.failure || this.stopDone) return;
    this.state = 'running';
    this.log.info({ components: this.started.map((c) => c.name) }, 'started');
    void this.watchReady();
  }

  /** Every component's readiness, in start order (one not started yet: "not started"). */
  async checks(): Promise<ComponentCheck[]> {
    return Promise.all(
      this.components.map(async (c): Promise<ComponentCheck> => {
        if (!this.started.includes(c)) return { name: c.name, failure: this.state === 'stopping' || this.state === 'stopped' ? 'stopped' : 'not started' };
        try {
          return { name: c.name, failure: await c.ready?.() };
        } catch (err) {
          return { name: c.name, failure: (err as Error).message ?? String(err) };
        }
      }),
    );
  }

  /** True from the moment stopping begins (/readyz then fails with `[-]shutdown`). */
  get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** True once every component is started and ready (and not stopping). */
  async ready(): Promise<boolean> {
    if (this.state !== 'running') return false;
    return (await this.checks()).every((c) => c.failure === undefined);
  }

  /** Logs "ready" the first time every component is; later changes show on /readyz. */
  private async watchReady(): Promise<void> {
    const signal = this.readyWatch.signal;
    while (!signal.aborted && !this.isReady) {
      if (await this.ready()) {
        this.isReady = true;
        this.log.info('ready');
        return;
      }
      try {
        await this.clock.sleep(this.opts.readyPollMs ?? 500, signal);
      } catch {
        return;
      }
    }
  }

  private fail(c: Component, outcome: Exclude<RunOutcome, 'stopped'>, err?: Error): void {
    if (this.failure || this.state === 'stopping' || this.state === 'stopped') return;
    this.failure = { outcome, err };
    this.log.warn({ component: c.name, outcome, err }, 'component ended the run');
    this.failed.abort();
  }

  /** Stop the started components in reverse order. Idempotent; concurrent callers share one stop. */
  stop(): Promise<void> {
    return (this.stopDone ??= this.stopAll());
  }

  private async stopAll(): Promise<void> {
    if (this.state === 'new') {
      this.state = 'stopped';
      return;
    }
    // A stop() while start() is inside a component's start waits for that start to end
    // (start() then starts no more), so its stop() has something to release.
    this.state = 'stopping';
    this.readyWatch.abort();
    this.stopSignal.abort(new Error('stopping'));
    const timeoutMs = this.opts.stopTimeoutMs ?? 10_000;
    if (this.inFlight && !(await this.within(this.inFlight.catch(() => undefined), timeoutMs))) {
      this.log.error({ timeoutMs }, 'a component start did not give up in time; stopping the others without it');
    }
    while (this.started.length > 0) {
      const c = this.started.pop()!;
      const t0 = this.clock.now();
      const stopped = c.stop().catch((err: unknown) => this.log.error({ err, component: c.name }, 'component failed to stop cleanly'));
      if (!(await this.within(stopped, timeoutMs))) this.log.error({ component: c.name, timeoutMs }, 'component did not stop in time; going on without it');
      else this.log.debug({ component: c.name, ms: this.clock.now() - t0 }, 'component stopped');
    }
    this.state = 'stopped';
  }

  /** Whether `p` settled within ms (on the injected clock). */
  private within(p: Promise<unknown>, ms: number): Promise<boolean> {
    return raceClock(this.clock, p.then(() => true), ms, () => false);
  }

  /**
   * Start (unless started already), run until `signal` aborts or a component fails, then
   * stop. Resolves with the outcome; rejects (after stopping what started) when a
   * component cannot start.
   */
  async run(signal: AbortSignal): Promise<RunOutcome> {
    const stopRequested = new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', () => resolve(), { once: true });
      this.failed.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const onAbort = () => void this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Already started by its owner (the apiserver starts before it waits for signals).
      if (this.state === 'new') await this.start();
      await stopRequested;
      await this.stop();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return this.failure?.outcome ?? 'stopped';
  }
}

/**
 * The process entry of every orch component: run the components until SIGTERM/SIGINT
 * (exit 0), a lost lease or a failed component (exit 1, after stopping the rest).
 */
export async function runProcess(runner: ComponentRunner, logger: Logger): Promise<never> {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    logger.info({ signal: sig }, 'stopping');
    ac.abort(new Error(`received ${sig}`));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let outcome: RunOutcome;
  try {
    outcome = await runner.run(ac.signal);
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.exit(1);
  }
  if (outcome === 'lost-lease') logger.error('leader election lost; exiting so a supervisor restarts this replica as a standby');
  else if (outcome === 'failed') logger.error('a component failed; exiting');
  else logger.info('stopped');
  process.exit(exitCodeOf(outcome));
}
