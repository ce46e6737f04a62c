// The apiserver's admission control: every authenticated request is classified
// (classify.ts) and either exempt (system:masters, like Kubernetes), long-running
// (watches, log streams: bounded by count, long-running.ts), or queued for a seat of its
// priority level (priority-level.ts). Rejections are 429 TooManyRequests with Retry-After.

import { errors, type ApiError } from '../../api/errors.js';
import type { Clock } from '../../foundation/clock.js';
import type { Classification } from './classify.js';
import { DEFAULT_LEVELS, EXEMPT_LEVEL, levelLimits, type LevelLimits, type PriorityLevelConfig } from './config.js';
import { LongRunningLimiter } from './long-running.js';
import { PriorityLevel, RejectedError } from './priority-level.js';

export interface FlowControlOptions {
  /** Seats shared by the non-exempt priority levels (--max-requests-inflight). */
  maxRequestsInFlight: number;
  /** How long a request may wait for a seat before it gets 429 (Kubernetes: a quarter of the request timeout). */
  queueWaitMs: number;
  /** Watches and log streams open at once, in all and per user. */
  maxOpenWatches: number;
  maxOpenWatchesPerUser: number;
  levels?: readonly PriorityLevelConfig[];
  clock: Clock;
  observer?: FlowObserver;
}

export interface FlowLabels {
  priorityLevel: string;
  flowSchema: string;
}

/** What metrics see (metrics.ts implements it with prom-client). */
export interface FlowObserver {
  executing(l: FlowLabels, delta: number): void;
  waiting(l: FlowLabels, delta: number): void;
  dispatched(l: FlowLabels, waitedSeconds: number): void;
  rejected(l: FlowLabels, reason: string): void;
}

const RETRY_AFTER_SECONDS = 1;

export class FlowController {
  private readonly levels = new Map<string, PriorityLevel>();
  readonly longRunning: LongRunningLimiter;
  private readonly observer?: FlowObserver;

  constructor(opts: FlowControlOptions) {
    for (const limits of levelLimits(opts.maxRequestsInFlight, opts.levels ?? DEFAULT_LEVELS))
      this.levels.set(limits.name, new PriorityLevel(limits, opts.clock, opts.queueWaitMs));
    this.longRunning = new LongRunningLimiter({ total: opts.maxOpenWatches, perUser: opts.maxOpenWatchesPerUser });
    this.observer = opts.observer;
  }

  /** Seats and per-flow caps of each level (metrics, docs, tests). */
  limits(): LevelLimits[] {
    return [...this.levels.values()].map((l) => l.limits);
  }

  level(name: string): PriorityLevel | undefined {
    return this.levels.get(name);
  }

  /**
   * Wait for a seat; resolves with the function that gives it back. Throws an ApiError
   * 429 when the flow's queue is full or the wait is too long; `signal` aborts the wait
   * (the client went away).
   */
  async admit(c: Classification, signal?: AbortSignal): Promise<() => void> {
    const labels: FlowLabels = { priorityLevel: c.priorityLevel, flowSchema: c.flowSchema };
    const level = this.levels.get(c.priorityLevel);
    if (c.priorityLevel === EXEMPT_LEVEL || !level) return this.track(labels, 0);
    this.observer?.waiting(labels, 1);
    try {
      const admission = await level.acquire(c.flow, signal);
      return this.track(labels, admission.waitedMs, admission.release);
    } catch (err) {
      if (!(err instanceof RejectedError)) throw err;
      this.observer?.rejected(labels, err.reason);
      throw tooMany(`too many requests from ${c.flow} at priority level ${c.priorityLevel}, please try again later (${err.reason})`);
    } finally {
      this.observer?.waiting(labels, -1);
    }
  }

  /** Admit a watch or log stream against the open-stream bounds; throws 429 beyond them. */
  admitLongRunning(user: string): () => void {
    const r = this.longRunning.acquire(user);
    if (typeof r === 'function') return r;
    this.observer?.rejected({ priorityLevel: 'long-running', flowSchema: 'long-running' }, r.reason === 'total' ? 'too-many-watches' : 'too-many-watches-per-user');
    throw tooMany(r.message);
  }

  private track(labels: FlowLabels, waitedMs: number, release: () => void = () => undefined): () => void {
    this.observer?.dispatched(labels, waitedMs / 1000);
    this.observer?.executing(labels, 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.observer?.executing(labels, -1);
      release();
    };
  }
}

function tooMany(message: string): ApiError {
  return errors.tooManyRequests(message, RETRY_AFTER_SECONDS);
}
