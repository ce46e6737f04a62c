// One etcd watch on a key prefix that never loses or repeats an event across etcd
// reconnects, turning etcd's raw events into StorageEvents.
//
// Why not trust etcd3's own resume: its Watcher sets the resume point to the *header*
// revision of the last response + 1, and the header of a watch response is the store's
// current revision, not the revision of the events in it. While a watch is replaying
// history, or right after creation, that point is ahead of what was delivered, so a
// reconnect would skip events. We track the revision of the last event we handed on
// and rewrite the resume point on every disconnect, before etcd3 re-creates the watch.

import type { Etcd3, IEvent, IKeyValue, IWatchResponse, Watcher } from 'etcd3';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../foundation/logger.js';
import { decodeObject, stampResourceVersion } from './codec.js';
import type { StorageEvent } from './types.js';
import type { ValueTransformer } from './encryption/transformer.js';

export interface PrefixWatchCallbacks {
  /** The events of one etcd response, all after everything delivered before, in order. */
  onEvents(events: StorageEvent[]): void;
  /** etcd says everything up to revision was sent (progress notification). */
  onProgress(revision: number): void;
  /** The watch is over (compacted start point or cancelled by etcd). Called once. */
  onError(err: ApiError): void;
}

export class EtcdPrefixWatch {
  /** Revision of the last event (or progress notification) delivered. */
  last: number;
  private readonly watcher: Watcher;
  private readonly prefix: string;
  private done = false;
  private cancelled?: Promise<void>;

  constructor(
    client: Etcd3,
    prefix: string,
    /** Deliver events strictly after this revision. */
    afterRevision: number,
    private readonly cb: PrefixWatchCallbacks,
    private readonly log: Logger,
    /** Decrypts values; an event whose value cannot be decrypted is skipped (logged once by it). */
    private readonly transformer?: ValueTransformer,
  ) {
    this.prefix = prefix;
    this.last = afterRevision;
    const requested = afterRevision;
    this.watcher = client.watch().prefix(prefix).withPreviousKV().startRevision(String(afterRevision + 1)).watcher();
    // No listener may throw: etcd3 rethrows a 'data' listener's error on the next tick
    // (uncaught, the process dies) and an 'error' listener's error in the middle of its
    // own bookkeeping. A failure in our callbacks ends this one watch instead.
    this.watcher.on('data', (res: IWatchResponse) => this.guard(() => this.onData(res)));
    this.watcher.on('disconnected', (err: Error) => {
      // Resume exactly after what was delivered (see the comment at the top).
      this.watcher.request.start_revision = this.last + 1;
      this.log.debug({ prefix, resumeFrom: this.last + 1, err }, 'etcd watch disconnected; will resume');
    });
    this.watcher.on('error', (err: Error) =>
      this.guard(() => {
        if (this.done) return;
        this.done = true;
        this.log.info({ prefix, last: this.last, err }, 'etcd watch cancelled');
        // etcd cancels a watch when its start revision was compacted; either way the
        // caller cannot get an exact stream any more: 410 makes clients relist.
        const from = this.last === requested ? requested : this.last;
        const reason = err.message.replace(/^Watcher canceled:\s*/, '').trim();
        this.cb.onError(errors.expired(`too old resource version: ${from}${reason ? ` (${reason})` : ''}`));
      }),
    );
  }

