// Horizontal pod autoscaler: every HorizontalPodAutoscaler is reconciled when it is
// created or its spec changes, then every --horizontal-pod-autoscaler-sync-period. One
// pass, as Kubernetes' reconcileAutoscaler: read the target's /scale (any kind that has
// one); outside [minReplicas, maxReplicas] go to the bound; otherwise ask each metric
// for a replica count (replica-calculator.ts, from the pods of the scale's selector and
// the resource metrics API), take the highest, stabilize and rate-limit it (behavior.ts),
// write /scale when it differs, then the status (current/desired replicas, current
// metrics, lastScaleTime, conditions AbleToScale / ScalingActive / ScalingLimited) and
// Events (SuccessfulRescale, FailedGetScale, FailedGetResourceMetric, ...), with
// Kubernetes' reasons and messages so `kubectl describe hpa` reads the same.

import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../../api/hpa-types.js';
import { isNotFound } from '../../api/errors.js';
import { parseQuantity } from '../../api/quantity.js';
import { parseApiVersion, RESOURCES, type ResourceInfo } from '../../api/resources.js';
import { matchesLabels, parseLabelSelector } from '../../api/selectors/labels.js';
import { isoSeconds } from '../../api/time.js';
import type { Pod, Scale } from '../../api/types.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { deepClone, deepEqual, keyOf } from '../shared/objects.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { effectiveRules, ScalingMemory } from './behavior.js';
import { Conditions, resourceMetricStatus } from './conditions.js';
import type { ResourceMetricsClient, ResourceName } from './metrics-client.js';
import { averageValueReplicas, DEFAULT_CALCULATOR_OPTIONS, utilizationReplicas, type CalculatorOptions } from './replica-calculator.js';

export interface HpaOptions extends CalculatorOptions {
  syncPeriodMs: number;
  downscaleStabilizationSeconds: number;
}

/**
 * orch's defaults. The sync period is 5 s where Kubernetes has 15 s: the issue asks for
 * reactions in seconds, the agents report usage every few seconds, and a pass costs one
 * metrics GET and a cache read per autoscaler. Everything else is Kubernetes' default.
 */
export const DEFAULT_HPA_OPTIONS: HpaOptions = { ...DEFAULT_CALCULATOR_OPTIONS, syncPeriodMs: 5000, downscaleStabilizationSeconds: 300 };

export interface HpaControllerDeps {
  client: Client;
  hpas: InformerView<HorizontalPodAutoscaler>;
  pods: InformerView<Pod>;
  metrics: ResourceMetricsClient;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
  options?: Partial<HpaOptions>;
}

class MetricError extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

interface MetricProposal {
  replicas: number;
  status: MetricStatus;
  name: string;
}

export class HpaController implements Controller {
  readonly name = 'horizontalpodautoscaling';
  private readonly memory = new ScalingMemory();
  private readonly opts: HpaOptions;

  constructor(private readonly deps: HpaControllerDeps) {
    this.opts = { ...DEFAULT_HPA_OPTIONS, ...deps.options };
    ensureNamespaceIndex(deps.pods);
    deps.hpas.addEventHandler({
      onAdd: (h) => deps.queue.add(keyOf(h)),
      // Our own status writes come back as updates: only a spec change is news.
      onUpdate: (o, h) => {
        if (o.metadata.generation !== h.metadata.generation) deps.queue.add(keyOf(h));
      },
      onDelete: (h) => this.memory.forget(keyOf(h)),
    });
  }

  async reconcile(key: string): Promise<Result> {
    const hpa = this.deps.hpas.get(key);
    if (!hpa) {
      this.memory.forget(key);
      return done;
    }
    await this.reconcileAutoscaler(hpa, key);
    return requeueAfter(this.opts.syncPeriodMs);
  }

  private targetResource(hpa: HorizontalPodAutoscaler): ResourceInfo | undefined {
    const ref = hpa.spec.scaleTargetRef;
    const group = ref.apiVersion ? parseApiVersion(ref.apiVersion).group : undefined;
    return RESOURCES.find((r) => r.kind === ref.kind && (group === undefined || r.group === group) && r.subresources.includes('scale'));
  }

