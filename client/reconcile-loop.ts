// The one loop behind every controller and the agent's pod sync (controller-runtime's
// shape): a reconcile looks at one key and *returns* what should happen next; only this
// loop touches the queue afterwards. So no reconciler requeues itself as a side effect,
// and nothing waits inside a worker: a reconcile that started something long (a container
// stop with its grace period, an image pull) returns at once with "look again when it is
// done" and the worker takes the next key.
//
//   done                  forget the key's backoff; nothing scheduled
//   requeueAfter(ms)      forget the backoff; look again after ms (a deadline: backoff
//                         over, minReadySeconds reached, a periodic resync)
//   requeueWhen(promise)  look again when the operation settles: fulfilled → at once, with
//                         the backoff forgotten; rejected → with the key's backoff
//   requeue               look again with the key's backoff, without an error
//   a thrown error        logged, and retried with the key's backoff
// Fields combine (mergeResults): a pod may wait for one container's stop and for another
// container's restart backoff at the same time.

import { realClock, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { WorkQueue } from './work-queue.js';

export interface Result {
  /** Look again after this many ms. */
  requeueAfterMs?: number;
  /** Look again once this operation settles (with backoff if it fails). */
  requeueWhen?: Promise<unknown>;
  /** Look again with the key's backoff. */
  requeue?: boolean;
}

export const done: Result = Object.freeze({});

export function requeueAfter(ms: number): Result {
  return { requeueAfterMs: Math.max(0, ms) };
}

export function requeueWhen(op: Promise<unknown>): Result {
  return { requeueWhen: op };
}

/** One result that does everything the given ones ask: the earliest deadline, the first operation to settle. */
export function mergeResults(...results: Result[]): Result {
  const out: Result = {};
  const ops: Promise<unknown>[] = [];
  for (const r of results) {
    if (r.requeueAfterMs !== undefined) out.requeueAfterMs = Math.min(out.requeueAfterMs ?? Infinity, r.requeueAfterMs);
    if (r.requeueWhen) ops.push(r.requeueWhen);
    if (r.requeue) out.requeue = true;
  }
  if (ops.length === 1) out.requeueWhen = ops[0];
  else if (ops.length > 1) out.requeueWhen = Promise.race(ops);
  return out;
}

export type ReconcileOutcome = 'success' | 'error';

export interface ReconcileLoopOptions<K> {
  queue: WorkQueue<K>;
  reconcile: (key: K) => Promise<Result>;
  /** Workers taking keys in parallel (a key is never handed to two at once). Default 1. */
  workers?: number;
  logger: Logger;
  /** Aborting it shuts the queue down; the loop returns once every worker finished its key. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Called after every reconcile (metrics beyond the queue's own). */
  observe?: (outcome: ReconcileOutcome, seconds: number) => void;
}

/** Runs the workers until the queue is shut down (or the signal aborts). */
export async function runReconcileLoop<K>(o: ReconcileLoopOptions<K>): Promise<void> {
  const { queue, logger } = o;
  const clock = o.clock ?? realClock;
  const onAbort = () => queue.shutDown();
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const t0 = clock.now();
      let outcome: ReconcileOutcome = 'success';
      try {
        apply(queue, key, await o.reconcile(key), logger);
      } catch (err) {
        outcome = 'error';
        const retries = queue.numRequeues(key);
        // Conflicts and stale caches are routine; repeated failures deserve an operator's eye.
        const level = retries >= 5 ? 'warn' : 'debug';
        logger[level]({ key: String(key), retries, err }, 'reconcile failed; retrying with backoff');
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
        o.observe?.(outcome, (clock.now() - t0) / 1000);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.workers ?? 1) }, worker));
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

function apply<K>(queue: WorkQueue<K>, key: K, r: Result, logger: Logger): void {
  if (r.requeue) queue.addRateLimited(key);
  else if (r.requeueWhen) {
    // The backoff is forgotten only once the operation succeeded: an operation that keeps
    // failing (an engine that refuses every stop) is retried ever more slowly.
    r.requeueWhen.then(
      () => {
        queue.forget(key);
        queue.add(key);
      },
      (err: unknown) => {
        logger.debug({ key: String(key), err }, 'operation failed; looking again with backoff');
        queue.addRateLimited(key);
      },
    );
  } else queue.forget(key);
  if (r.requeueAfterMs !== undefined) queue.addAfter(key, r.requeueAfterMs);
}
