// Prometheus metrics of the controllers, in the process's registry (foundation/metrics.ts,
// which also holds the standard process_* and nodejs_* metrics, unprefixed): client-go's
// workqueue_* metrics of every controller's queue (client/work-queue-metrics.ts, `name` =
// the controller) and, per controller, reconciles by result and their duration (what an
// operator looks at first when a rollout seems stuck: is the controller failing, or slow?).
// The one reconcile loop (client/reconcile-loop.ts) reports every reconcile here.

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReconcileOutcome } from '../client/reconcile-loop.js';

export class ControllerMetrics {
  private readonly total: Counter<'controller' | 'result'>;
  private readonly duration: Histogram<'controller'>;
  /** Node IPAM: share of each cluster CIDR's node blocks reserved, as this process last saw the record. */
  readonly cidrUsage: Gauge<'cluster_cidr'>;
  /** Node IPAM: record writes that lost a race (409) and were chosen again. */
  readonly recordConflicts: Counter;

  constructor(readonly registry: Registry = new Registry()) {
    this.total = new Counter({ name: 'orch_controller_reconcile_total', help: 'Reconciles by controller and result', labelNames: ['controller', 'result'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'orch_controller_reconcile_duration_seconds',
      help: 'Reconcile duration by controller',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [this.registry],
    });
    this.cidrUsage = new Gauge({ name: 'orch_nodeipam_cidrset_usage_ratio', help: 'Share of the cluster CIDR node blocks reserved', labelNames: ['cluster_cidr'], registers: [this.registry] });
    this.recordConflicts = new Counter({ name: 'orch_nodeipam_record_conflicts_total', help: 'Pod network record writes that got 409 and were retried', registers: [this.registry] });
  }

  /** One reconcile of `controller` ended (the loop's observe hook). */
  reconciled(controller: string, outcome: ReconcileOutcome, seconds: number): void {
    this.total.inc({ controller, result: outcome });
    this.duration.observe({ controller }, seconds);
  }
}