  private async reconcileAutoscaler(hpa: HorizontalPodAutoscaler, key: string): Promise<void> {
    const nowMs = this.deps.clock.now();
    const now = isoSeconds(nowMs);
    const conditions = new Conditions(hpa.status?.conditions, now);
    const ns = hpa.metadata.namespace ?? '';
    const ref = hpa.spec.scaleTargetRef;
    const r = this.targetResource(hpa);
    let scale: Scale;
    try {
      if (!r) throw new Error(`no matches for kind "${ref.kind}" in group "${ref.apiVersion ? parseApiVersion(ref.apiVersion).group : ''}" with a scale subresource`);
      scale = await this.deps.client.resource(r.plural).getScale(ref.name, ns);
    } catch (err) {
      const message = isNotFound(err) && r ? `${r.group ? `${r.plural}.${r.group}` : r.plural} "${ref.name}" not found` : (err as Error).message;
      conditions.set('AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${message}`);
      this.deps.recorder.record(hpa, 'Warning', 'FailedGetScale', message);
      await this.writeStatus(hpa, { currentReplicas: hpa.status?.currentReplicas, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: hpa.status?.currentMetrics }, conditions);
      return;
    }
    conditions.set('AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale");
    const current = scale.spec.replicas ?? 0;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    const rules = effectiveRules(hpa.spec.behavior, this.opts.downscaleStabilizationSeconds);
    let desired: number;
    let reason = '';
    let metricStatuses: MetricStatus[] | undefined;
    if (current === 0 && min !== 0) {
      desired = 0;
      conditions.set('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > max) {
      desired = max;
      reason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      reason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const computed = await this.computeReplicasForMetrics(hpa, scale, current, conditions, nowMs);
      metricStatuses = computed.statuses;
      if (computed.replicas === undefined) {
        await this.writeStatus(hpa, { currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: metricStatuses, lastScaleTime: hpa.status?.lastScaleTime }, conditions);
        return;
      }
      const n = this.memory.normalize({ key, current, proposed: computed.replicas, min, max, rules, nowMs });
      desired = n.replicas;
      conditions.set('AbleToScale', 'True', n.ableToScale.reason, n.ableToScale.message);
      conditions.set('ScalingLimited', n.scalingLimited.status, n.scalingLimited.reason, n.scalingLimited.message);
      if (desired > current) reason = `${computed.name} above target`;
      else if (desired < current) reason = 'All metrics below target';
    }
    let lastScaleTime = hpa.status?.lastScaleTime;
    if (desired !== current) {
      try {
        await this.deps.client.resource(r!.plural).updateScale(ref.name, ns, { ...scale, metadata: { ...scale.metadata, resourceVersion: undefined }, spec: { replicas: desired } });
      } catch (err) {
        const message = (err as Error).message;
        conditions.set('AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${message}`);
        this.deps.recorder.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${message}`);
        await this.writeStatus(hpa, { currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? 0, currentMetrics: metricStatuses, lastScaleTime }, conditions);
        throw err;
      }
      conditions.set('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      this.deps.recorder.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.memory.recordScale(key, current, desired, nowMs, rules);
      lastScaleTime = now;
      this.deps.logger.debug({ hpa: key, from: current, to: desired, reason }, 'rescaled');
    }
    await this.writeStatus(hpa, { currentReplicas: current, desiredReplicas: desired, currentMetrics: metricStatuses, lastScaleTime }, conditions);
  }

  /**
   * The highest replica count the metrics ask for. Undefined when no metric could be
   * computed, or when some could not and the others would scale down (Kubernetes does not
   * scale down on partial data).
   */
  private async computeReplicasForMetrics(hpa: HorizontalPodAutoscaler, scale: Scale, current: number, conditions: Conditions, nowMs: number): Promise<{ replicas?: number; name: string; statuses: MetricStatus[] }> {
    const selector = scale.status?.selector ?? '';
    const specs = hpa.spec.metrics ?? [];
    if (!selector) {
      this.deps.recorder.record(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      conditions.set('ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector");
      return { name: '', statuses: [] };
    }
    let reqs;
    try {
      reqs = parseLabelSelector(selector);
    } catch (err) {
      this.deps.recorder.record(hpa, 'Warning', 'InvalidSelector', `couldn't convert selector into a corresponding internal selector object: ${(err as Error).message}`);
      conditions.set('ScalingActive', 'False', 'InvalidSelector', 'the HPA target\'s scale has an invalid selector');
      return { name: '', statuses: [] };
    }
    const ns = hpa.metadata.namespace ?? '';
    const pods = this.deps.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => matchesLabels(reqs, p.metadata.labels));
    const statuses: MetricStatus[] = [];
    let best: MetricProposal | undefined;
    let invalid = 0;
    let firstError: MetricError | undefined;
    for (const spec of specs) {
      try {
        const p = await this.resourceProposal(spec, current, ns, selector, pods, nowMs);
        statuses.push(p.status);
        if (!best || p.replicas > best.replicas) best = p;
      } catch (err) {
        const e = err instanceof MetricError ? err : new MetricError('FailedGetResourceMetric', (err as Error).message);
        invalid++;
        firstError ??= e;
        statuses.push({ type: '' });
        this.deps.recorder.record(hpa, 'Warning', e.reason, e.message);
        conditions.set('ScalingActive', 'False', e.reason, `the HPA was unable to compute the replica count: ${e.message}`);
      }
    }
    if (!best || (invalid > 0 && best.replicas < current)) {
      if (firstError) this.deps.recorder.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstError.message}`);
      return { name: '', statuses };
    }
    conditions.set('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${best.name}`);
    return { replicas: best.replicas, name: best.name, statuses };
  }

  private async resourceProposal(spec: MetricSpec, current: number, ns: string, selector: string, pods: Pod[], nowMs: number): Promise<MetricProposal> {
    const res = spec.resource;
    if (spec.type !== 'Resource' || !res) throw new MetricError('InvalidMetricSourceType', `orch implements Resource metrics only, not "${spec.type}"`);
    const name = res.name as ResourceName;
    const usingAverage = res.target.averageValue !== undefined;
    let samples;
    try {
      samples = await this.deps.metrics.getResourceMetric(name, ns, selector);
    } catch (err) {
      throw new MetricError('FailedGetResourceMetric', `failed to get ${name} ${usingAverage ? 'usage' : 'utilization'}: unable to get metrics for resource ${name}: ${(err as Error).message}`);
    }
    try {
      if (usingAverage) {
        const p = averageValueReplicas(current, Math.round(parseQuantity(res.target.averageValue!) * 1000), name, pods, samples, nowMs, this.opts);
        return { replicas: p.replicas, name: `${name} resource`, status: resourceMetricStatus(name, { averageValueMilli: p.rawAverageMilli }) };
      }
      const p = utilizationReplicas(current, res.target.averageUtilization!, name, pods, samples, nowMs, this.opts);
      return { replicas: p.replicas, name: `${name} resource utilization (percentage of request)`, status: resourceMetricStatus(name, { averageValueMilli: p.rawAverageMilli, averageUtilization: p.utilization }) };
    } catch (err) {
      throw new MetricError('FailedGetResourceMetric', `failed to get ${name} ${usingAverage ? 'usage' : 'utilization'}: ${(err as Error).message}`);
    }
  }

  /** /status with the cached resourceVersion (a conflict is retried on a fresh cache); nothing when unchanged. */
  private async writeStatus(hpa: HorizontalPodAutoscaler, s: { currentReplicas?: number; desiredReplicas: number; currentMetrics?: MetricStatus[]; lastScaleTime?: string }, conditions: Conditions): Promise<void> {
    const status: NonNullable<HorizontalPodAutoscaler['status']> = { observedGeneration: hpa.metadata.generation, desiredReplicas: s.desiredReplicas };
    if (s.lastScaleTime !== undefined) status.lastScaleTime = s.lastScaleTime;
    if (s.currentReplicas !== undefined) status.currentReplicas = s.currentReplicas;
    if (s.currentMetrics !== undefined && s.currentMetrics.length > 0) status.currentMetrics = s.currentMetrics;
    status.conditions = conditions.result();
    if (deepEqual(status, hpa.status)) return;
    const copy = deepClone(hpa);
    copy.status = status;
    try {
      await this.deps.client.resource<HorizontalPodAutoscaler>('horizontalpodautoscalers').updateStatus(copy);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
