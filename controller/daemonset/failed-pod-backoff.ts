// The per-node backoff for failed daemon pods (Kubernetes' failedPodsBackoff): a pod the
// node keeps failing (an image that cannot be pulled, a port taken) is deleted and
// recreated after 1 s, 2 s, 4 s, ... up to 15 min, instead of in a hot loop. A key that
// has not failed for twice the maximum starts over.

export const INITIAL_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 15 * 60 * 1000;

interface Entry {
  delayMs: number;
  lastMs: number;
}

export class FailedPodBackoff {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly now: () => number) {}

  /** 0: delete the failed pod now (and the next failure waits longer); else ms left to wait. */
  holdOff(key: string): number {
    const now = this.now();
    const e = this.entries.get(key);
    if (e && now - e.lastMs > 2 * MAX_BACKOFF_MS) this.entries.delete(key);
    const cur = this.entries.get(key);
    if (cur && now - cur.lastMs < cur.delayMs) return cur.lastMs + cur.delayMs - now;
    this.entries.set(key, { delayMs: cur ? Math.min(cur.delayMs * 2, MAX_BACKOFF_MS) : INITIAL_BACKOFF_MS, lastMs: now });
    return 0;
  }

  /** Drops entries idle for long (a node or DaemonSet that went away). */
  gc(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (now - e.lastMs > 2 * MAX_BACKOFF_MS) this.entries.delete(k);
  }
}
