// The proxy's own metrics (docs/operations.md lists them): how long syncs take, how many
// failed, when the last one succeeded, and how many chains it keeps per table.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from '../../foundation/metrics.js';
import type { Table } from '../rules/rule-state.js';

export class ProxyMetrics {
  readonly duration: Histogram<'mode'>;
  readonly failures: Counter;
  readonly lastSync: Gauge;
  readonly chains: Gauge<'table'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'orch_proxy_sync_duration_seconds',
      help: 'Time one iptables sync took (mode full: every chain; partial: the changed services).',
      labelNames: ['mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.failures = new Counter({ name: 'orch_proxy_sync_failures_total', help: 'iptables syncs that failed (retried with backoff).', registers: [registry] });
    this.lastSync = new Gauge({ name: 'orch_proxy_last_sync_timestamp_seconds', help: 'When the last iptables sync succeeded (Unix time).', registers: [registry] });
    this.chains = new Gauge({ name: 'orch_proxy_chains', help: 'Chains the proxy has programmed, by table.', labelNames: ['table'], registers: [registry] });
  }

  observe(mode: 'full' | 'partial', seconds: number, nowMs: number, chains: Record<Table, number>): void {
    this.duration.observe({ mode }, seconds);
    this.lastSync.set(nowMs / 1000);
    for (const [t, n] of Object.entries(chains)) this.chains.set({ table: t }, n);
  }
}
