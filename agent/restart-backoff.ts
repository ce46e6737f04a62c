// Restart (and image pull) backoff per key. Kubernetes keeps this in the kubelet's
// memory too: after an agent restart a crashing container gets one immediate retry, while
// restartCount (from Docker labels) is never lost.
//
// Sequence for consecutive failures: 0 (first restart immediate), 1 s, 2 s, 4 s, ...
// capped at maxMs (default 60 s: orch targets small clusters where a 5-minute wait, the
// Kubernetes cap, mostly hides recoveries). A container that ran at least resetAfterMs
// (default 10 min) before exiting starts the sequence again.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  resetAfterMs?: number;
}

interface Entry {
  failures: number;
  /** The exit (e.g. the exited container's id) this delay was computed for; asking again → same answer. */
  exit: string;
  delayMs: number;
}

export class RestartBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 1000;
    this.maxMs = opts.maxMs ?? 60_000;
    this.resetAfterMs = opts.resetAfterMs ?? 600_000;
  }

  /**
   * Delay (ms after the exit) before a container that exited (identified by `exit`) after
   * running ranForMs may be restarted. Idempotent per exit: reconciles may ask many times.
   */
  delayFor(key: string, exit: string, ranForMs: number): number {
    const e = this.entries.get(key);
    if (e && e.exit === exit) return e.delayMs;
    let failures = e && ranForMs < this.resetAfterMs ? e.failures : 0;
    const delayMs = failures === 0 ? 0 : Math.min(this.maxMs, this.initialMs * 2 ** (failures - 1));
    failures++;
    this.entries.set(key, { failures, exit, delayMs });
    return delayMs;
  }

  /** Milliseconds still to wait at nowMs (0 = restart now). */
  remaining(key: string, exit: string, exitAtMs: number, ranForMs: number, nowMs: number): number {
    return Math.max(0, exitAtMs + this.delayFor(key, exit, ranForMs) - nowMs);
  }

  /** Forget keys starting with prefix (a deleted pod). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
