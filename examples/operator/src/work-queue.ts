// A small work queue in the manner of client-go's: a key waiting is held once however
// often it is added, a key is never handed to two workers at once (added again while in
// work, it runs once more afterwards), and a failed key is retried with per-key
// exponential backoff (500 ms doubling to 30 s), forgotten after a success.

export class WorkQueue {
  private readonly waiting = new Set<string>();
  private readonly busy = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private wake: (() => void) | undefined;
  private stopped = false;

  add(key: string): void {
    if (this.stopped) return;
    if (this.busy.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.waiting.add(key);
    this.wake?.();
  }

  addAfter(key: string, ms: number): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(key);
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** The key failed: try again after its backoff. */
  retry(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.addAfter(key, Math.min(500 * 2 ** (n - 1), 30_000));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Runs `work` for each key, one at a time, until stop(). */
  async run(work: (key: string) => Promise<void>): Promise<void> {
    while (!this.stopped) {
      const key = this.waiting.values().next().value as string | undefined;
      if (key === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      this.waiting.delete(key);
      this.busy.add(key);
      try {
        await work(key);
      } finally {
        this.busy.delete(key);
        if (this.dirty.delete(key)) this.add(key);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wake?.();
  }
}
