// Watch fan-out: ONE etcd watch per prefix (a "feed"), shared by every subscriber of
// that prefix, created with the first subscriber and cancelled when the last one leaves.
//
// Exactness, per subscriber starting after revision F (events strictly after F, in
// order, each once):
//   - The feed keeps the last `bufferSize` events in a ring. `floor` is a revision such
//     that every event after it is in the ring (or still to come); `last` is the
//     revision up to which the feed has processed etcd's stream.
//   - F >= floor: the subscriber gets ring events after F, then live events. Both come
//     from the same single-threaded feed, so nothing falls in between.
//   - F < floor (older than memory): the subscriber gets its own etcd watch from F+1
//     (etcd replays history, or cancels it when F was compacted → 410). As soon as that
//     dedicated watch has delivered up to a revision >= floor, it is cancelled and the
//     subscriber continues from the ring after that revision: a gapless handover.
//   - F = 0 means "from now": after the feed's `last` (the HTTP layer lists first and
//     then watches from the list revision, so it never relies on this).
//   - A new feed starts at its first subscriber's F (capped at the current revision;
//     the current revision for F=0), so the usual list-then-watch needs no dedicated
//     watch.
//   - If etcd refuses a feed's start revision (compacted) before it delivered anything,
//     the subscribers at or below it get 410 and the feed re-opens at the oldest
//     position of the others: one stale client does not make every other one relist.
// Feeds and dedicated watches resume exactly across etcd outages (etcd-prefix-watch.ts);
// if etcd cannot resume them (compacted meanwhile), their subscribers get 410.
//
// Progress (for BOOKMARKs): every progressIntervalMs, an idle subscriber (queue empty,
// no event since the last tick) with onProgress gets max(its last event, feed.last).
// Both are revisions up to which it has received every event, so a BOOKMARK can never
// run ahead of an undelivered event.

import type { Etcd3 } from 'etcd3';
import { errors, type ApiError } from '../../api/errors.js';
import type { Logger } from '../../foundation/logger.js';
import { toApiError } from './etcd-errors.js';
import { EtcdPrefixWatch } from './etcd-prefix-watch.js';
import type { ValueTransformer } from './encryption/transformer.js';
import { EventRing } from './event-ring.js';
import type { StorageEvent, StorageWatcher, StorageWatchHandlers } from './types.js';
import { WatchSubscriber } from './watch-subscriber.js';

export interface WatchHubOptions {
  /** Recent events kept in memory per prefix. Default 2048. */
  bufferSize?: number;
  /** Events queued per subscriber before it is dropped as too slow. Default 10,000. */
  maxQueue?: number;
  /** How often idle subscribers get onProgress. Default 1000 ms. */
  progressIntervalMs?: number;
  /** Decrypts stored values (--encryption-provider-config); set by EtcdStorage. */
  transformer?: ValueTransformer;
}

class Feed {
  /** Everybody holding the feed alive: attached, pending and dedicated subscribers. */
  readonly members = new Set<WatchSubscriber>();
  /** Subscribers served by the shared watch. */
  readonly attached = new Set<WatchSubscriber>();
  /** Subscribers waiting for the feed's start revision. */
  readonly pending: WatchSubscriber[] = [];
  /** Subscribers catching up on their own etcd watch. */
  readonly dedicated = new Map<WatchSubscriber, EtcdPrefixWatch>();
  readonly ring: EventRing;
  floor = 0;
  last = 0;
  running = false;
  closed = false;
  watch?: EtcdPrefixWatch;

  constructor(
    readonly prefix: string,
    bufferSize: number,
  ) {
    this.ring = new EventRing(bufferSize);
  }
}

export class WatchHub {
  private readonly feeds = new Map<string, Feed>();
  private readonly bufferSize: number;
  private readonly maxQueue: number;
  private readonly progressMs: number;
  private readonly transformer?: ValueTransformer;
  private timer?: NodeJS.Timeout;
  private nextId = 1;
  private closed = false;
  /** Cancellations started by close(), awaited so the etcd client closes after them. */
  private readonly cancelling = new Set<Promise<void>>();

  constructor(
    private readonly client: Etcd3,
    private readonly currentRevision: () => Promise<number>,
    private readonly log: Logger,
    opts: WatchHubOptions = {},
  ) {
    this.bufferSize = opts.bufferSize ?? 2048;
    this.maxQueue = opts.maxQueue ?? 10_000;
    this.progressMs = opts.progressIntervalMs ?? 1000;
    this.transformer = opts.transformer;
  }

