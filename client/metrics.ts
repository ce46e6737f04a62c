// client-go's request metrics, registered into the process's registry (foundation/metrics.ts):
// every request of the API client by method, host and HTTP code ("<error>" when no answer
// came), and its latency. Watches and log streams count when their headers arrive.

import { Counter, Histogram, type Registry } from 'prom-client';

/** Told about every finished request: HTTP method, server host:port, status code or undefined, seconds. */
export type RequestObserver = (method: string, host: string, code: number | undefined, seconds: number) => void;

export function restClientMetrics(registry: Registry): RequestObserver {
  const total = new Counter({
    name: 'rest_client_requests_total',
    help: 'Requests to the API server, by HTTP status code ("<error>" when none came), method and host.',
    labelNames: ['code', 'method', 'host'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'rest_client_request_duration_seconds',
    help: 'Request latency to the API server (to the response headers for streams), by verb (HTTP method) and host.',
    labelNames: ['verb', 'host'] as const,
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  return (method, host, code, seconds) => {
    total.inc({ code: code === undefined ? '<error>' : String(code), method, host });
    duration.observe({ verb: method, host }, seconds);
  };
}
