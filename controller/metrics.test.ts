import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';

describe('ControllerMetrics', () => {
  it('counts reconciles by result and observes their duration', async () => {
    const m = new ControllerMetrics();
    m.reconciled('replicaset', 'success', 0.002);
    m.reconciled('replicaset', 'error', 0.5);
    const text = await m.registry.metrics();
    expect(text).toContain('orch_controller_reconcile_total{controller="replicaset",result="success"} 1');
    expect(text).toContain('orch_controller_reconcile_total{controller="replicaset",result="error"} 1');
    expect(text).toContain('orch_controller_reconcile_duration_seconds_count{controller="replicaset"} 2');
    expect(text).toContain('orch_controller_reconcile_duration_seconds_sum{controller="replicaset"} 0.502');
  });
});
