// Prometheus metrics of one apiserver, in the process's registry (foundation/metrics.ts;
// never prom-client's global one, so tests can run several servers in one process).
// Names follow Kubernetes'.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { processRegistry } from '../foundation/metrics.js';
import type { FlowObserver } from './flow-control/flow-controller.js';

export interface ApiserverMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  duration: Histogram<'verb' | 'resource'>;
  openWatches: Gauge<'resource'>;
  etcdDuration: Histogram<'operation'>;
  /** Hand this to the storage factory's `observe` option. */
  observeEtcd(operation: string, seconds: number): void;
  /** Flow control (apiserver_flowcontrol_*, Kubernetes' names and labels). */
  flow: FlowObserver;
  flowSeats: Gauge<'priority_level'>;
  /** Where apiserver_watch_buffered_bytes is read from when scraped (the server's watch budget). */
  watchBufferedBytesFrom(read: () => number): void;
  /** Watch streams expired for slowness, by resource and why. */
  terminatedWatchers: Counter<'resource' | 'reason'>;
  /** Audit events written, and lost (audit/writer.ts: queue full, disk full). */
  auditEvents: Counter;
  auditErrors: Counter;
  /** Admission webhook calls (webhooks/dispatcher.ts), Kubernetes' name and labels. */
  webhookDuration: Histogram<'name' | 'type' | 'operation' | 'rejected'>;
}

/** Registers the apiserver's metrics into `registry` (default: a fresh process registry). */
export function createMetrics(opts: { registry?: Registry; processMetrics?: boolean } = {}): ApiserverMetrics {
  const registry = opts.registry ?? processRegistry({ defaultMetrics: opts.processMetrics ?? true });
  const requests = new Counter({
    name: 'apiserver_request_total',
    help: 'Requests by Kubernetes verb, resource and HTTP status code.',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Request latency by verb and resource (watches excluded: they last as long as the client wants).',
    labelNames: ['verb', 'resource'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const openWatches = new Gauge({
    name: 'apiserver_open_watches',
    help: 'Watch streams currently open, by resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
  });
  const etcdDuration = new Histogram({
    name: 'etcd_request_duration_seconds',
    help: 'etcd request latency by storage operation.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const flowLabels = ['priority_level', 'flow_schema'] as const;
  const executing = new Gauge({ name: 'apiserver_flowcontrol_current_executing_requests', help: 'Requests executing (holding a seat; exempt ones too), by priority level and flow schema.', labelNames: flowLabels, registers: [registry] });
  const inQueue = new Gauge({ name: 'apiserver_flowcontrol_current_inqueue_requests', help: 'Requests waiting for a seat, by priority level and flow schema.', labelNames: flowLabels, registers: [registry] });
  const dispatched = new Counter({ name: 'apiserver_flowcontrol_dispatched_requests_total', help: 'Requests given a seat, by priority level and flow schema.', labelNames: flowLabels, registers: [registry] });
  const rejected = new Counter({ name: 'apiserver_flowcontrol_rejected_requests_total', help: 'Requests rejected with 429, by priority level, flow schema and reason (queue-full, time-out, cancelled, too-many-watches, too-many-watches-per-user).', labelNames: [...flowLabels, 'reason'] as const, registers: [registry] });
  const waitDuration = new Histogram({ name: 'apiserver_flowcontrol_request_wait_duration_seconds', help: 'Time requests waited for a seat, by priority level and flow schema.', labelNames: flowLabels, buckets: [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30], registers: [registry] });
  const flowSeats = new Gauge({ name: 'apiserver_flowcontrol_nominal_limit_seats', help: 'Seats of each priority level (its share of --max-requests-inflight).', labelNames: ['priority_level'] as const, registers: [registry] });
  let readBuffered = () => 0;
  new Gauge({
    name: 'apiserver_watch_buffered_bytes',
    help: 'Bytes queued for watch clients that have not taken them yet, summed over all streams (bounded by --max-watch-buffer-mb).',
    registers: [registry],
    collect() {
      this.set(readBuffered());
    },
  });
  const auditEvents = new Counter({ name: 'apiserver_audit_event_total', help: 'Audit events written to the audit log.', registers: [registry] });
  const auditErrors = new Counter({ name: 'apiserver_audit_error_total', help: 'Audit events lost: the audit log could not be written (disk full) or its queue was full.', registers: [registry] });
  const terminatedWatchers = new Counter({ name: 'apiserver_terminated_watchers_total', help: 'Watch streams expired (410) because their client did not keep up, by resource and reason (buffer-full, queue-full, memory-budget).', labelNames: ['resource', 'reason'] as const, registers: [registry] });
  const webhookDuration = new Histogram({
    name: 'apiserver_admission_webhook_admission_duration_seconds',
    help: 'Admission webhook call latency, by webhook name, type (admit for mutating, validating), operation and whether it refused the request (or failed with failurePolicy Fail).',
    labelNames: ['name', 'type', 'operation', 'rejected'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 25],
    registers: [registry],
  });
  const l = (x: { priorityLevel: string; flowSchema: string }) => ({ priority_level: x.priorityLevel, flow_schema: x.flowSchema });
  return {
    registry,
    requests,
    duration,
    openWatches,
    etcdDuration,
    observeEtcd: (operation, seconds) => etcdDuration.observe({ operation }, seconds),
    flow: {
      executing: (x, d) => executing.inc(l(x), d),
      waiting: (x, d) => inQueue.inc(l(x), d),
      dispatched: (x, s) => (dispatched.inc(l(x)), waitDuration.observe(l(x), s)),
      rejected: (x, reason) => rejected.inc({ ...l(x), reason }),
    },
    flowSeats,
    watchBufferedBytesFrom: (read) => void (readBuffered = read),
    terminatedWatchers,
    auditEvents,
    auditErrors,
    webhookDuration,
  };
}
