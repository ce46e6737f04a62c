// EventRecorder: fire-and-forget Events about objects ("Scheduled", "FailedScheduling",
// "Pulled"...), shaped like Kubernetes' core/v1 Events.
// - Dedupe: the same (object, type, reason, message) again bumps `count` and
//   `lastTimestamp` of the existing Event (a merge patch) instead of creating a new one.
// - Rate limit per object: a token bucket of `burst` (default 25) refilled at one token
//   per `refillMs` (default 5 min), as Kubernetes' recorder does, so a crash-looping pod
//   cannot flood etcd. Dropped events are logged at debug.
// - Never throws and never blocks the caller; writes for one dedupe key are serialized
//   so a burst of identical events cannot create duplicates. flush() awaits pending writes.

import { isNotFound } from '../api/errors.js';
import type { Event, KubeObject } from '../api/types.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import type { Client } from './types.js';

export interface EventRecorderOptions {
  component: string;
  host?: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * Kept for compatibility with the brief's name: steady rate per object, events per
   * minute. Default 0.2 (one per 5 minutes after the burst).
   */
  maxPerObjectPerMinute?: number;
  /** Bucket size per object. Default 25. */
  burst?: number;
  /** How many distinct dedupe keys / buckets to remember (oldest forgotten first). Default 4096. */
  cacheSize?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly burst: number;
  private readonly refillPerMs: number;
  private readonly cacheSize: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly seen = new Map<string, Seen>();
  /** Tail of the write chain per dedupe key. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly pending = new Set<Promise<void>>();
  private seq = 0;

  constructor(
    private readonly client: Client,
    private readonly opts: EventRecorderOptions,
  ) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger();
    this.burst = opts.burst ?? 25;
    this.refillPerMs = (opts.maxPerObjectPerMinute ?? 0.2) / 60_000;
    this.cacheSize = opts.cacheSize ?? 4096;
  }

  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    try {
      const objKey = `${obj.kind ?? ''}/${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}/${obj.metadata?.uid ?? ''}`;
      if (!this.take(objKey)) {
        this.logger.debug({ object: objKey, reason }, 'event dropped by the per-object rate limit');
        return;
      }
      const dedupeKey = `${objKey}\u0000${type}\u0000${reason}\u0000${message}`;
      const prev = this.chains.get(dedupeKey) ?? Promise.resolve();
      const next = prev.then(() => this.write(dedupeKey, obj, type, reason, message));
      this.chains.set(dedupeKey, next);
      this.pending.add(next);
      void next.finally(() => {
        this.pending.delete(next);
        if (this.chains.get(dedupeKey) === next) this.chains.delete(dedupeKey);
      });
    } catch (err) {
      this.logger.debug({ err }, 'event not recorded');
    }
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private take(objKey: string): boolean {
    const now = this.clock.now();
    let b = this.buckets.get(objKey);
    if (!b) {
      b = { tokens: this.burst, updatedAt: now };
      this.remember(this.buckets, objKey, b);
    } else {
      b.tokens = Math.min(this.burst, b.tokens + (now - b.updatedAt) * this.refillPerMs);
      b.updatedAt = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Map with a size cap: re-insert to mark as recent, drop the oldest when full. */
  private remember<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > this.cacheSize) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  private eventName(objName: string): string {
    // Unique per recorder even within one millisecond: time in ns-like units + a sequence.
    const ts = BigInt(this.clock.now()) * 1_000_000n + BigInt(this.seq++ % 1_000_000);
    const suffix = `.${ts.toString(16)}`;
    // Names are DNS subdomains (max 253); a very long object name is shortened to fit.
    const base = (objName || 'unknown').slice(0, 253 - suffix.length).replace(/[.-]+$/, '');
    return `${base}${suffix}`;
  }

  private async write(dedupeKey: string, obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const now = new Date(this.clock.now()).toISOString();
    const seen = this.seen.get(dedupeKey);
    try {
      if (seen) {
        try {
          await this.client.events.patch(seen.name, seen.namespace, { count: seen.count + 1, lastTimestamp: now }, 'merge');
          seen.count += 1;
          this.remember(this.seen, dedupeKey, seen);
          return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.seen.delete(dedupeKey); // expired or deleted: start a new Event
        }
      }
      const namespace = obj.metadata?.namespace || 'default';
      const event: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: this.eventName(obj.metadata?.name ?? ''), namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata?.name,
          namespace: obj.metadata?.namespace,
          uid: obj.metadata?.uid,
          resourceVersion: obj.metadata?.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
        reportingComponent: this.opts.component,
        reportingInstance: this.opts.host ?? '',
      };
      const created = await this.client.events.create(event);
      this.remember(this.seen, dedupeKey, { name: created.metadata.name ?? event.metadata.name!, namespace, count: 1 });
    } catch (err) {
      this.logger.debug({ err, reason }, 'could not write event');
    }
  }
}
