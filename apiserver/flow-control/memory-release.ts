// Giving memory back once stalled watchers are gone. Their dropped backlogs are garbage,
// but V8 collects when the process allocates, and a server that just lost its load
// allocates little: the garbage, and the resident memory under it, can stay for minutes
// (measured with 200 stalled watches closing, RSS 30 s later: 158 MB without; 126 MB with
// one full GC 10 s after; 110 MB, idle was 92, with a second one 10 s after the first:
// V8 shrinks its young generation only at a collection that sees a low allocation rate).
// So when watch streams drop a lot of backlog, two full GCs follow, `delayMs` apart, the
// first `delayMs` after the drop that crossed the threshold (once for a burst of drops,
// at most every minIntervalMs).

import v8 from 'node:v8';
import vm from 'node:vm';
import type { Clock } from '../../foundation/clock.js';

export interface MemoryReleaseOptions {
  /** Backlog bytes dropped before a collection is worth it. */
  thresholdBytes: number;
  /** Wait after the drop that crossed the threshold (a burst of closes ends, the load calms down), and between the two collections. */
  delayMs: number;
  minIntervalMs: number;
}

export const DEFAULT_MEMORY_RELEASE: MemoryReleaseOptions = { thresholdBytes: 32 * 1024 * 1024, delayMs: 10_000, minIntervalMs: 60_000 };

export class MemoryRelease {
  private dropped = 0;
  private last = Number.NEGATIVE_INFINITY;
  private waiting: AbortController | undefined;

  constructor(
    private readonly collect: () => void,
    private readonly clock: Clock,
    private readonly opts: MemoryReleaseOptions = DEFAULT_MEMORY_RELEASE,
  ) {}

  /** Watch streams dropped `bytes` of backlog (expired, or their client went away). */
  noteDropped(bytes: number): void {
    this.dropped += bytes;
    if (this.dropped < this.opts.thresholdBytes || this.waiting) return;
    const wait = Math.max(this.opts.delayMs, this.last + this.opts.minIntervalMs - this.clock.now());
    const ac = new AbortController();
    this.waiting = ac;
    void (async () => {
      try {
        await this.clock.sleep(wait, ac.signal);
        this.dropped = 0;
        this.collect();
        await this.clock.sleep(this.opts.delayMs, ac.signal);
        this.collect();
        this.last = this.clock.now();
      } catch {
        return; // stopped
      }
      if (this.waiting === ac) this.waiting = undefined;
    })();
  }

  stop(): void {
    this.waiting?.abort();
    this.waiting = undefined;
  }
}

let gc: (() => void) | undefined;

/**
 * V8's full garbage collection. `--expose-gc` set at run time exposes gc() in contexts
 * created afterwards (not in the main one), so one small context hands it over.
 */
export function fullGc(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}
