import { afterEach, describe, expect, it } from 'vitest';
import { startHealthServer, type HealthServer } from '../foundation/health-server.js';
import { SchedulerMetrics } from './metrics.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('scheduler /healthz and /metrics', () => {
  it('serves health and the scheduler metrics', async () => {
    const metrics = new SchedulerMetrics();
    metrics.setQueueSource(() => ({ active: 3, backoff: 2, unschedulable: 1 }));
    metrics.observeAttempt('scheduled', 0.002);
    metrics.observeAttempt('unschedulable', 0.001);
    let healthy = false;
    server = await startHealthServer({ port: 0, host: '127.0.0.1', metrics, healthy: () => healthy });
    const base = `http://127.0.0.1:${server.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    healthy = true;
    const h = await fetch(`${base}/healthz`);
    expect([h.status, await h.text()]).toEqual([200, 'ok']);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('scheduler_schedule_attempts_total{result="scheduled"} 1');
    expect(text).toContain('scheduler_schedule_attempts_total{result="unschedulable"} 1');
    expect(text).toContain('scheduler_schedule_attempts_total{result="error"} 0');
    expect(text).toContain('scheduler_scheduling_attempt_duration_seconds_bucket{le="0.002",result="scheduled"} 1');
    expect(text).toContain('scheduler_pending_pods{queue="active"} 3');
    expect(text).toContain('scheduler_pending_pods{queue="backoff"} 2');
    expect(text).toContain('scheduler_pending_pods{queue="unschedulable"} 1');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});
