// Exponential backoff, the one implementation every retry loop in orch uses: the work
// queue's per-key retries, informer reconnects, the scheduler's pod backoff, the agent's
// container restarts and image pulls, `orch up`'s component restarts and the etcd watch
// reconnects. Each caller keeps its own numbers (a BackoffPolicy); the shape is shared:
//
//   delay(n) = min(maxMs, initialMs · factor^(n-1)), then ±jitter, for the n-th failure
//   in a row (n = 1, 2, ...); with immediateFirst the first retry is at once and the
//   sequence starts at the second (the kubelet's container restarts).
//
// A streak ends with reset() (a success), or by itself when the failed thing had run
// for resetAfterMs (a crash after a long healthy run starts over). Time is injected:
// wait() sleeps on the given clock, so tests advance a fake clock instead of sleeping.

import { realClock, type Clock } from './clock.js';

export interface BackoffPolicy {
  /** Delay after the first failure (ms). */
  initialMs: number;
  /** Cap of the delay (ms); jitter never exceeds it either. */
  maxMs: number;
  /** Growth per failure. Default 2. */
  factor?: number;
  /** Spread each delay uniformly over ±jitter of itself (0.2 = 80 %–120 %). Default 0. */
  jitter?: number;
  /** First retry at once, then initialMs, initialMs·factor, ... Default false. */
  immediateFirst?: boolean;
  /** A failure after running this long (ms) starts a new streak. Default: never. */
  resetAfterMs?: number;
}

/**
 * The delay before retrying after the n-th failure in a row (n ≥ 1; 0 for n < 1).
 * `random` in [0, 1) places the delay inside the jitter band.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const n = policy.immediateFirst ? failures - 1 : failures;
  if (!(n >= 1) || policy.initialMs <= 0) return 0;
  // factor^(n-1) overflows to Infinity for long streaks; min() caps it.
  const base = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** (n - 1));
  const jitter = policy.jitter ?? 0;
  return jitter > 0 ? Math.min(policy.maxMs, base * (1 - jitter + 2 * jitter * random())) : base;
}

export interface BackoffOptions {
  clock?: Clock;
  random?: () => number;
}

/** One failure streak (one connection, one supervised process). */
export class Backoff {
  private streak = 0;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(
    readonly policy: BackoffPolicy,
    opts: BackoffOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
  }

  /** Failures in the current streak. */
  get failures(): number {
    return this.streak;
  }

  /**
   * Count a failure and return the delay before the next try. ranForMs: how long the
   * failed thing ran; at least policy.resetAfterMs starts a new streak first.
   */
  next(ranForMs?: number): number {
    const reset = this.policy.resetAfterMs;
    if (reset !== undefined && ranForMs !== undefined && ranForMs >= reset) this.streak = 0;
    this.streak++;
    return backoffDelay(this.policy, this.streak, this.random);
  }

  /** A success: the next failure starts from the first delay again. */
  reset(): void {
    this.streak = 0;
  }

  /** next(), then sleep that long on the clock. Rejects when the signal aborts. */
  async wait(signal?: AbortSignal, ranForMs?: number): Promise<number> {
    const delay = this.next(ranForMs);
    await this.clock.sleep(delay, signal);
    return delay;
  }
}

/** A failure streak per key (the work queue's items, the agent's containers and images). */
export class KeyedBackoff<K = string> {
  private readonly streaks = new Map<K, number>();
  private readonly random: () => number;

  constructor(
    readonly policy: BackoffPolicy,
    opts: Pick<BackoffOptions, 'random'> = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  /** Failures in key's current streak. */
  failures(key: K): number {
    return this.streaks.get(key) ?? 0;
  }

  /** Count a failure of key and return the delay before its next try (see Backoff.next). */
  next(key: K, ranForMs?: number): number {
    const reset = this.policy.resetAfterMs;
    const before = reset !== undefined && ranForMs !== undefined && ranForMs >= reset ? 0 : this.failures(key);
    this.streaks.set(key, before + 1);
    return backoffDelay(this.policy, before + 1, this.random);
  }

  /** key succeeded (or is gone): its next failure starts a new streak. */
  forget(key: K): void {
    this.streaks.delete(key);
  }

  /** Forget every key the predicate selects (e.g. all containers of a deleted pod). */
  forgetWhere(pred: (key: K) => boolean): void {
    for (const k of this.streaks.keys()) if (pred(k)) this.streaks.delete(k);
  }
}
