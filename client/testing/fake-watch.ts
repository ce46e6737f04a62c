// The in-memory watch of FakeClient: an async queue fed by the fake store. Events are
// delivered asynchronously (as over HTTP), in order; stop() ends iteration; fail() makes
// the iterator throw (a simulated connection loss).

import type { KubeObject, WatchEvent } from '../../api/types.js';
import type { Watch } from '../types.js';

export class FakeWatch<T extends KubeObject> implements Watch<T> {
  private queue: WatchEvent<T>[] = [];
  private wake?: () => void;
  private ended = false;
  private error?: Error;

  constructor(private readonly onStop: (w: FakeWatch<T>) => void) {}

  push(ev: WatchEvent<T>): void {
    if (this.ended) return;
    this.queue.push(ev);
    this.wake?.();
  }

  /** End the stream normally after queued events (like a server-side timeout). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onStop(this);
    this.wake?.();
  }

  /** Make the iterator throw after queued events (a dropped connection). */
  fail(err: Error): void {
    if (this.ended) return;
    this.error = err;
    this.end();
  }

  stop(): void {
    this.queue = [];
    this.end();
  }

  get isStopped(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield structuredClone(next);
        continue;
      }
      if (this.ended) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
