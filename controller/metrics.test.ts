import { describe, expect, it } from 'vitest';
import { ControllerMetrics } from './metrics.js';

describe('ControllerMetrics', () => {
  it('counts reconciles by result and passes values and errors through', async () => {
    const m = new ControllerMetrics();
    expect(await m.observe('replicaset', async () => 42)).toBe(42);
    await expect(m.observe('replicaset', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const text = await m.registry.metrics();
    expect(text).toContain('orch_controller_reconcile_total{controller="replicaset",result="success"} 1');
    expect(text).toContain('orch_controller_reconcile_total{controller="replicaset",result="error"} 1');
    expect(text).toContain('orch_controller_reconcile_duration_seconds_count{controller="replicaset"} 2');
  });
});
