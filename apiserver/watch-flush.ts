// Watch streams write through a CoalescingWriter: the lines of events that arrive in one
// turn of the event loop leave as one write per stream, at the end of that turn
// (setImmediate runs right after the I/O callbacks that delivered them). Why: with 100
// watchers, every etcd event is 100 socket writes, and on loopback each write syscall
// also pays for the receiving side's TCP work. Under load several events land in the
// same turn and share one syscall per watcher; when idle, an event goes out in the same
// turn it arrived, so nothing waits for a timer.
//
// The writer is also the stream's backlog: it hands lines to the socket only while the
// socket takes them (below its high-water mark) and keeps the rest until 'drain'. So
// what a slow client has not taken is counted here, in bytes and lines, where the
// per-stream bounds (watch.ts) and the server-wide budget (flow-control/watch-memory.ts)
// can see it, instead of piling up as events in the storage's queue.
//
// Lines are Buffers, encoded once per event and shared by every stream (see eventLine in
// watch.ts), so a backlog costs references, not a private copy of every event per watcher.

import type { ServerResponse } from 'node:http';
import type { BudgetedStream } from './flow-control/watch-memory.js';

const dirty = new Set<CoalescingWriter>();
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const writers = [...dirty];
  dirty.clear();
  for (const w of writers) w.flush();
}

/** The server-wide byte budget the writer reports its backlog to. */
export interface WriterBudget {
  register(stream: BudgetedStream): () => void;
  change(bytes: number): void;
  dropped(bytes: number): void;
}

export interface CoalescingWriterOptions {
  budget?: WriterBudget;
  /** Called when the budget picks this stream to be cut (it should drop its backlog and end). */
  onCut?: () => void;
  now?: () => number;
}

export class CoalescingWriter implements BudgetedStream {
  private pending: Array<Buffer | undefined> = [];
  private head = 0;
  private pendingBytes = 0;
  private closed = false;
  private waitingDrain = false;
  private since: number | undefined;
  private readonly unregister: () => void;
  private readonly onDrain = () => {
    this.waitingDrain = false;
    this.flush();
  };

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: CoalescingWriterOptions = {},
  ) {
    this.unregister = opts.budget ? opts.budget.register(this) : () => undefined;
  }

  /** Queue one line; it is written at the end of this event-loop turn (or after 'drain'). */
  write(line: Buffer): void {
    if (this.closed) return;
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.opts.budget?.change(line.length);
    if (this.waitingDrain || dirty.has(this)) return;
    dirty.add(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushAll);
    }
  }

  /** Bytes queued here and in the socket's own buffer (what a slow reader has not taken). */
  get bufferedBytes(): number {
    return this.pendingBytes + this.res.writableLength;
  }

  /** Lines queued here, not yet handed to the socket. */
  get queuedLines(): number {
    return this.pending.length - this.head;
  }

  /** The backlog held here (BudgetedStream). */
  get heldBytes(): number {
    return this.pendingBytes;
  }

  /** Since when the socket has not taken everything (BudgetedStream). */
  get stalledSince(): number | undefined {
    return this.since;
  }

  cut(): void {
    this.opts.onCut?.();
  }

  flush(): void {
    dirty.delete(this);
    if (this.closed || this.waitingDrain) return;
    this.writeOut(false);
  }

  /**
   * Hand queued lines to the socket while it is below its high-water mark (all of them
   * when `all`); the rest waits for 'drain'. One res.write per line, not one concatenated chunk: node corks the socket
   * for the rest of the tick, so they still leave in one writev, and the lines stay the
   * Buffers shared by every watcher.
   */
  private writeOut(all: boolean): void {
    let written = 0;
    while (this.head < this.pending.length && (all || !this.res.writableNeedDrain)) {
      const line = this.pending[this.head]!;
      this.pending[this.head++] = undefined;
      written += line.length;
      this.res.write(line);
    }
    this.pendingBytes -= written;
    this.opts.budget?.change(-written);
    if (this.head === this.pending.length) {
      this.pending = [];
      this.head = 0;
      this.since = undefined;
    } else {
      this.since ??= (this.opts.now ?? Date.now)();
      this.waitingDrain = true;
      this.res.once('drain', this.onDrain);
    }
  }

  /** Forget the backlog (the stream is being expired); the writer stays open for a last line. */
  drop(): void {
    this.opts.budget?.dropped(this.pendingBytes);
    this.pending = [];
    this.head = 0;
    this.pendingBytes = 0;
    this.since = undefined;
  }

  /** Write everything queued now, then stop accepting lines (before res.end()). */
  close(): void {
    if (this.closed) return;
    dirty.delete(this);
    this.res.off('drain', this.onDrain);
    this.waitingDrain = false;
    this.writeOut(true);
    this.stop();
  }

  /** Drop what is queued (the stream is being destroyed). */
  discard(): void {
    if (this.closed) return;
    dirty.delete(this);
    this.res.off('drain', this.onDrain);
    this.drop();
    this.stop();
  }

  private stop(): void {
    this.closed = true;
    this.unregister();
  }
}
