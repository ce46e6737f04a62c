// A fixed-size ring of the most recent events of one prefix, in revision order, so a
// watcher starting from a recent revision is served from memory.

import type { StorageEvent } from './types.js';

export class EventRing {
  private readonly buf: (StorageEvent | undefined)[];
  private start = 0;
  private len = 0;

  constructor(readonly capacity: number) {
    if (capacity < 1) throw new Error('EventRing capacity must be at least 1');
    this.buf = new Array<StorageEvent | undefined>(capacity);
  }

  get length(): number {
    return this.len;
  }

  /** Appends ev (revisions must not decrease); returns the evicted oldest event, if any. */
  push(ev: StorageEvent): StorageEvent | undefined {
    if (this.len < this.capacity) {
      this.buf[(this.start + this.len) % this.capacity] = ev;
      this.len++;
      return undefined;
    }
    const evicted = this.buf[this.start];
    this.buf[this.start] = ev;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  private at(i: number): StorageEvent {
    return this.buf[(this.start + i) % this.capacity]!;
  }

  /** The buffered events with revision > rev, oldest first. */
  after(rev: number): StorageEvent[] {
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= rev) lo = mid + 1;
      else hi = mid;
    }
    const out: StorageEvent[] = [];
    for (let i = lo; i < this.len; i++) out.push(this.at(i));
    return out;
  }

  clear(): void {
    this.buf.fill(undefined);
    this.start = 0;
    this.len = 0;
  }
}
