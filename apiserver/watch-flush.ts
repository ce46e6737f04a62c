// Watch streams write through a CoalescingWriter: the lines of events that arrive in one
// turn of the event loop leave as one write per stream, at the end of that turn
// (setImmediate runs right after the I/O callbacks that delivered them). Why: with 100
// watchers, every etcd event is 100 socket writes, and on loopback each write syscall
// also pays for the receiving side's TCP work. Under load several events land in the
// same turn and share one syscall per watcher; when idle, an event goes out in the same
// turn it arrived, so nothing waits for a timer.
//
// Lines are Buffers, encoded once per event and shared by every stream (see eventLine in
// watch.ts), so a flush copies nothing per watcher beyond the kernel's own copy.

import type { ServerResponse } from 'node:http';

const dirty = new Set<CoalescingWriter>();
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const writers = [...dirty];
  dirty.clear();
  for (const w of writers) w.flush();
}

export class CoalescingWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(private readonly res: ServerResponse) {}

  /** Queue one line; it is written at the end of this event-loop turn. */
  write(line: Buffer): void {
    if (this.closed) return;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (!dirty.has(this)) {
      dirty.add(this);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushAll);
      }
    }
  }

  /** Bytes queued here and in the socket's own buffer (what a slow reader has not taken). */
  get bufferedBytes(): number {
    return this.pendingBytes + this.res.writableLength;
  }

  /** True while the socket's buffer is over its high-water mark: stop producing until 'drain'. */
  get full(): boolean {
    return this.res.writableNeedDrain;
  }

  flush(): void {
    dirty.delete(this);
    if (this.closed || this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    // One res.write per line, not one concatenated chunk: node corks the socket for the
    // rest of the tick, so they still leave in one writev, and the lines stay the Buffers
    // shared by every watcher. A slow reader's backlog then costs references, not a
    // private copy of every event per watcher.
    for (const line of lines) this.res.write(line);
  }

  /** Write what is queued now, then stop accepting lines (before res.end()). */
  close(): void {
    this.flush();
    this.closed = true;
  }

  /** Drop what is queued (the stream is being destroyed). */
  discard(): void {
    dirty.delete(this);
    this.pending = [];
    this.pendingBytes = 0;
    this.closed = true;
  }
}
