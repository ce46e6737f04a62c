// client-go's workqueue metrics, in a process's prom-client registry, one `name` label per
// queue (the controller, or the agent's pod sync):
//   workqueue_depth                              keys waiting to be handed to a worker
//   workqueue_adds_total                         keys added (a key already waiting is not counted again)
//   workqueue_queue_duration_seconds             how long a key waited before a worker took it
//   workqueue_work_duration_seconds              how long processing one key took
//   workqueue_retries_total                      rate-limited re-adds (failures, requeue results)
//   workqueue_unfinished_work_seconds            seconds of work in progress not yet observed by
//                                                work_duration (large values: stuck workers)
//   workqueue_longest_running_processor_seconds  how long the longest running worker has been at it
// Depth and the two "in progress" gauges are read from the live queues when scraped, so
// several queues of one name (a controller restarted under the same registry) add up and
// a shut-down queue drops out.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What one queue reports as it works (work-queue.ts calls it). */
export interface QueueMetricsSink {
  added(): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
  /** The queue was shut down: it leaves the scraped gauges. */
  unregister(): void;
}

/** What the gauges read from a live queue at scrape time. */
export interface ObservedQueue {
  readonly name: string;
  len(): number;
  unfinishedWork(): { totalSeconds: number; longestSeconds: number };
}

/** client-go's buckets: 10 ns to 10 s, ×10. */
const BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

export class QueueMetrics {
  private readonly queues = new Set<ObservedQueue>();
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly latency: Histogram<'name'>;
  private readonly work: Histogram<'name'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const queues = this.queues;
    const gauge = (name: string, help: string, value: (q: ObservedQueue) => number, combine: (a: number, b: number) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['name'],
        registers,
        collect() {
          this.reset();
          const byName = new Map<string, number>();
          for (const q of queues) byName.set(q.name, combine(byName.get(q.name) ?? 0, value(q)));
          for (const [name, v] of byName) this.set({ name }, v);
        },
      });
    const sum = (a: number, b: number) => a + b;
    gauge('workqueue_depth', 'Current depth of workqueue', (q) => q.len(), sum);
    gauge('workqueue_unfinished_work_seconds', 'How many seconds of work has been done that is in progress and hasn\'t been observed by work_duration. Large values indicate stuck threads.', (q) => q.unfinishedWork().totalSeconds, sum);
    gauge('workqueue_longest_running_processor_seconds', 'How many seconds has the longest running processor for workqueue been running.', (q) => q.unfinishedWork().longestSeconds, Math.max);
    this.adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
    this.retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });
    this.latency = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested.', labelNames: ['name'], buckets: BUCKETS, registers });
    this.work = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes.', labelNames: ['name'], buckets: BUCKETS, registers });
  }

  register(q: ObservedQueue): QueueMetricsSink {
    this.queues.add(q);
    const name = q.name;
    // Label sets exist from the start, so a scrape shows 0 rather than nothing.
    this.adds.inc({ name }, 0);
    this.retries.inc({ name }, 0);
    return {
      added: () => this.adds.inc({ name }),
      queued: (s) => this.latency.observe({ name }, s),
      worked: (s) => this.work.observe({ name }, s),
      retried: () => this.retries.inc({ name }),
      unregister: () => this.queues.delete(q),
    };
  }
}

const perRegistry = new WeakMap<Registry, QueueMetrics>();

/** The workqueue metrics of a registry (made on first use: the metric names exist once per registry). */
export function queueMetrics(registry: Registry): QueueMetrics {
  let m = perRegistry.get(registry);
  if (!m) {
    m = new QueueMetrics(registry);
    perRegistry.set(registry, m);
  }
  return m;
}
