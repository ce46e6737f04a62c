// One watcher of the hub: a bounded queue between the etcd feed and the caller's
// handlers, so a slow consumer is cut off (410, relist) instead of growing memory.
//
// Backpressure: StorageWatchHandlers.onEvent is typed `void`, but if it returns a
// promise (e.g. "resolves when the socket drained"), delivery pauses until it settles.
// Events queue up meanwhile; past maxQueue the subscriber is dropped.
//
// Events are shared between all subscribers of a prefix: handlers must treat
// ev.object / ev.prevObject as read-only (copy before changing anything).

import { errors, type ApiError } from '../../api/errors.js';
import type { Logger } from '../../foundation/logger.js';
import type { StorageEvent, StorageWatchHandlers } from './types.js';

type Item = StorageEvent | { error: ApiError };

export class WatchSubscriber {
  /** Revision of the last event put in the queue (starts at the watch's fromRevision). */
  lastQueued: number;
  /** Revision of the last event handed to onEvent. */
  lastDelivered: number;
  closed = false;
  /** Whether any event was delivered since the last progress tick. */
  activeSinceTick = false;
  private items: Item[] = [];
  private head = 0;
  private draining = false;
  private waiting = false;

  constructor(
    readonly id: number,
    readonly fromRevision: number,
    private readonly handlers: StorageWatchHandlers,
    private readonly maxQueue: number,
    private readonly log: Logger,
    private readonly onClosed: (s: WatchSubscriber) => void,
  ) {
    this.lastQueued = fromRevision;
    this.lastDelivered = fromRevision;
  }

  get queued(): number {
    return this.items.length - this.head;
  }

  /** Idle = nothing queued and no handler promise pending: progress may be reported. */
  get idle(): boolean {
    return this.queued === 0 && !this.waiting;
  }

  wantsProgress(): boolean {
    return typeof this.handlers.onProgress === 'function';
  }

  /**
   * Queues events newer than what this subscriber already has (`events` holds whole
   * revisions, in order). A subscriber whose
   * backlog is already at maxQueue is dropped; one that keeps up is never dropped just
   * because etcd handed over a big batch at once (memory: maxQueue + one batch).
   */
  push(events: readonly StorageEvent[]): void {
    if (this.closed) return;
    if (this.queued >= this.maxQueue && events.some((ev) => ev.revision > this.lastQueued)) {
      this.log.info({ sub: this.id, queued: this.queued }, 'watcher too slow; dropped');
      this.failNow(tooSlow());
      return;
    }
    // Compared with where this batch starts, not event by event: one revision can carry
    // several events (a transaction over several keys, a lease expiry deleting every key
    // attached to it), and a batch always holds whole revisions.
    const after = this.lastQueued;
    let added = false;
    for (const ev of events) {
      if (ev.revision <= after) continue;
      this.items.push(ev);
      this.lastQueued = ev.revision;
      added = true;
    }
    if (!added) return;
    this.schedule();
  }

  /** Ends the subscription after the events already queued. */
  fail(err: ApiError): void {
    if (this.closed) return;
    this.items.push({ error: err });
    this.schedule();
  }

  /** Ends the subscription at once, dropping what is queued. */
  failNow(err: ApiError): void {
    if (this.closed) return;
    this.items = [];
    this.head = 0;
    this.close();
    try {
      this.handlers.onError(err);
    } catch (e) {
      this.log.warn({ err: e }, 'watch onError handler threw');
    }
  }

  progress(revision: number): void {
    if (this.closed || !this.handlers.onProgress) return;
    try {
      this.handlers.onProgress(revision);
    } catch (e) {
      this.log.warn({ err: e }, 'watch onProgress handler threw');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.onClosed(this);
  }

  private schedule(): void {
    if (this.draining || this.waiting) return;
    this.draining = true;
    queueMicrotask(() => this.drain());
  }

  private drain(): void {
    this.draining = false;
    while (!this.closed && this.head < this.items.length) {
      const item = this.items[this.head]!;
      this.items[this.head++] = undefined as unknown as Item; // let it be collected
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      if ('error' in item) {
        this.close();
        try {
          this.handlers.onError(item.error);
        } catch (e) {
          this.log.warn({ err: e }, 'watch onError handler threw');
        }
        return;
      }
      this.lastDelivered = item.revision;
      this.activeSinceTick = true;
      let r: unknown;
      try {
        r = this.handlers.onEvent(item);
      } catch (e) {
        // The consumer is broken: end its watch (with an error it can report) rather
        // than skip an event silently.
        this.log.warn({ err: e }, 'watch onEvent handler threw; watcher closed');
        this.failNow(errors.internal(`watch event handler failed: ${(e as Error).message}`));
        return;
      }
      if (r && typeof (r as PromiseLike<unknown>).then === 'function') {
        this.waiting = true;
        (r as PromiseLike<unknown>).then(
          () => {
            this.waiting = false;
            if (!this.closed) this.schedule();
          },
          () => {
            this.waiting = false;
            this.close();
          },
        );
        return;
      }
    }
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
  }
}

function tooSlow(): ApiError {
  return errors.expired('watcher too slow, relist');
}
