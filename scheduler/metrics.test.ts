import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { SchedulerMetrics } from './metrics.js';

describe('SchedulerMetrics', () => {
  it('registers Kubernetes scheduler metrics into the registry it is given', async () => {
    const registry = new Registry();
    const metrics = new SchedulerMetrics(registry);
    metrics.setQueueSource(() => ({ active: 3, backoff: 2, unschedulable: 1 }));
    metrics.observeAttempt('scheduled', 0.002);
    metrics.observeAttempt('unschedulable', 0.001);
    const text = await registry.metrics();
    expect(text).toContain('scheduler_schedule_attempts_total{result="scheduled"} 1');
    expect(text).toContain('scheduler_schedule_attempts_total{result="unschedulable"} 1');
    expect(text).toContain('scheduler_schedule_attempts_total{result="error"} 0');
    expect(text).toContain('scheduler_scheduling_attempt_duration_seconds_bucket{le="0.002",result="scheduled"} 1');
    expect(text).toContain('scheduler_pending_pods{queue="active"} 3');
    expect(text).toContain('scheduler_pending_pods{queue="backoff"} 2');
    expect(text).toContain('scheduler_pending_pods{queue="unschedulable"} 1');
  });
});
