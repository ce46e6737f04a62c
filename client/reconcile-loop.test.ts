import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FakeClock, flushMicrotasks } from '../foundation/testing/fake-clock.js';
import { silentLogger } from '../foundation/logger.js';
import { eventually } from '../test/helpers/eventually.js';
import { done, mergeResults, requeueAfter, requeueWhen, runReconcileLoop, type Result } from './reconcile-loop.js';
import { WorkQueue } from './work-queue.js';

/** A promise the test settles by hand. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs a loop over a queue on a fake clock; `seen` lists the keys in the order reconciled. */
function harness(reconcile: (key: string, n: number) => Promise<Result>, workers = 1) {
  const clock = new FakeClock();
  const registry = new Registry();
  const queue = new WorkQueue<string>({ clock, name: 'test', registry, baseDelayMs: 100, maxDelayMs: 10_000 });
  const seen: string[] = [];
  const counts = new Map<string, number>();
  const observed: string[] = [];
  const run = runReconcileLoop({
    queue,
    workers,
    clock,
    logger: silentLogger(),
    observe: (outcome) => observed.push(outcome),
    reconcile: (key) => {
      seen.push(key);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return reconcile(key, n);
    },
  });
  return { clock, registry, queue, seen, observed, run, stop: async () => (queue.shutDown(), await run) };
}

