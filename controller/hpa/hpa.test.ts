// The autoscaler on a fake clock: a fake client (the Deployment's /scale, the
// HorizontalPodAutoscaler's /status), informers the test fills, and pod usage fed through
// the metrics interface. Each test drives reconcile passes at chosen times.

import { beforeEach, describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec } from '../../api/hpa-types.js';
import type { Deployment, Pod } from '../../api/types.js';
import type { StatefulSet } from '../../api/statefulset-types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { HpaController } from './controller.js';
import type { PodMetrics, ResourceMetricsClient, ResourceName } from './metrics-client.js';

const START = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

class FakeMetrics implements ResourceMetricsClient {
  /** pod → milli units per resource; a pod absent here has no sample. */
  usage = new Map<string, Partial<Record<ResourceName, number>>>();
  fail?: string;
  constructor(private readonly clock: FakeClock) {}
  async getResourceMetric(resource: ResourceName): Promise<PodMetrics> {
    if (this.fail) throw new Error(this.fail);
    const out: PodMetrics = new Map();
    for (const [pod, u] of this.usage) if (u[resource] !== undefined) out.set(pod, { milliValue: u[resource]!, timestampMs: this.clock.now(), windowMs: 5000 });
    if (out.size === 0) throw new Error('no metrics returned from resource metrics API');
    return out;
  }
}

let clock: FakeClock;
let client: FakeClient;
let hpas: MemoryInformer<HorizontalPodAutoscaler>;
let pods: MemoryInformer<Pod>;
let metrics: FakeMetrics;
let recorder: RecordingRecorder;
let ctrl: HpaController;

function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  } as Deployment;
}

/** A Running, Ready pod started long ago, requesting 100m cpu and 100Mi memory (unless `requests` is null). */
function pod(name: string, opts: { phase?: 'Pending' | 'Running'; ready?: boolean; requests?: Record<string, string> | null; startedMs?: number } = {}): Pod {
  const started = opts.startedMs ?? START - 3_600_000;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', ...(opts.requests === null ? {} : { resources: { requests: opts.requests ?? { cpu: '100m', memory: '100Mi' } } }) }] },
    status: {
      phase: opts.phase ?? 'Running',
      startTime: iso(started),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: iso(started) }],
    },
  } as Pod;
}

async function setup(replicas: number, spec: Partial<HorizontalPodAutoscalerSpec>, podList: Pod[], options = {}): Promise<void> {
  client.seed([deployment(replicas), ...podList]);
  await client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').create({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [cpu(50)], ...spec },
  });
  ctrl = new HpaController({ client, hpas, pods, metrics, recorder, clock, logger: silentLogger(), queue: new RecordingQueue(), options });
  await syncInformer(client, 'horizontalpodautoscalers', hpas);
  await syncInformer(client, 'pods', pods);
}