  /** Runs a listener body; if our side throws, this watch ends with an error its watchers see. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, prefix: this.prefix, last: this.last }, 'etcd watch callback failed; ending this watch');
      const wasDone = this.done;
      void this.cancel();
      if (wasDone) return;
      try {
        // Not 410: nothing is too old. Clients watch again from their last resourceVersion.
        this.cb.onError(errors.internal(`watch failed: ${(err as Error).message}`));
      } catch (again) {
        this.log.error({ err: again }, 'etcd watch error callback failed');
      }
    }
  }

  private onData(res: IWatchResponse): void {
    if (this.done) return;
    if (res.events.length === 0) {
      // A progress notification: every event up to header.revision has been sent.
      const rev = Number(res.header.revision);
      if (rev > this.last) {
        this.last = rev;
        this.cb.onProgress(rev);
      }
      return;
    }
    const out: StorageEvent[] = [];
    for (const ev of res.events) {
      const rev = Number(ev.kv.mod_revision);
      if (rev <= this.last) continue; // never twice, even if etcd replays on resume
      const sev = this.toStorageEvent(ev, rev);
      if (sev) out.push(sev);
    }
    const lastRev = Number(res.events[res.events.length - 1]!.kv.mod_revision);
    if (lastRev > this.last) this.last = lastRev;
    if (out.length > 0) this.cb.onEvents(out);
  }

  private toStorageEvent(ev: IEvent, rev: number): StorageEvent | undefined {
    const key = ev.kv.key.toString('utf8');
    const keyInPrefix = key.startsWith(this.prefix) ? key.slice(this.prefix.length) : undefined;
    let prevKv: IKeyValue | undefined = ev.prev_kv;
    if (this.transformer) {
      // An undecryptable previous value is no "before" state; an undecryptable new value
      // skips the event for every watcher (get and list answer 500 for that object).
      if (prevKv) prevKv = this.opened(prevKv);
      if (ev.type !== 'Delete') {
        const kv = this.opened(ev.kv);
        if (!kv) return undefined;
        ev = { ...ev, kv };
      }
    }
    if (ev.type === 'Delete') {
      // Kubernetes: a DELETED event carries the last state at the deletion revision.
      if (!prevKv) return { type: 'DELETED', object: this.bareDeleted(key, rev), revision: rev, keyInPrefix };
      return this.lazyEvent('DELETED', prevKv.value, rev, key, keyInPrefix, prevKv);
    }
    return this.lazyEvent(ev.kv.version === '1' ? 'ADDED' : 'MODIFIED', ev.kv.value, rev, key, keyInPrefix, prevKv);
  }

  private opened(kv: IKeyValue): IKeyValue | undefined {
    try {
      const o = this.transformer!.open(kv.key, kv.value);
      return o.plain === kv.value ? kv : { ...kv, value: o.plain };
    } catch {
      return undefined;
    }
  }

  /**
   * An event that keeps the stored bytes and decodes them only when someone reads
   * `object` or `prevObject`. Plain watchers never do: they filter by key and send
   * objectJson(), the stored bytes with the revision stamped in. Events stay in the hub's
   * ring (2,048 per resource) for seconds, so not holding parsed objects keeps them out
   * of V8's old generation; it also saves a parse and a stringify per event.
   */
  private lazyEvent(type: StorageEvent['type'], value: Buffer, rev: number, key: string, keyInPrefix: string | undefined, prevKv: IKeyValue | undefined): StorageEvent | undefined {
    const pieces = stampResourceVersion(value, rev);
    let decoded: KubeObject | undefined;
    if (!pieces) {
      // Unusual bytes: decode now, and skip the event if they are not JSON at all.
      try {
        decoded = decodeObject(value, rev);
      } catch (err) {
        // Not JSON: someone else wrote under our prefix. Skipping beats crashing the feed.
        this.log.error({ key, rev, err }, 'undecodable value in etcd watch; skipped');
        return undefined;
      }
    }
    const bare = () => this.bareDeleted(key, rev);
    const log = this.log;
    const ev: StorageEvent = {
      type,
      revision: rev,
      keyInPrefix,
      get object(): KubeObject {
        if (decoded === undefined) {
          try {
            decoded = decodeObject(value, rev);
          } catch (err) {
            log.error({ key, rev, err }, 'undecodable value in etcd watch');
            decoded = bare();
          }
        }
        return decoded;
      },
    };
    // Without pieces (unusual bytes) consumers stringify `object` themselves.
    if (pieces) ev.objectJson = () => pieces;
    if (prevKv) withLazyPrev(ev, prevKv.value, prevKv.mod_revision);
    return ev;
  }

  /**
   * The DELETED object when etcd no longer has the previous value (compacted): name and,
   * for a key '{prefix}{ns}/{name}' under a resource-wide prefix, the namespace, so
   * namespace-scoped watchers sharing that feed still see it.
   */
  private bareDeleted(key: string, rev: number): KubeObject {
    const rest = key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key.split('/').pop()!;
    const slash = rest.indexOf('/');
    const metadata: KubeObject['metadata'] = { name: rest.slice(slash + 1), resourceVersion: String(rev) };
    if (slash > 0) metadata.namespace = rest.slice(0, slash);
    return { metadata };
  }

  /** Stops delivery at once; the promise settles when etcd confirmed (never rejects). */
  cancel(): Promise<void> {
    if (this.done) return this.cancelled ?? Promise.resolve();
    this.done = true;
    this.cancelled = this.watcher.cancel().catch((err: Error) => this.log.debug({ err }, 'etcd watch cancel failed'));
    return this.cancelled;
  }
}

/**
 * Sets ev.prevObject as a lazily decoded property. Only selector watchers look at it, and
 * events stay in the hub's ring (2,048 per resource) long after: keeping the stored bytes
 * and parsing on first use saves memory and the parse. An undecodable previous value
 * reads as undefined (no "before" state).
 */
function withLazyPrev(ev: StorageEvent, value: Buffer, modRevision: string | number): StorageEvent {
  let cached: KubeObject | undefined;
  let pending: Buffer | undefined = value;
  Object.defineProperty(ev, 'prevObject', {
    enumerable: true,
    configurable: true,
    get(): KubeObject | undefined {
      if (pending !== undefined) {
        try {
          cached = decodeObject(pending, modRevision);
        } catch {
          cached = undefined;
        }
        pending = undefined;
      }
      return cached;
    },
  });
  return ev;
}
