// Time is injected so backoffs, grace periods and lease expiry are testable without waiting.

import { isoSeconds } from '../api/time.js';

export interface Clock {
  now(): number;
  /** Resolves after ms, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * `p`'s outcome, or `late()`'s when ms pass on the clock first (a `late` that throws
 * rejects). The timer is cancelled either way, so nothing is left sleeping.
 */
export async function raceClock<T, L>(clock: Clock, p: Promise<T>, ms: number, late: () => L): Promise<T | L> {
  const timer = new AbortController();
  const timedOut = clock.sleep(Math.max(0, ms), timer.signal).then(late, () => new Promise<never>(() => undefined));
  try {
    return await Promise.race([p, timedOut]);
  } finally {
    timer.abort();
  }
}

/** metav1.Time: RFC 3339 with whole seconds (defined in api/, where object semantics live). */
export { isoSeconds };

/** The clock's now as metav1.Time (isoSeconds). */
export function nowIso(clock: Pick<Clock, 'now'> = realClock): string {
  return isoSeconds(clock.now());
}
