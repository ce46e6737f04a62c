// The one way tests wait for something: poll a check until it yields a value, or fail
// after timeoutMs saying what was awaited, how often it was checked, and the last error
// (or, with eventuallyMatch, the last value) seen. A check that returns undefined or false,
// or throws, means "not yet"; throwing GiveUp fails at once (the thing can no longer
// happen: a process died, a container exited).
//
// Without intervalMs the checks start 10 ms apart and slow down to 500 ms: a fast
// in-process condition is seen at once, a slow one (a container starting) costs few
// requests. Pass intervalMs when a check is expensive (a docker or CLI command).

export class GiveUp extends Error {}

export type Check<T> = () => T | undefined | false | Promise<T | undefined | false>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function preview(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 500 ? `${s.slice(0, 500)}…` : s;
}

export async function eventually<T>(what: string, check: Check<T>, timeoutMs = 60_000, intervalMs?: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = intervalMs ?? 10;
  let checks = 0;
  let lastErr: unknown;
  for (;;) {
    checks++;
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastErr = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(delay, left));
    if (intervalMs === undefined) delay = Math.min(500, delay * 2);
  }
  const why = lastErr === undefined ? '' : `; last error: ${lastErr instanceof Error ? lastErr.message : preview(lastErr)}`;
  throw new Error(`timed out after ${timeoutMs} ms (${checks} checks) waiting for ${what}${why}`);
}

/** Polls get() until ok(value); a timeout also shows the last value. Resolves to that value. */
export async function eventuallyMatch<T>(what: string, get: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000, intervalMs?: number): Promise<T> {
  let last: { v: T } | undefined;
  try {
    const hit = await eventually(
      what,
      async () => {
        const v = await get();
        last = { v };
        return ok(v) ? { v } : undefined;
      },
      timeoutMs,
      intervalMs,
    );
    return hit.v;
  } catch (err) {
    if (last && !(err instanceof GiveUp)) (err as Error).message += `; last value: ${preview(last.v)}`;
    throw err;
  }
}
