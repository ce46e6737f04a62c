// The one lifecycle every orch process is made of (k0s-style): a process is an ordered list
// of components; the runner (component-runner.ts) starts them in order, reports ready when
// all are, and stops them in reverse on SIGTERM/SIGINT.
//
//   constructor   no I/O: wiring only (tests build a process without touching anything)
//   start(ctx)    does the I/O: listen, connect, start loops; resolves once started (it
//                 need not wait for readiness; when it must, e.g. caches the next component
//                 reads, it gives up on ctx.signal); rejects when it cannot start
//   ready()       undefined when ready, else why not: what /readyz lists per component
//   stop()        releases everything start() took; called once, only after start()
//                 resolved, in reverse start order
//
// A component that finds it cannot go on (a loop that crashed, a leader that lost its
// lease) calls ctx.fail(): the runner then stops every component, in reverse, and the
// process ends with that outcome's exit code.

import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * How a run ended: 'stopped' (asked to stop: exit 0), 'lost-lease' (leadership ended: exit
 * 1 so a supervisor restarts the replica as a fresh standby, as Kubernetes components do),
 * 'failed' (a component failed: exit 1).
 */
export type RunOutcome = 'stopped' | 'lost-lease' | 'failed';

export function exitCodeOf(outcome: RunOutcome): number {
  return outcome === 'stopped' ? 0 : 1;
}

export interface ComponentContext {
  logger: Logger;
  /**
   * Aborted when the process starts stopping. A start() that waits (informers syncing
   * against an API that does not answer) gives up when it aborts, so stopping never
   * waits for it.
   */
  signal: AbortSignal;
  /** End the process: every component is stopped (in reverse) and the run reports `outcome`. */
  fail(outcome: Exclude<RunOutcome, 'stopped'>, err?: Error): void;
}

/** undefined = ok; a string = why not. */
export type CheckResult = string | undefined;

export interface Component {
  readonly name: string;
  start(ctx: ComponentContext): Promise<void>;
  stop(): Promise<void>;
  /** Readiness; absent = ready once started. May be async (e.g. a read from etcd). */
  ready?(): CheckResult | Promise<CheckResult>;
}

/**
 * A component around a long-running loop (a controller's or the scheduler's run(signal)):
 * start() launches it, stop() aborts its signal and waits for it to return. A loop that
 * ends by itself, or throws, while not asked to stop fails the process (exit 1, so a
 * supervisor restarts it) rather than leaving a process that serves /healthz but does
 * nothing.
 */
export function loopComponent(name: string, run: (signal: AbortSignal) => Promise<void>, opts: { ready?: () => CheckResult } = {}): Component {
  let ac: AbortController | undefined;
  let done: Promise<void> | undefined;
  return {
    name,
    ready: opts.ready,
    async start(ctx) {
      const own = (ac = new AbortController());
      done = run(own.signal).then(
        () => {
          if (!own.signal.aborted) ctx.fail('failed', new Error(`${name} ended on its own`));
        },
        (err: unknown) => {
          if (own.signal.aborted) return;
          ctx.logger.error({ err, component: name }, 'component failed');
          ctx.fail('failed', err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
    async stop() {
      ac?.abort(new Error(`${name} stopping`));
      await done;
    },
  };
}

/**
 * A component for one thing that must succeed once but may have to wait for another
 * process (the system namespaces, the cluster identity): start() tries once and, when that
 * fails, goes on trying every intervalMs in the background; not ready (`notReady`) until
 * it succeeded; stop() ends the trying. `attempt` resolves true on success and logs its
 * own failures.
 */
export function retryingComponent(
  name: string,
  attempt: (signal: AbortSignal) => Promise<boolean>,
  opts: { clock: Clock; intervalMs: number; notReady: string },
): Component {
  const ac = new AbortController();
  let done = false;
  let loop: Promise<void> | undefined;
  const once = async () => (done = await attempt(ac.signal));
  return {
    name,
    async start() {
      if (await once()) return;
      loop = (async () => {
        while (!ac.signal.aborted) {
          await opts.clock.sleep(opts.intervalMs, ac.signal).catch(() => undefined);
          if (ac.signal.aborted || (await once())) return;
        }
      })();
    },
    ready: () => (done ? undefined : opts.notReady),
    async stop() {
      ac.abort();
      await loop;
    },
  };
}
