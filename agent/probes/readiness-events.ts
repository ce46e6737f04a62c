// How many "Readiness probe failed" Events the agent writes. The kubelet records one per
// failed run and leaves the flood to its Event aggregation; an unready pod probed every
// second would then cost the API a write per second, and 100 of them 100 writes/s. orch
// writes at most one per container attempt every REPEAT_MS (the first failure is always
// written), and never more than BURST at once / one per REFILL_MS for the whole node.

import type { Clock } from '../../foundation/clock.js';

export const REPEAT_MS = 60_000;
const BURST = 20;
const REFILL_MS = 200;
/** Containers remembered at most (the oldest are forgotten first). */
const MAX_TRACKED = 4096;

export class ReadinessEvents {
  private readonly last = new Map<string, number>();
  private tokens = BURST;
  private updatedAt: number;

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    this.updatedAt = clock.now();
  }

  /** May a readiness failure Event be written for this container attempt now? */
  allow(containerId: string): boolean {
    const now = this.clock.now();
    const prev = this.last.get(containerId);
    if (prev !== undefined && now - prev < REPEAT_MS) return false;
    this.tokens = Math.min(BURST, this.tokens + (now - this.updatedAt) / REFILL_MS);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.last.delete(containerId);
    this.last.set(containerId, now);
    if (this.last.size > MAX_TRACKED) this.last.delete(this.last.keys().next().value!);
    return true;
  }
}
