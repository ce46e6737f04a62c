// One priority level: a fixed number of seats, a queue per flow, fair dispatch between
// flows. Pure logic over an injected clock (the queue wait bound is a clock.sleep), so
// tests drive it with a fake clock.
//
// - A request runs at once when the level has a free seat, its flow is under its own
//   seat cap and nobody of its flow waits ahead of it.
// - Otherwise it waits in its flow's queue (at most queueLength; beyond that it is
//   rejected at once), for at most queueWaitMs.
// - A freed seat goes to the next flow in round-robin order that has a request waiting
//   and is under its cap; the served flow moves to the back. So a flow with 500 queued
//   requests and one with 1 get a seat each in turn, not in arrival order.

import type { Clock } from '../../foundation/clock.js';
import type { LevelLimits } from './config.js';

export type RejectReason = 'queue-full' | 'time-out' | 'cancelled';

export class RejectedError extends Error {
  constructor(readonly reason: RejectReason, message: string) {
    super(message);
    this.name = 'RejectedError';
  }
}

export interface Admission {
  /** Give the seat back (idempotent). */
  release(): void;
  /** Time spent queued, ms (0 when it ran at once). */
  waitedMs: number;
}

interface Waiter {
  flow: FlowState;
  since: number;
  admit(): void;
  reject(err: RejectedError): void;
}

interface FlowState {
  key: string;
  executing: number;
  queue: Waiter[];
}

export class PriorityLevel {
  executing = 0;
  waiting = 0;
  /** Flows with something executing or queued, in round-robin order (served flows move to the back). */
  private readonly flows = new Map<string, FlowState>();

  constructor(
    readonly limits: LevelLimits,
    private readonly clock: Clock,
    private readonly queueWaitMs: number,
  ) {}

  /**
   * Resolves with the admission once the request may run; rejects with RejectedError when
   * its flow's queue is full, when it waited queueWaitMs, or when `signal` aborts
   * (the client went away).
   */
  acquire(flowKey: string, signal?: AbortSignal): Promise<Admission> {
    const flow = this.flowState(flowKey);
    if (flow.queue.length === 0 && this.executing < this.limits.seats && flow.executing < this.limits.flowSeats) {
      return Promise.resolve(this.start(flow, this.clock.now()));
    }
    if (flow.queue.length >= this.limits.queueLength) {
      this.forgetIfIdle(flow);
      return Promise.reject(new RejectedError('queue-full', `too many requests of ${flowKey} waiting at priority level ${this.limits.name}`));
    }
    if (signal?.aborted) {
      this.forgetIfIdle(flow);
      return Promise.reject(new RejectedError('cancelled', 'the client went away'));
    }
    return new Promise<Admission>((resolve, reject) => {
      const timer = new AbortController();
      const since = this.clock.now();
      const onAbort = () => done(new RejectedError('cancelled', 'the client went away'));
      const done = (err?: RejectedError) => {
        timer.abort();
        signal?.removeEventListener('abort', onAbort);
        const i = flow.queue.indexOf(waiter);
        if (i >= 0) {
          flow.queue.splice(i, 1);
          this.waiting--;
        }
        if (err) {
          this.forgetIfIdle(flow);
          reject(err);
        }
      };
      const waiter: Waiter = {
        flow,
        since,
        admit: () => {
          done();
          resolve(this.start(flow, since));
        },
        reject: done,
      };
      flow.queue.push(waiter);
      this.waiting++;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.clock.sleep(this.queueWaitMs, timer.signal).then(
        () => done(new RejectedError('time-out', `waited ${this.queueWaitMs} ms for a seat at priority level ${this.limits.name}`)),
        () => undefined,
      );
    });
  }

  private flowState(key: string): FlowState {
    let f = this.flows.get(key);
    if (!f) {
      f = { key, executing: 0, queue: [] };
      this.flows.set(key, f);
    }
    return f;
  }

  private forgetIfIdle(flow: FlowState): void {
    if (flow.executing === 0 && flow.queue.length === 0) this.flows.delete(flow.key);
  }

  private start(flow: FlowState, since: number): Admission {
    this.executing++;
    flow.executing++;
    let released = false;
    return {
      waitedMs: this.clock.now() - since,
      release: () => {
        if (released) return;
        released = true;
        this.executing--;
        flow.executing--;
        this.forgetIfIdle(flow);
        this.dispatch();
      },
    };
  }

  /** Hand free seats to waiting flows, round robin. */
  private dispatch(): void {
    while (this.executing < this.limits.seats) {
      let next: FlowState | undefined;
      for (const f of this.flows.values()) {
        if (f.queue.length > 0 && f.executing < this.limits.flowSeats) {
          next = f;
          break;
        }
      }
      if (!next) return;
      // To the back of the round.
      this.flows.delete(next.key);
      this.flows.set(next.key, next);
      next.queue[0]!.admit();
    }
  }

  /** Flows currently known (executing or waiting): for tests and metrics. */
  get activeFlows(): number {
    return this.flows.size;
  }
}
