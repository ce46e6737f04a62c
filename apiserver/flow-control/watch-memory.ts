// One byte budget over all watch streams of a server. Each stream already has its own
// bounds (bytes and events unsent); this one bounds their sum, so 200 clients that stop
// reading cannot pin 200 × the per-stream bound. When the sum passes the budget, the
// streams holding the most (the oldest-stalled first among equals) are cut until it fits
// again: their backlog is dropped and they end with a 410 Expired, so their clients
// relist and resume.
//
// The sum counts each stream's own backlog, and streams share the encoded lines of the
// same event, so it is an upper bound of the memory really held: the budget is never
// exceeded, it may only cut a little early.

export interface BudgetedStream {
  /** Bytes queued for this stream that the client has not taken: what cutting it frees. */
  readonly heldBytes: number;
  /** Since when it could not write everything it has (clock ms), or undefined. */
  readonly stalledSince: number | undefined;
  /** Drop its backlog and end it. */
  cut(): void;
}

export interface WatchMemoryBudgetOptions {
  /** Where the check runs: after the current turn, so a burst is judged once, not per line. */
  schedule?: (fn: () => void) => void;
  /** Told of each stream cut, with what it held. */
  onCut?: (stream: BudgetedStream, heldBytes: number) => void;
  /** Told when streams drop backlog unsent (cut, expired, client gone): garbage to collect. */
  onDropped?: (bytes: number) => void;
}

export class WatchMemoryBudget {
  private held = 0;
  private readonly streams = new Set<BudgetedStream>();
  private scheduled = false;

  constructor(
    readonly maxBytes: number,
    private readonly opts: WatchMemoryBudgetOptions = {},
  ) {}

  get heldBytes(): number {
    return this.held;
  }

  get size(): number {
    return this.streams.size;
  }

  register(stream: BudgetedStream): () => void {
    this.streams.add(stream);
    return () => void this.streams.delete(stream);
  }

  /** A stream queued `bytes` more (negative: it handed them to the socket or dropped them). */
  change(bytes: number): void {
    this.held += bytes;
    if (this.held > this.maxBytes && !this.scheduled) {
      this.scheduled = true;
      (this.opts.schedule ?? ((fn) => void setImmediate(fn)))(() => this.enforce());
    }
  }

  /** A stream dropped `bytes` of backlog without sending them. */
  dropped(bytes: number): void {
    this.change(-bytes);
    if (bytes > 0) this.opts.onDropped?.(bytes);
  }

  /** Cut the biggest streams until the sum fits; returns how many were cut. */
  enforce(): number {
    this.scheduled = false;
    if (this.held <= this.maxBytes) return 0;
    const never = Number.POSITIVE_INFINITY;
    const victims = [...this.streams]
      .filter((s) => s.heldBytes > 0)
      .sort((a, b) => b.heldBytes - a.heldBytes || (a.stalledSince ?? never) - (b.stalledSince ?? never));
    let cut = 0;
    for (const s of victims) {
      if (this.held <= this.maxBytes) break;
      const bytes = s.heldBytes;
      s.cut();
      cut++;
      this.opts.onCut?.(s, bytes);
    }
    return cut;
  }
}
