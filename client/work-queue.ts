// The controllers' work queue, with client-go's semantics:
// - a key is queued at most once (duplicates collapse while it waits);
// - a key is never handed to two workers at once: adding a key that is being processed
//   marks it dirty, and done() queues it again;
// - per-key exponential backoff for failures (addRateLimited), reset by forget();
// - addAfter for delayed re-checks; shutDown wakes every waiting get() with undefined.
// Unlike client-go, get() returns undefined as soon as the queue is shut down, even if
// keys are still queued: a stopping controller should stop, not drain.

import { KeyedBackoff } from '../foundation/backoff.js';
import { realClock, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay of addRateLimited (ms); doubles per consecutive failure. Default 5. */
  baseDelayMs?: number;
  /** Cap of the per-key backoff (ms). Default 60 000. */
  maxDelayMs?: number;
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

  constructor(opts: WorkQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.backoff = new KeyedBackoff<K>({ initialMs: opts.baseDelayMs ?? 5, maxMs: opts.maxDelayMs ?? 60_000 });
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
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
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Keys waiting to be handed out (not counting those in processing or delayed). */
  len(): number {
    return this.queue.length;
  }

  private push(key: K): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      // Hand it over directly: no window in which another get() could also take it.
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  private take(): K | undefined {
    if (this.queue.length === 0) return undefined;
    const key = this.queue.shift() as K;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}

/**
 * Runs `concurrency` workers until the queue is shut down (or signal aborts, which shuts
 * it down). Success forgets the key's backoff; a throw re-queues it with backoff.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  concurrency: number,
  reconcile: (key: K) => Promise<void>,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const onAbort = () => queue.shutDown();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await reconcile(key);
        queue.forget(key);
      } catch (err) {
        const retries = queue.numRequeues(key);
        // Conflicts and stale caches are routine; repeated failures deserve an operator's eye.
        const level = retries >= 5 ? 'warn' : 'debug';
        logger[level]({ key: String(key), retries, err: (err as Error)?.message ?? String(err) }, 'reconcile failed; retrying with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
