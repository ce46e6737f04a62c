// Prometheus metrics of one apiserver, in its own registry (not prom-client's global one)
// so tests can run several servers in one process. Names follow Kubernetes'.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiserverMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  duration: Histogram<'verb' | 'resource'>;
  openWatches: Gauge<'resource'>;
  etcdDuration: Histogram<'operation'>;
  /** Hand this to the storage factory's `observe` option. */
  observeEtcd(operation: string, seconds: number): void;
}

export function createMetrics(opts: { processMetrics?: boolean } = {}): ApiserverMetrics {
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
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
  return {
    registry,
    requests,
    duration,
    openWatches,
    etcdDuration,
    observeEtcd: (operation, seconds) => etcdDuration.observe({ operation }, seconds),
  };
}
