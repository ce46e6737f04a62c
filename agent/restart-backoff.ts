// Restart backoff per container. Kubernetes keeps this in the kubelet's memory too:
// after an agent restart a crashing container gets one immediate retry, while
// restartCount (from Docker labels) is never lost.
//
// Sequence for consecutive failures: 0 (first restart immediate), 1 s, 2 s, 4 s, ...
// capped at maxMs (default 60 s: orch targets small clusters where a 5-minute wait, the
// Kubernetes cap, mostly hides recoveries). A container that ran at least resetAfterMs
// (default 10 min) before exiting starts the sequence again. The arithmetic is the shared
// one (foundation/backoff.ts); this class adds that asking twice about one exit gives
// one answer, since reconciles ask many times.

import { KeyedBackoff } from '../foundation/backoff.js';

export interface RestartBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  resetAfterMs?: number;
}

export class RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  private readonly streaks: KeyedBackoff<string>;
  /** Per key: the exit (e.g. the exited container's id) the last delay was computed for. */
  private readonly answered = new Map<string, { exit: string; delayMs: number }>();

  constructor(opts: RestartBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.resetAfterMs = opts.resetAfterMs ?? 600_000;
    this.streaks = new KeyedBackoff({ initialMs: this.initialMs, maxMs: this.maxMs, resetAfterMs: this.resetAfterMs, immediateFirst: true });
  }

  /**
   * Delay (ms after the exit) before a container that exited (identified by `exit`) after
   * running ranForMs may be restarted. Idempotent per exit: reconciles may ask many times.
   */
  delayFor(key: string, exit: string, ranForMs: number): number {
    const last = this.answered.get(key);
    if (last && last.exit === exit) return last.delayMs;
    const delayMs = this.streaks.next(key, ranForMs);
    this.answered.set(key, { exit, delayMs });
    return delayMs;
  }

  /** Milliseconds still to wait at nowMs (0 = restart now). */
  remaining(key: string, exit: string, exitAtMs: number, ranForMs: number, nowMs: number): number {
    return Math.max(0, exitAtMs + this.delayFor(key, exit, ranForMs) - nowMs);
  }

  /** Forget keys starting with prefix (a deleted pod). */
  forgetPrefix(prefix: string): void {
    this.streaks.forgetWhere((k) => k.startsWith(prefix));
    for (const k of this.answered.keys()) if (k.startsWith(prefix)) this.answered.delete(k);
  }

  forget(key: string): void {
    this.streaks.forget(key);
    this.answered.delete(key);
  }
}