  /** `etcdPrefix` is the full etcd key prefix, ending with '/'. */
  watch(etcdPrefix: string, fromRevision: number, handlers: StorageWatchHandlers): StorageWatcher {
    const from = Number.isFinite(fromRevision) && fromRevision > 0 ? Math.floor(fromRevision) : 0;
    if (this.closed) {
      const sub = new WatchSubscriber(this.nextId++, from, handlers, this.maxQueue, this.log, () => undefined);
      sub.fail(errors.unavailable('storage is closed'));
      return { close: () => sub.close() };
    }
    let feed = this.feeds.get(etcdPrefix);
    const created = !feed;
    if (!feed) {
      feed = new Feed(etcdPrefix, this.bufferSize);
      this.feeds.set(etcdPrefix, feed);
    }
    const f = feed;
    const sub = new WatchSubscriber(this.nextId++, from, handlers, this.maxQueue, this.log, (s) => this.leave(f, s));
    f.members.add(sub);
    if (f.running) {
      this.attach(f, sub);
    } else {
      f.pending.push(sub);
      if (created) void this.startFeed(f, from);
    }
    this.ensureTimer();
    return { close: () => sub.close() };
  }

  private async startFeed(feed: Feed, from: number): Promise<void> {
    // Start at the first subscriber's revision, but never in the future: a bogus huge
    // resourceVersion must not push the shared floor past everyone else's start point.
    let start = from;
    let now = 0;
    try {
      now = await this.currentRevision();
      // Subscribers that arrived meanwhile count too: start at the oldest given one.
      const froms = feed.pending.map((sub) => sub.fromRevision).filter((r) => r > 0);
      start = Math.min(now, ...froms);
    } catch (err) {
      // etcd is down: "from now" cannot be known (503 for those watchers); a given
      // revision can still be watched from, and etcd3 connects the watch when etcd returns.
      const apiErr = toApiError(err);
      const keep = feed.pending.filter((sub) => sub.fromRevision > 0);
      if (feed.closed) return;
      if (keep.length === 0) {
        this.failFeed(feed, apiErr);
        return;
      }
      for (const sub of feed.pending) if (sub.fromRevision === 0) sub.fail(apiErr);
      feed.pending.splice(0, feed.pending.length, ...keep);
      start = Math.min(...keep.map((sub) => sub.fromRevision));
    }
    if (feed.closed) return;
    this.openFeedWatch(feed, start);
    feed.running = true;
    const pending = feed.pending.splice(0);
    // "From now" for those waiting is the revision read above, not the (older) start.
    for (const sub of pending) this.attach(feed, sub, Math.max(now, start));
    this.log.debug({ prefix: feed.prefix, start }, 'watch feed started');
  }

  /** Opens (or re-opens) the feed's shared etcd watch for events after `start`. */
  private openFeedWatch(feed: Feed, start: number): void {
    feed.floor = start;
    feed.last = start;
    const w: EtcdPrefixWatch = new EtcdPrefixWatch(
      this.client,
      feed.prefix,
      start,
      {
        onEvents: (evs) => this.onFeedEvents(feed, evs),
        onProgress: (rev) => {
          if (rev > feed.last) feed.last = rev;
        },
        onError: (err) => this.feedWatchEnded(feed, w, start, err),
      },
      this.log.child({ feed: feed.prefix }),
      this.transformer,
    );
    feed.watch = w;
  }

  /**
   * The feed's etcd watch ended. When etcd refused its start revision (compacted) before
   * anything was delivered, only the subscribers at or below that revision are stale:
   * they get 410 and the feed re-opens for the others at the oldest of their positions.
   * A stale client that happened to start a feed must not make every client that joined
   * it relist: at an apiserver's start, with informers and stale clients reconnecting at
   * once, that turned a few stale watches into a relist storm. A watch that ended after
   * delivering something ends the feed for everyone (their positions are behind it).
   */
  private feedWatchEnded(feed: Feed, w: EtcdPrefixWatch, start: number, err: ApiError): void {
    if (feed.closed || feed.watch !== w) return;
    const keep = [...feed.attached].filter((sub) => sub.lastQueued > start);
    if (w.last !== start || feed.ring.length > 0 || keep.length === 0) {
      this.failFeed(feed, err);
      return;
    }
    for (const sub of [...feed.attached]) {
      if (sub.lastQueued > start) continue;
      feed.attached.delete(sub);
      sub.fail(err);
    }
    // Strictly after `start`, so repeated refusals always make progress.
    const next = Math.min(...keep.map((sub) => sub.lastQueued));
    this.log.info({ prefix: feed.prefix, refused: start, next, kept: keep.length }, 'watch feed start refused by etcd; re-opened for the watchers after it');
    this.openFeedWatch(feed, next);
  }

  private attach(feed: Feed, sub: WatchSubscriber, now = feed.last): void {
    if (sub.closed) return;
    if (sub.fromRevision === 0) {
      // Events up to `now` are not for this subscriber; push() skips them.
      sub.lastQueued = now;
      sub.lastDelivered = now;
      feed.attached.add(sub);
    } else if (sub.fromRevision >= feed.floor) {
      feed.attached.add(sub);
      sub.push(feed.ring.after(sub.fromRevision));
    } else {
      this.startDedicated(feed, sub);
    }
  }

