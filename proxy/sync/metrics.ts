// The proxy's own metrics (docs/operations.md lists them): how long syncs take, how many
// failed, when the last one succeeded, and how many chains it keeps per table.

import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from '../../foundation/metrics.js';

export class ProxyMetrics {
  readonly duration: Histogram<'mode'>;
  readonly failures: Counter;
  readonly lastSync: Gauge;
  readonly chains: Gauge<'table'>;

  constructor(registry: Registry) {
    this.duration = new Histogram({
      name: 'orch_proxy_sync_duration_seconds',
      help: 'Time one sync of the kernel rules (iptables or nftables) took (mode full: every chain; partial: the changed services).',
      labelNames: ['mode'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.failures = new Counter({ name: 'orch_proxy_sync_failures_total', help: 'Syncs of the kernel rules that failed (retried with backoff).', registers: [registry] });
    this.lastSync = new Gauge({ name: 'orch_proxy_last_sync_timestamp_seconds', help: 'When the last sync of the kernel rules succeeded (Unix time).', registers: [registry] });
    this.chains = new Gauge({ name: 'orch_proxy_chains', help: 'Chains the proxy has programmed, by table (iptables: nat, filter; nftables: nft).', labelNames: ['table'], registers: [registry] });
  }

  observe(mode: 'full' | 'partial', seconds: number, nowMs: number, chains: Record<string, number>): void {
    this.duration.observe({ mode }, seconds);
    this.lastSync.set(nowMs / 1000);
    for (const [t, n] of Object.entries(chains)) this.chains.set({ table: t }, n);
  }
}
