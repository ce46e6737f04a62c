// Pending pods waiting for a scheduling attempt, in three places (as kube-scheduler):
// - activeQ: ready now, ordered by spec.priority (higher first), then creation time,
//   then arrival (FIFO);
// - backoffQ: failed recently; each pod waits 1 s, 2 s, 4 s ... up to 10 s per failed
//   attempt before it becomes active again;
// - unschedulable: fitted nowhere; they wait for a cluster change that could help
//   (node added/changed, pod deleted → moveAllToActiveOrBackoff) and are in any case
//   retried after 60 s.
// A pod is in at most one place (deduped by key). While a popped pod is being handled
// ("in flight") updates only refresh its object; the scheduler decides where it goes
// next. If a move event happens during a pod's attempt, a failure sends it to backoff
// rather than unschedulable, so the event that might have helped it is not missed.

import { deepEqual } from '../api/meta.js';
import { objectKey } from '../api/resources.js';
import type { Pod } from '../api/types.js';
import { backoffDelay, type BackoffPolicy } from '../foundation/backoff.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { KeyedHeap } from './heap.js';

export interface QueuedPod {
  key: string;
  pod: Pod;
  /** Scheduling attempts made so far (incremented at each pop). */
  attempts: number;
  /** Creation time in ms (for ordering); arrival order breaks ties. */
  createdAt: number;
  seq: number;
  /** When the last attempt failed (backoff and the 60 s flush count from here). */
  lastFailureAt: number;
  /** Scheduling cycle number of the pop that handed this pod out. */
  cycle: number;
}

export interface SchedulingQueueOptions {
  clock?: Clock;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Unschedulable pods are retried at the latest after this long. */
  unschedulableTimeoutMs?: number;
}