  private startDedicated(feed: Feed, sub: WatchSubscriber): void {
    const w = new EtcdPrefixWatch(
      this.client,
      feed.prefix,
      sub.fromRevision,
      {
        onEvents: (evs) => {
          sub.push(evs);
          this.tryHandover(feed, sub);
        },
        onProgress: () => this.tryHandover(feed, sub),
        onError: (err) => {
          feed.dedicated.delete(sub);
          sub.fail(err);
        },
      },
      this.log.child({ feed: feed.prefix, sub: sub.id }),
      this.transformer,
    );
    feed.dedicated.set(sub, w);
  }

  /** Moves a caught-up dedicated subscriber onto the shared feed (see the top comment). */
  private tryHandover(feed: Feed, sub: WatchSubscriber): void {
    const w = feed.dedicated.get(sub);
    if (!w || !feed.running || feed.closed || sub.closed) return;
    if (w.last < feed.floor) return;
    void w.cancel();
    feed.dedicated.delete(sub);
    feed.attached.add(sub);
    sub.push(feed.ring.after(w.last));
    this.log.debug({ prefix: feed.prefix, sub: sub.id, at: w.last }, 'watcher handed over to shared feed');
  }

  private onFeedEvents(feed: Feed, evs: StorageEvent[]): void {
    for (const ev of evs) {
      const evicted = feed.ring.push(ev);
      if (evicted) feed.floor = evicted.revision;
    }
    const last = evs[evs.length - 1]!.revision;
    if (last > feed.last) feed.last = last;
    for (const sub of feed.attached) sub.push(evs);
  }

  /** The shared watch ended: everyone relists. A later subscriber starts a new feed. */
  private failFeed(feed: Feed, err: ApiError): void {
    if (feed.closed) return;
    feed.closed = true;
    feed.running = false;
    if (this.feeds.get(feed.prefix) === feed) this.feeds.delete(feed.prefix);
    const cancels = [feed.watch?.cancel(), ...[...feed.dedicated.values()].map((w) => w.cancel())];
    if (this.closed) for (const c of cancels) if (c) this.cancelling.add(c);
    feed.dedicated.clear();
    const subs = [...feed.members];
    feed.attached.clear();
    feed.pending.length = 0;
    feed.ring.clear();
    for (const sub of subs) sub.fail(err);
    this.log.info({ prefix: feed.prefix, err }, 'watch feed ended');
  }

  private leave(feed: Feed, sub: WatchSubscriber): void {
    feed.members.delete(sub);
    feed.attached.delete(sub);
    const i = feed.pending.indexOf(sub);
    if (i >= 0) feed.pending.splice(i, 1);
    const w = feed.dedicated.get(sub);
    if (w) {
      void w.cancel();
      feed.dedicated.delete(sub);
    }
    if (feed.members.size === 0 && !feed.closed) {
      feed.closed = true;
      feed.running = false;
      void feed.watch?.cancel();
      feed.ring.clear();
      if (this.feeds.get(feed.prefix) === feed) this.feeds.delete(feed.prefix);
      this.log.debug({ prefix: feed.prefix }, 'watch feed closed (no subscribers)');
    }
    if (this.feeds.size === 0) this.stopTimer();
  }

  private ensureTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.tick(), this.progressMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    for (const feed of this.feeds.values()) {
      if (!feed.running) continue;
      for (const sub of feed.attached) {
        if (sub.wantsProgress() && sub.idle && !sub.activeSinceTick) {
          const rev = Math.max(sub.lastQueued, feed.last);
          if (rev > 0) sub.progress(rev);
        }
        sub.activeSinceTick = false;
      }
      for (const [sub, w] of feed.dedicated) {
        if (sub.wantsProgress() && sub.idle && !sub.activeSinceTick) {
          const rev = Math.max(sub.lastQueued, w.last);
          if (rev > 0) sub.progress(rev);
        }
        sub.activeSinceTick = false;
      }
    }
  }

  stats(): { feeds: number; subscribers: number; dedicated: number } {
    let subscribers = 0;
    let dedicated = 0;
    for (const f of this.feeds.values()) {
      subscribers += f.members.size;
      dedicated += f.dedicated.size;
    }
    return { feeds: this.feeds.size, subscribers, dedicated };
  }

  /** Ends every subscription with 503 and cancels every etcd watch. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimer();
    for (const feed of [...this.feeds.values()]) this.failFeed(feed, errors.unavailable('storage is closing'));
    this.feeds.clear();
    // Let etcd confirm the cancellations (bounded: etcd may be gone already).
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.cancelling), new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
    clearTimeout(timer);
    this.cancelling.clear();
  }
}
