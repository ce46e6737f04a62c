// Prometheus metrics of the controller manager: process metrics plus, per controller,
// reconciles by result and their duration (what an operator looks at first when a
// rollout seems stuck: is the controller failing, or slow?).

import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { ReconcileObserver } from './shared/types.js';

export class ControllerMetrics implements ReconcileObserver {
  readonly registry = new Registry();
  private readonly total: Counter<'controller' | 'result'>;
  private readonly duration: Histogram<'controller'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'orch_controller_manager_' });
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

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
