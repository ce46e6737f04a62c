// Prometheus metrics of the controllers, in the process's registry (foundation/metrics.ts,
// which also holds the standard process_* and nodejs_* metrics, unprefixed): per
// controller, reconciles by result and their duration (what an operator looks at first
// when a rollout seems stuck: is the controller failing, or slow?).

import { Counter, Histogram, Registry } from 'prom-client';
import type { ReconcileObserver } from './shared/types.js';

export class ControllerMetrics implements ReconcileObserver {
  private readonly total: Counter<'controller' | 'result'>;
  private readonly duration: Histogram<'controller'>;

  constructor(readonly registry: Registry = new Registry()) {
    this.total = new Counter({ name: 'orch_controller_reconcile_total', help: 'Reconciles by controller and result', labelNames: ['controller', 'result'], registers: [this.registry] });
    this.duration = new Histogram({
      name: 'orch_controller_reconcile_duration_seconds',
      help: 'Reconcile duration by controller',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [this.registry],
    });
  }

  async observe<T>(controller: string, fn: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ controller });
    try {
      const v = await fn();
      this.total.inc({ controller, result: 'success' });
      return v;
    } catch (err) {
      this.total.inc({ controller, result: 'error' });
      throw err;
    } finally {
      end();
    }
  }
}