const cpu = (percent: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' as const, averageUtilization: percent } } });

/** One pass at the clock's time, on caches that show every write so far. */
async function pass(): Promise<HorizontalPodAutoscaler> {
  await syncInformer(client, 'horizontalpodautoscalers', hpas);
  await syncInformer(client, 'pods', pods);
  const result = await ctrl.reconcile('default/web');
  expect(result.requeueAfterMs).toBe(5000);
  return client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').get('web', 'default');
}

const replicas = async () => (await client.deployments.get('web', 'default')).spec.replicas;
const cond = (h: HorizontalPodAutoscaler, type: string) => h.status?.conditions?.find((c) => c.type === type);
const setUsage = (cpuMilli: number, names: string[]) => names.forEach((n) => metrics.usage.set(n, { cpu: cpuMilli, memory: 50 * 1024 * 1024 * 1000 }));

beforeEach(() => {
  clock = new FakeClock(START);
  client = new FakeClient({ clock });
  hpas = new MemoryInformer();
  pods = new MemoryInformer();
  metrics = new FakeMetrics(clock);
  recorder = new RecordingRecorder();
});

describe('scaling on cpu utilization', () => {
  it('scales up to ceil(ratio × pods) and says why, in the status, the conditions and an Event', async () => {
    await setup(2, {}, [pod('web-0'), pod('web-1')]);
    setUsage(90, ['web-0', 'web-1']);
    const h = await pass();
    expect(await replicas()).toBe(4);
    expect(recorder.events).toContainEqual({ object: 'default/web', type: 'Normal', reason: 'SuccessfulRescale', message: 'New size: 4; reason: cpu resource utilization (percentage of request) above target' });
    expect(h.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, lastScaleTime: iso(START), observedGeneration: 1 });
    expect(h.status!.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }]);
    expect(cond(h, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale', message: 'the HPA controller was able to update the target scale to 4' });
    expect(cond(h, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    expect(cond(h, 'ScalingLimited')).toMatchObject({ status: 'False', reason: 'DesiredWithinRange' });
  });

  it('does nothing within the 10% tolerance', async () => {
    await setup(2, {}, [pod('web-0'), pod('web-1')]);
    setUsage(54, ['web-0', 'web-1']);
    const h = await pass();
    expect(await replicas()).toBe(2);
    expect(h.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });
    expect(cond(h, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'ReadyForNewScale' });
    expect(recorder.reasons()).not.toContain('SuccessfulRescale');
  });

  it('caps at maxReplicas (ScalingLimited TooManyReplicas) and goes to the bounds when the target is outside them', async () => {
    await setup(4, { maxReplicas: 5 }, ['web-0', 'web-1', 'web-2', 'web-3'].map((n) => pod(n)));
    setUsage(100, ['web-0', 'web-1', 'web-2', 'web-3']);
    let h = await pass();
    expect(await replicas()).toBe(5);
    expect(cond(h, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' });
    await client.deployments.updateScale('web', 'default', { ...(await client.deployments.getScale('web', 'default')), spec: { replicas: 9 } });
    h = await pass();
    expect(await replicas()).toBe(5);
    expect(recorder.events.at(-1)!.message).toBe('New size: 5; reason: Current number of replicas above Spec.MaxReplicas');
  });

  it('scales down only after the stabilization window, to the highest recent recommendation', async () => {
    const names = ['web-0', 'web-1', 'web-2', 'web-3'];
    await setup(4, { behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }, names.map((n) => pod(n)));
    setUsage(50, names);
    await pass(); // recommendation 4 at t0
    setUsage(10, names);
    await clock.advance(30_000);
    let h = await pass(); // recommends 1, the window still holds 4
    expect(await replicas()).toBe(4);
    expect(cond(h, 'AbleToScale')).toMatchObject({ reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' });
    await clock.advance(31_000);
    h = await pass(); // t0's 4 is out of the window; 30 s ago said 1
    expect(await replicas()).toBe(1);
    expect(recorder.events.at(-1)).toMatchObject({ reason: 'SuccessfulRescale', message: 'New size: 1; reason: All metrics below target' });
    expect(h.status).toMatchObject({ currentReplicas: 4, desiredReplicas: 1 });
  });

  it('uses the controller\'s downscale stabilization when the object names none (default 300 s)', async () => {
    const names = ['web-0', 'web-1'];
    await setup(2, {}, names.map((n) => pod(n)));
    setUsage(50, names);
    await pass();
    setUsage(5, names);
    await clock.advance(290_000);
    await pass();
    expect(await replicas()).toBe(2);
    await clock.advance(11_000);
    await pass();
    expect(await replicas()).toBe(1);
  });
});

describe('behavior policies', () => {
  it('a Pods policy limits each period; the next period allows more (ScaleUpLimit)', async () => {
    const names = ['web-0', 'web-1'];
    await setup(2, { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } }, names.map((n) => pod(n)));
    setUsage(200, names);
    let h = await pass();
    expect(await replicas()).toBe(3);
    expect(cond(h, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
    await clock.advance(30_000);
    await pass();
    expect(await replicas()).toBe(3);
    await clock.advance(31_000);
    h = await pass();
    expect(await replicas()).toBe(4);
  });

  it('selectPolicy Min takes the smaller of Pods and Percent; Max the larger', async () => {
    const names = ['web-0', 'web-1'];
    const policies = [{ type: 'Pods' as const, value: 4, periodSeconds: 15 }, { type: 'Percent' as const, value: 50, periodSeconds: 15 }];
    await setup(2, { behavior: { scaleUp: { selectPolicy: 'Min', policies } } }, names.map((n) => pod(n)));
    setUsage(500, names);
    await pass();
    expect(await replicas()).toBe(3); // Pods → 6, Percent → ceil(2 × 1.5) = 3
  });

  it('selectPolicy Max with the defaults doubles or adds 4', async () => {
    const names = ['web-0', 'web-1'];
    await setup(2, { maxReplicas: 20 }, names.map((n) => pod(n)));
    setUsage(1000, names);
    await pass();
    expect(await replicas()).toBe(6); // 20 asked; Pods 2+4 = 6, Percent 2×2 = 4
  });

  it('selectPolicy Disabled never scales that way', async () => {
    const names = ['web-0', 'web-1', 'web-2'];
    await setup(3, { behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } } }, names.map((n) => pod(n)));
    setUsage(5, names);
    const h = await pass();
    expect(await replicas()).toBe(3);
    expect(cond(h, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleDownLimit' });
  });

  it('a Percent scale-down policy removes at most that share per period', async () => {
    const names = ['web-0', 'web-1', 'web-2', 'web-3'];
    await setup(4, { behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }] } } }, names.map((n) => pod(n)));
    setUsage(5, names);
    await pass();
    expect(await replicas()).toBe(2);
  });
});

describe('pods that do not count normally', () => {
  it('no cpu request: ScalingActive False FailedGetResourceMetric, with the container named; no scaling', async () => {
    await setup(2, {}, [pod('web-0', { requests: null }), pod('web-1', { requests: null })]);
    setUsage(90, ['web-0', 'web-1']);
    const h = await pass();
    expect(await replicas()).toBe(2);
    expect(cond(h, 'ScalingActive')).toMatchObject({
      status: 'False',
      reason: 'FailedGetResourceMetric',
      message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container c of Pod web-0',
    });
    expect(recorder.reasons()).toEqual(expect.arrayContaining(['FailedGetResourceMetric', 'FailedComputeMetricsReplicas']));
  });

  it('no metrics at all: FailedGetResourceMetric naming the metrics API', async () => {
    await setup(2, {}, [pod('web-0'), pod('web-1')]);
    metrics.fail = 'unable to fetch metrics from resource metrics API: the server could not find the requested resource';
    const h = await pass();
    expect(cond(h, 'ScalingActive')!.message).toBe('the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource');
    expect(h.status!.currentMetrics).toEqual([{ type: '' }]);
  });

  it('a pod without a sample counts as using 100% on a scale-down', async () => {
    await setup(3, { behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }, ['web-0', 'web-1', 'web-2'].map((n) => pod(n)));
    setUsage(10, ['web-0', 'web-1']);
    await pass();
    // (10 + 10 + 100) / 300 = 40% of request against 50% → ceil(0.8 × 3) = 3: no change; without the fill-in it would be 1.
    expect(await replicas()).toBe(3);
  });

  it('an unready pod counts as 0 on a scale-up, which can cancel it', async () => {
    await setup(3, {}, [pod('web-0'), pod('web-1'), pod('web-2', { phase: 'Pending' })]);
    setUsage(70, ['web-0', 'web-1']);
    await pass();
    // 70% of request on the ready pods, (70 + 70 + 0) / 300 = 46% with the pending one: the direction flips, no change.
    expect(await replicas()).toBe(3);
  });

  it('a pod started within the cpu initialization period whose sample predates a full window after Ready is unready', async () => {
    await setup(2, {}, [pod('web-0'), pod('web-1', { startedMs: START - 1000 })]);
    setUsage(60, ['web-0', 'web-1']);
    await pass();
    // Counted as ready, both would give 60% → 3 replicas. web-1's sample is not a full window after it became Ready:
    // it counts as 0 on a scale-up, (60 + 0) / 200 = 30% of request, the direction flips, no change.
    expect(await replicas()).toBe(2);
  });
});

describe('targets', () => {
  it('a target that does not exist: AbleToScale False FailedGetScale and an Event', async () => {
    await setup(2, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } }, []);
    const h = await pass();
    expect(cond(h, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "nope" not found' });
    expect(recorder.reasons()).toContain('FailedGetScale');
  });

  it('a kind without a scale subresource: FailedGetScale', async () => {
    await setup(2, { scaleTargetRef: { apiVersion: 'v1', kind: 'ConfigMap', name: 'web' } }, []);
    const h = await pass();
    expect(cond(h, 'AbleToScale')!.message).toContain('no matches for kind "ConfigMap" in group ""');
  });

  it('a target scaled to zero disables autoscaling (ScalingDisabled)', async () => {
    await setup(0, {}, []);
    const h = await pass();
    expect(cond(h, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'ScalingDisabled' });
    expect(await replicas()).toBe(0);
  });

  it('a StatefulSet is scaled through its /scale like a Deployment', async () => {
    const names = ['db-0', 'db-1'];
    const sts = { ...deployment(2), kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { ...deployment(2).spec, serviceName: 'db' } };
    await setup(2, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' } }, names.map((n) => pod(n)));
    client.seed([sts]);
    setUsage(100, names); // 100 % of the 100m request, target 50 %
    const h = await pass();
    expect(cond(h, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale' });
    expect((await client.resource<StatefulSet>('statefulsets').get('db', 'default')).spec.replicas).toBe(4);
    expect(await replicas()).toBe(2);
  });

  it('memory as an average value per pod', async () => {
    const names = ['web-0', 'web-1'];
    await setup(2, { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '25Mi' } } }] }, names.map((n) => pod(n)));
    setUsage(0, names); // memory: 50Mi each
    const h = await pass();
    expect(await replicas()).toBe(4);
    expect(h.status!.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } }]);
    expect(recorder.events.at(-1)!.message).toBe('New size: 4; reason: memory resource above target');
  });
});
