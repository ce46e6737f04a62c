// The controllers' work queue, with client-go's semantics:
// - a key is queued at most once (duplicates collapse while it waits);
// - a key is never handed to two workers at once: adding a key that is being processed
//   marks it dirty, and done() queues it again;
// - per-key exponential backoff for failures (addRateLimited), reset by forget();
// - addAfter for delayed re-checks; shutDown wakes every waiting get() with undefined.
// Unlike client-go, get() returns undefined as soon as the queue is shut down, even if
// keys are still queued: a stopping controller should stop, not drain.
// With a registry, the queue reports client-go's workqueue_* metrics under its name
// (work-queue-metrics.ts). The loop that drives a queue is reconcile-loop.ts.

import type { Registry } from 'prom-client';
import { KeyedBackoff } from '../foundation/backoff.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { queueMetrics, type QueueMetricsSink } from './work-queue-metrics.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay of addRateLimited (ms); doubles per consecutive failure. Default 5. */
  baseDelayMs?: number;
  /** Cap of the per-key backoff (ms). Default 60 000. */
  maxDelayMs?: number;
  /** The `name` label of this queue's metrics (e.g. the controller's name). */
  name?: string;
  /** Where the workqueue_* metrics go (the process's registry); none without it. */
  registry?: Registry;
}

interface Delayed {
  at: number;
  abort: AbortController;
}

export class WorkQueue<K = string> {
  private readonly clock: Clock;
  private readonly backoff: KeyedBackoff<K>;
  private queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly delayed = new Map<K, Delayed>();
  private waiters: Array<(key: K | undefined) => void> = [];
  private shuttingDown = false;
  readonly name: string;
  /** When each waiting key was added, and when each key in processing was handed out (metrics). */
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly metrics?: QueueMetricsSink;

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.backoff = new KeyedBackoff<K>({ initialMs: opts.baseDelayMs ?? 5, maxMs: opts.maxDelayMs ?? 60_000 });
    this.name = opts.name ?? 'queue';
    if (opts.registry) this.metrics = queueMetrics(opts.registry).register(this);
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.added();
    if (this.metrics && !this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.push(key);
  }

  /** Add after ms; of several pending delays for one key, the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.abort.abort();
    const entry: Delayed = { at, abort: new AbortController() };
    this.delayed.set(key, entry);
    this.clock.sleep(ms, entry.abort.signal).then(
      () => {
        if (this.delayed.get(key) === entry) this.delayed.delete(key);
        this.add(key);
      },
      () => {
        /* superseded by an earlier delay, or shut down */
      },
    );
  }

  /** Add after this key's backoff: baseDelay · 2^failures, capped at maxDelay. */
  addRateLimited(key: K): void {
    this.metrics?.retried();
    this.addAfter(key, this.backoff.next(key));
  }

  /** The key succeeded: its next failure starts from the base delay again. */
  forget(key: K): void {
    this.backoff.forget(key);
  }

  numRequeues(key: K): number {
    return this.backoff.failures(key);
  }

  /** Next key to process (waits for one); undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.queue.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of key finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    const started = this.startedAt.get(key);
    if (started !== undefined) {
      this.startedAt.delete(key);
      this.metrics?.worked((this.clock.now() - started) / 1000);
    }
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const d of this.delayed.values()) d.abort.abort();
    this.delayed.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(undefined);
    this.metrics?.unregister();
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Keys waiting to be handed out (not counting those in processing or delayed). */
  len(): number {
    return this.queue.length;
  }

  /** Seconds the keys being processed have run so far: their sum and the longest (metrics). */
  unfinishedWork(): { totalSeconds: number; longestSeconds: number } {
    const now = this.clock.now();
    let totalSeconds = 0;
    let longestSeconds = 0;
    for (const t of this.startedAt.values()) {
      const s = (now - t) / 1000;
      totalSeconds += s;
      longestSeconds = Math.max(longestSeconds, s);
    }
    return { totalSeconds, longestSeconds };
  }

  /** Marks key as handed to a worker (processing, queue latency measured). */
  private handOut(key: K): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics?.queued((now - added) / 1000);
    if (this.metrics) this.startedAt.set(key, now);
  }

  private push(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      // Hand it over directly: no window in which another get() could also take it.
      this.handOut(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): K | undefined {
    if (this.queue.length === 0) return undefined;
    const key = this.queue.shift() as K;
    this.handOut(key);
    return key;
  }
}
