import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { Pod } from '../api/types.js';
import { AgentMetrics } from './metrics.js';
import { InstrumentedRuntime } from './runtime/instrumented-runtime.js';
import { FakeRuntime } from './testing/fake-runtime.js';

const spec = (name: string, attempt: number) => ({
  name,
  image: 'img:1',
  labels: { 'orch.io/node': 'n1', 'orch.io/attempt': String(attempt) },
  env: [],
  ports: [],
  binds: [],
  networkMode: 'bridge',
});

/** Values of one metric family as { 'labels': value }. */
async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const m = registry.getSingleMetric(name);
  if (!m) throw new Error(`no metric ${name}`);
  const out: Record<string, number> = {};
  for (const v of (await m.get()).values) {
    const key = Object.entries(v.labels).filter(([k]) => k !== 'le').map(([k, x]) => `${k}=${x}`).join(',');
    const metricName = (v as { metricName?: string }).metricName;
    if (metricName && !metricName.endsWith('_count')) continue;
    out[key] = v.value;
  }
  return out;
}

describe('agent metrics through the instrumented runtime', () => {
  it('counts Docker calls and failures by operation, container starts and restarts, image pulls', async () => {
    const registry = new Registry();
    const metrics = new AgentMetrics(registry);
    const fake = new FakeRuntime();
    fake.addImage('img:1');
    fake.pullFailures.set('missing:1', 'pull access denied');
    const rt = new InstrumentedRuntime(fake, metrics);

    const first = await rt.create(spec('a0', 0));
    await rt.start(first);
    const second = await rt.create(spec('a1', 1)); // a restart: attempt 1 of the same container
    await rt.start(second);
    // A re-created sandbox (attempt 1) counts as a podsandbox start, not as a container restart.
    const sandbox = await rt.create({ ...spec('s1', 1), labels: { ...spec('s1', 1).labels, 'orch.io/container': 'POD' } });
    await rt.start(sandbox);
    await expect(rt.start('no-such-container')).rejects.toThrow(/No such container/);
    await rt.pullImage('img:1', 1000);
    await expect(rt.pullImage('missing:1', 1000)).rejects.toThrow(/pull access denied/);
    await rt.listContainers({ 'orch.io/node': 'n1' });

    expect(await values(registry, 'kubelet_runtime_operations_total')).toEqual({
      'operation_type=create_container': 3,
      'operation_type=start_container': 4,
      'operation_type=pull_image': 2,
      'operation_type=list_containers': 1,
    });
    expect(await values(registry, 'kubelet_runtime_operations_errors_total')).toEqual({ 'operation_type=start_container': 1, 'operation_type=pull_image': 1 });
    expect(await values(registry, 'kubelet_runtime_operations_duration_seconds')).toMatchObject({ 'operation_type=start_container': 4 });
    expect(await values(registry, 'kubelet_started_containers_total')).toEqual({ 'container_type=container': 2, 'container_type=podsandbox': 1 });
    expect(await values(registry, 'kubelet_started_containers_errors_total')).toEqual({ 'container_type=container': 1, 'container_type=podsandbox': 0 });
    expect(await values(registry, 'orch_agent_container_restarts_total')).toEqual({ '': 1 });
    expect(await values(registry, 'orch_agent_image_pulls_total')).toEqual({ 'result=success': 1, 'result=failure': 1 });
    expect(await values(registry, 'orch_agent_image_pull_duration_seconds')).toEqual({ 'result=success': 1, 'result=failure': 1 });
  });

  it('pods and containers by state, read at scrape time', async () => {
    const registry = new Registry();
    const metrics = new AgentMetrics(registry);
    const fake = new FakeRuntime();
    fake.addImage('img:1');
    const running = await fake.create(spec('r', 0));
    await fake.start(running);
    const exited = await fake.create(spec('e', 0));
    await fake.start(exited);
    fake.exit(exited, 1);
    await fake.create(spec('c', 0));
    const pod = (phase: string, running: boolean): Pod =>
      ({ metadata: { name: phase }, spec: { containers: [] }, status: { phase, containerStatuses: [{ name: 'main', state: running ? { running: {} } : { waiting: {} } }] } }) as unknown as Pod;
    metrics.setSources({ pods: () => [pod('Running', true), pod('Running', true), pod('Pending', false)], containers: () => fake.listContainers({ 'orch.io/node': 'n1' }) });

    expect(await values(registry, 'kubelet_running_pods')).toEqual({ '': 2 });
    expect(await values(registry, 'orch_agent_pods')).toEqual({ 'phase=Pending': 1, 'phase=Running': 2, 'phase=Succeeded': 0, 'phase=Failed': 0, 'phase=Unknown': 0 });
    expect(await values(registry, 'kubelet_running_containers')).toEqual({ 'container_state=created': 1, 'container_state=running': 1, 'container_state=exited': 1 });

    // Docker unreachable: the last values stay rather than a scrape error.
    metrics.setSources({ pods: () => [], containers: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')) });
    expect(await values(registry, 'kubelet_running_containers')).toEqual({ 'container_state=created': 1, 'container_state=running': 1, 'container_state=exited': 1 });
    expect(await registry.metrics()).toContain('kubelet_running_pods 0');
  });
});