type Place = 'active' | 'backoff' | 'unschedulable' | 'inflight';

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly backoffPolicy: BackoffPolicy;
  private readonly unschedulableTimeoutMs: number;

  private readonly active = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => {
      const pa = a.pod.spec.priority ?? 0;
      const pb = b.pod.spec.priority ?? 0;
      if (pa !== pb) return pa > pb;
      if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
      return a.seq < b.seq;
    },
  );
  private readonly backoff = new KeyedHeap<QueuedPod>(
    (q) => q.key,
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inflight = new Map<string, QueuedPod>();
  private readonly where = new Map<string, Place>();

  private seq = 0;
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.backoffPolicy = { initialMs: opts.initialBackoffMs ?? 1000, maxMs: opts.maxBackoffMs ?? 10_000 };
    this.unschedulableTimeoutMs = opts.unschedulableTimeoutMs ?? 60_000;
  }

  // ------------------------------------------------------------- informer side

  /** A pending pod appeared or changed. */
  addOrUpdate(pod: Pod): void {
    const key = objectKey(pod);
    const place = this.where.get(key);
    if (place === undefined) {
      const created = Date.parse(pod.metadata.creationTimestamp ?? '');
      const qp: QueuedPod = {
        key,
        pod,
        attempts: 0,
        createdAt: Number.isNaN(created) ? this.clock.now() : created,
        seq: this.seq++,
        lastFailureAt: 0,
        cycle: 0,
      };
      this.put(qp, 'active');
      return;
    }
    const qp = this.find(key, place)!;
    const old = qp.pod;
    qp.pod = pod;
    if (place === 'active') this.active.push(qp); // priority may have changed
    else if (place !== 'inflight' && specChanged(old, pod)) {
      // A user edit (not our own status write) may make it fit: retry, respecting backoff.
      this.remove(key);
      this.put(qp, this.isBackingOff(qp) ? 'backoff' : 'active');
    }
  }

  /** The pod was deleted or got bound: forget it everywhere. */
  delete(key: string): void {
    this.remove(key);
  }

  // ------------------------------------------------------------- scheduler side

  /** Next pod to schedule, or undefined if none is ready now. */
  tryPop(): QueuedPod | undefined {
    this.flush();
    const qp = this.active.pop();
    if (!qp) return undefined;
    this.where.set(qp.key, 'inflight');
    this.inflight.set(qp.key, qp);
    qp.attempts++;
    qp.cycle = ++this.cycle;
    return qp;
  }

  /** Waits for a pod to become ready; undefined once closed or aborted. */
  async pop(signal?: AbortSignal): Promise<QueuedPod | undefined> {
    for (;;) {
      if (this.closed || signal?.aborted) return undefined;
      const qp = this.tryPop();
      if (qp) return qp;
      const next = this.nextWakeAt();
      const wait = next === undefined ? 1000 : Math.max(1, Math.min(1000, next - this.clock.now()));
      const ac = new AbortController();
      const onAbort = () => ac.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      await Promise.race([
        this.clock.sleep(wait, ac.signal).catch(() => undefined),
        new Promise<void>((resolve) => (this.wake = resolve)),
      ]);
      this.wake = undefined;
      ac.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The attempt failed because no node fits: park until the cluster changes. */
  addUnschedulable(qp: QueuedPod): void {
    if (this.where.get(qp.key) !== 'inflight') return; // deleted or bound meanwhile
    this.inflight.delete(qp.key);
    this.where.delete(qp.key);
    qp.lastFailureAt = this.clock.now();
    this.put(qp, this.moveRequestCycle >= qp.cycle ? 'backoff' : 'unschedulable');
  }

  /** The attempt failed for another reason (API error): retry after backoff. */
  addBackoff(qp: QueuedPod): void {
    if (this.where.get(qp.key) !== 'inflight') return;
    this.inflight.delete(qp.key);
    this.where.delete(qp.key);
    qp.lastFailureAt = this.clock.now();
    this.put(qp, 'backoff');
  }

  /** The pod was bound (or dropped): stop tracking it. */
  done(key: string): void {
    if (this.where.get(key) === 'inflight') this.remove(key);
  }

  /** Something changed that may let unschedulable pods fit: give them another try. */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.cycle;
    if (this.unschedulable.size === 0) return;
    for (const qp of [...this.unschedulable.values()]) {
      this.unschedulable.delete(qp.key);
      this.where.delete(qp.key);
      this.put(qp, this.isBackingOff(qp) ? 'backoff' : 'active');
    }
  }

  /** Moves pods whose backoff ended to active, and long-parked unschedulable pods back. */
  flush(): void {
    const now = this.clock.now();
    for (let top = this.backoff.peek(); top && this.backoffExpiry(top) <= now; top = this.backoff.peek()) {
      this.backoff.pop();
      this.where.delete(top.key);
      this.put(top, 'active');
    }
    if (this.unschedulable.size === 0) return;
    for (const qp of [...this.unschedulable.values()]) {
      if (now - qp.lastFailureAt < this.unschedulableTimeoutMs) continue;
      this.unschedulable.delete(qp.key);
      this.where.delete(qp.key);
      this.put(qp, this.isBackingOff(qp) ? 'backoff' : 'active');
    }
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  stats(): { active: number; backoff: number; unschedulable: number; inflight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inflight: this.inflight.size };
  }

  /** Where a pod currently is (for tests and debugging). */
  placeOf(key: string): Place | undefined {
    return this.where.get(key);
  }

  /** Backoff after n failed attempts: 1 s, 2 s, 4 s, 8 s, 10 s, 10 s ... */
  backoffDuration(attempts: number): number {
    return backoffDelay(this.backoffPolicy, attempts);
  }

  // ------------------------------------------------------------- internals

  private backoffExpiry(qp: QueuedPod): number {
    return qp.lastFailureAt + this.backoffDuration(qp.attempts);
  }

  private isBackingOff(qp: QueuedPod): boolean {
    return qp.attempts > 0 && this.backoffExpiry(qp) > this.clock.now();
  }

  private nextWakeAt(): number | undefined {
    const b = this.backoff.peek();
    return b ? this.backoffExpiry(b) : undefined;
  }

  private find(key: string, place: Place): QueuedPod | undefined {
    switch (place) {
      case 'active':
        return this.active.get(key);
      case 'backoff':
        return this.backoff.get(key);
      case 'unschedulable':
        return this.unschedulable.get(key);
      case 'inflight':
        return this.inflight.get(key);
    }
  }

  private put(qp: QueuedPod, place: Exclude<Place, 'inflight'>): void {
    this.where.set(qp.key, place);
    if (place === 'active') {
      this.active.push(qp);
      this.wake?.();
    } else if (place === 'backoff') this.backoff.push(qp);
    else this.unschedulable.set(qp.key, qp);
  }

  private remove(key: string): void {
    const place = this.where.get(key);
    if (place === undefined) return;
    this.where.delete(key);
    if (place === 'active') this.active.delete(key);
    else if (place === 'backoff') this.backoff.delete(key);
    else if (place === 'unschedulable') this.unschedulable.delete(key);
    else this.inflight.delete(key);
  }
}

function specChanged(a: Pod, b: Pod): boolean {
  return !deepEqual(a.spec, b.spec) || !deepEqual(a.metadata.labels, b.metadata.labels);
}
