// Prometheus metrics of the scheduler (Kubernetes' names), in the process's registry
// (foundation/metrics.ts): attempts by result, attempt latency, queue lengths. One
// instance per process, shared by every Scheduler of its leadership terms.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export class SchedulerMetrics {
  private readonly attempts: Counter<'result'>;
  private readonly duration: Histogram<'result'>;
  private readonly pending: Gauge<'queue'>;
  private queueStats: () => { active: number; backoff: number; unschedulable: number } = () => ({ active: 0, backoff: 0, unschedulable: 0 });

  constructor(readonly registry: Registry = new Registry()) {
    this.attempts = new Counter({
      name: 'scheduler_schedule_attempts_total',
      help: 'Number of attempts to schedule pods, by the result.',
      labelNames: ['result'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'scheduler_scheduling_attempt_duration_seconds',
      help: 'Scheduling attempt latency in seconds (filtering, scoring and, for scheduled pods, the binding call).',
      labelNames: ['result'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const self = this;
    this.pending = new Gauge({
      name: 'scheduler_pending_pods',
      help: 'Number of pending pods, by the queue type.',
      labelNames: ['queue'],
      registers: [this.registry],
      collect() {
        const s = self.queueStats();
        this.set({ queue: 'active' }, s.active);
        this.set({ queue: 'backoff' }, s.backoff);
        this.set({ queue: 'unschedulable' }, s.unschedulable);
      },
    });
    for (const r of ['scheduled', 'unschedulable', 'error'] as const) this.attempts.inc({ result: r }, 0);
  }

  /** Where scheduler_pending_pods reads from at scrape time. */
  setQueueSource(fn: () => { active: number; backoff: number; unschedulable: number }): void {
    this.queueStats = fn;
  }

  observeAttempt(result: AttemptResult, seconds: number): void {
    this.attempts.inc({ result });
    this.duration.observe({ result }, seconds);
  }

  async attemptCount(result: AttemptResult): Promise<number> {
    const m = await this.attempts.get();
    return m.values.find((v) => v.labels.result === result)?.value ?? 0;
  }
}
