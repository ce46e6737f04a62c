// Load shapes for benchmarks: N workers as fast as they go (throughput), and a paced
// open-loop writer (a fixed rate, whatever the latency), which is what "500 writes/s"
// means: a slow server must not quietly lower the offered load.

export interface PoolResult {
  done: number;
  errors: number;
  elapsedMs: number;
  firstError?: unknown;
}

/**
 * Run op(i) for i = 0, 1, 2, ... with `concurrency` workers until `total` ops are done or
 * `maxMs` has passed (ops already started finish). Errors are counted, not thrown.
 */
export async function runPool(opts: { concurrency: number; total: number; maxMs: number }, op: (i: number) => Promise<void>): Promise<PoolResult> {
  const start = performance.now();
  let next = 0;
  let done = 0;
  let errors = 0;
  let firstError: unknown;
  const worker = async () => {
    while (next < opts.total && performance.now() - start < opts.maxMs) {
      const i = next++;
      try {
        await op(i);
        done++;
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { done, errors, elapsedMs: performance.now() - start, firstError };
}

/**
 * Start op(i) at `ratePerSec` for `durationMs`, with at most maxInFlight outstanding.
 * If the server cannot keep up, the offered rate drops and the result says so; offering
 * stops `graceMs` after the planned end either way, so a slow server cannot stretch a
 * 10 s phase into minutes.
 */
export async function runPaced(
  opts: { ratePerSec: number; durationMs: number; maxInFlight: number; graceMs?: number },
  op: (i: number) => Promise<void>,
): Promise<PoolResult & { offered: number }> {
  const stopAt = opts.durationMs + (opts.graceMs ?? 2000);
  const start = performance.now();
  let started = 0;
  let done = 0;
  let errors = 0;
  let inFlight = 0;
  let firstError: unknown;
  const running = new Set<Promise<void>>();
  const total = Math.floor((opts.ratePerSec * opts.durationMs) / 1000);
  while (started < total && performance.now() - start < stopAt) {
    const due = Math.min(total, Math.floor(((performance.now() - start) * opts.ratePerSec) / 1000) + 1);
    while (started < due && inFlight < opts.maxInFlight) {
      const i = started++;
      inFlight++;
      const p: Promise<void> = op(i)
        .then(() => void done++, (err: unknown) => { errors++; firstError ??= err; })
        .finally(() => { inFlight--; running.delete(p); });
      running.add(p);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(running);
  return { done, errors, elapsedMs: performance.now() - start, firstError, offered: started };
}