describe('runReconcileLoop', () => {
  it('processes keys with N workers, never one key concurrently, retries failures and stops on shutdown', async () => {
    const q = new WorkQueue<string>({ baseDelayMs: 1, maxDelayMs: 5 });
    const active = new Set<string>();
    let maxParallel = 0;
    let overlap = false;
    const attempts = new Map<string, number>();
    const reconcile = async (key: string): Promise<Result> => {
      if (active.has(key)) overlap = true;
      active.add(key);
      maxParallel = Math.max(maxParallel, active.size);
      await new Promise((r) => setTimeout(r, 2));
      // Re-adding the key being processed must not let another worker take it.
      q.add(key === 'k3' ? 'k3' : 'k0');
      active.delete(key);
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key === 'flaky' && n < 3) throw new Error('transient');
      return done;
    };
    const run = runReconcileLoop({ queue: q, workers: 4, reconcile, logger: silentLogger() });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    q.add('flaky');
    await eventually('three attempts of the flaky key', () => (attempts.get('flaky') ?? 0) >= 3, 10_000);
    q.shutDown();
    await run;
    expect(overlap).toBe(false);
    expect(maxParallel).toBeGreaterThan(1);
    expect(attempts.get('flaky')).toBe(3);
    expect(q.numRequeues('flaky')).toBe(0); // success forgot the backoff
    for (let i = 1; i < 10; i++) expect(attempts.get(`k${i}`)).toBeGreaterThanOrEqual(1);
  });

  it('returns when the signal aborts', async () => {
    const q = new WorkQueue<string>();
    const ac = new AbortController();
    const run = runReconcileLoop({ queue: q, workers: 2, reconcile: async () => done, logger: silentLogger(), signal: ac.signal });
    ac.abort();
    await run;
    expect(q.isShuttingDown()).toBe(true);
  });

  it('requeueAfter: the key comes back once the clock passed the delay, not before', async () => {
    const h = harness(async (_k, n) => (n === 1 ? requeueAfter(5000) : done));
    h.queue.add('a');
    await flushMicrotasks();
    expect(h.seen).toEqual(['a']);
    await h.clock.advance(4999);
    expect(h.seen).toEqual(['a']);
    await h.clock.advance(1);
    expect(h.seen).toEqual(['a', 'a']);
    await h.stop();
  });

  it('an error retries with the key backoff, growing per failure; success forgets it', async () => {
    const h = harness(async (_k, n) => {
      if (n <= 2) throw new Error('conflict');
      return done;
    });
    h.queue.add('a');
    await flushMicrotasks();
    expect(h.queue.numRequeues('a')).toBe(1);
    await h.clock.advance(99);
    expect(h.seen).toHaveLength(1);
    await h.clock.advance(1); // 100 ms: first retry
    expect(h.seen).toHaveLength(2);
    await h.clock.advance(199);
    expect(h.seen).toHaveLength(2);
    await h.clock.advance(1); // 200 ms: second retry
    expect(h.seen).toHaveLength(3);
    expect(h.queue.numRequeues('a')).toBe(0);
    expect(h.observed).toEqual(['error', 'error', 'success']);
    await h.stop();
  });

  it('requeue: true retries with backoff without counting an error', async () => {
    const h = harness(async (_k, n) => (n === 1 ? { requeue: true } : done));
    h.queue.add('a');
    await flushMicrotasks();
    expect(h.queue.numRequeues('a')).toBe(1);
    await h.clock.advance(100);
    expect(h.seen).toEqual(['a', 'a']);
    expect(h.observed).toEqual(['success', 'success']);
    await h.stop();
  });

  it('requeueWhen: the worker is free at once; the key returns when the operation ends (backoff if it failed)', async () => {
    const ops = [deferred(), deferred()];
    const h = harness(async (k, n) => (k === 'slow' && n <= 2 ? requeueWhen(ops[n - 1]!.promise) : done), 1);
    h.queue.add('slow');
    h.queue.add('other');
    await flushMicrotasks();
    // One worker, and 'other' did not wait for slow's operation.
    expect(h.seen).toEqual(['slow', 'other']);
    ops[0]!.resolve();
    await flushMicrotasks();
    expect(h.seen).toEqual(['slow', 'other', 'slow']);
    ops[1]!.reject(new Error('engine refused the stop'));
    await flushMicrotasks();
    expect(h.seen).toHaveLength(3);
    expect(h.queue.numRequeues('slow')).toBe(1);
    await h.clock.advance(100);
    expect(h.seen).toEqual(['slow', 'other', 'slow', 'slow']);
    await h.stop();
  });

  it('mergeResults keeps the earliest deadline and wakes on the first operation to settle', async () => {
    const a = deferred();
    const b = deferred();
    const m = mergeResults(requeueAfter(300), done, requeueAfter(100), requeueWhen(a.promise), requeueWhen(b.promise));
    expect(m.requeueAfterMs).toBe(100);
    expect(m.requeue).toBeUndefined();
    let settled = false;
    void m.requeueWhen!.then(() => (settled = true));
    b.resolve();
    await flushMicrotasks();
    expect(settled).toBe(true);
    expect(mergeResults()).toEqual({});
  });

  it('records client-go workqueue metrics with the queue name', async () => {
    const gate = deferred();
    const h = harness(async (k) => {
      if (k === 'busy') await gate.promise;
      return done;
    });
    h.queue.add('busy');
    await flushMicrotasks();
    h.queue.add('waiting');
    h.queue.add('waiting'); // collapses: one add
    await h.clock.advance(3000);
    let text = await h.registry.metrics();
    expect(text).toContain('workqueue_depth{name="test"} 1');
    expect(text).toContain('workqueue_adds_total{name="test"} 2');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="test"} 3');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="test"} 3');
    gate.resolve();
    await flushMicrotasks();
    text = await h.registry.metrics();
    expect(text).toContain('workqueue_depth{name="test"} 0');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="test"} 2');
    expect(text).toContain('workqueue_work_duration_seconds_sum{name="test"} 3');
    // 'waiting' waited the 3 s 'busy' held the only worker.
    expect(text).toContain('workqueue_queue_duration_seconds_sum{name="test"} 3');
    expect(text).toContain('workqueue_unfinished_work_seconds{name="test"} 0');
    h.queue.addRateLimited('x');
    expect(await h.registry.metrics()).toContain('workqueue_retries_total{name="test"} 1');
    await h.stop();
    // A shut-down queue leaves the scraped gauges.
    expect(await h.registry.metrics()).not.toContain('workqueue_depth{name="test"}');
  });
});
