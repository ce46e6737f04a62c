// How long the supervisor of `orch up` waits before restarting a component that exited:
// 1 s after the first crash, doubling per crash in a row up to 30 s, so a component that
// cannot start (a bad flag, a port taken) does not spin while one that crashed once is
// back at once. A run of at least resetAfterMs (60 s) counts as healthy: the next crash
// starts again at 1 s.

export interface CrashBackoffOptions {
  initialMs?: number;
  maxMs?: number;
  resetAfterMs?: number;
}

export class CrashBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  /** Crashes in a row (each after less than resetAfterMs of running). */
  private crashes = 0;

  constructor(opts: CrashBackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 30_000;
    this.resetAfterMs = opts.resetAfterMs ?? 60_000;
  }

  /** The delay before the restart that follows an exit after ranForMs of running. */
  next(ranForMs: number): number {
    if (ranForMs >= this.resetAfterMs) this.crashes = 0;
    const delay = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.crashes, 30));
    this.crashes++;
    return delay;
  }
}
