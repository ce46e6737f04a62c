// The replica count one Resource metric asks for, written after Kubernetes' replica
// calculator (pkg/controller/podautoscaler/replica_calculator.go): usage over requests
// (Utilization) or over the target value (AverageValue) gives a ratio; within the
// tolerance nothing changes; otherwise ceil(ratio × pods with metrics). The care is in
// the pods that do not count normally:
//   - deleted or Failed pods are ignored;
//   - Pending pods, and for cpu pods not Ready (or Ready too recently for a full metric
//     window, within the cpu initialization period), are "unready": counted as using 0
//     when the ratio says scale up, ignored otherwise — a booting pod's cpu spike must
//     not cause a scale-up, nor a not-yet-busy pod a scale-down;
//   - pods without a metric are "missing": assumed to use 100% of the target (at least
//     their request) on a scale-down and 0 on a scale-up, so missing data always damps
//     the change; if that flips the direction, nothing changes.
// Pure: pods, samples and the time in; numbers or an error message out.

import { parseQuantity } from '../../api/quantity.js';
import type { Pod } from '../../api/types.js';
import type { PodMetrics, ResourceName } from './metrics-client.js';

export interface CalculatorOptions {
  tolerance: number;
  cpuInitializationPeriodMs: number;
  initialReadinessDelayMs: number;
}

export const DEFAULT_CALCULATOR_OPTIONS: CalculatorOptions = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  initialReadinessDelayMs: 30_000,
};

export interface ReplicaProposal {
  replicas: number;
  /** Utilization: the average percentage of requests (before missing/unready pods were filled in). */
  utilization?: number;
  /** The average raw usage per pod with metrics, milli units. */
  rawAverageMilli: number;
}

interface Groups {
  ready: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

const ms = (t: string | undefined) => (t ? Date.parse(t) : NaN);

function groupPods(pods: readonly Pod[], metrics: PodMetrics, resource: ResourceName, nowMs: number, o: CalculatorOptions): Groups {
  const g: Groups = { ready: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp || pod.status?.phase === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (pod.status?.phase === 'Pending' || pod.status?.phase === undefined) {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = pod.status?.conditions?.find((c) => c.type === 'Ready');
      const start = ms(pod.status?.startTime);
      let unready: boolean;
      if (!cond || Number.isNaN(start)) unready = true;
      else {
        const transition = ms(cond.lastTransitionTime);
        if (start + o.cpuInitializationPeriodMs > nowMs) unready = cond.status === 'False' || metric.timestampMs < (Number.isNaN(transition) ? 0 : transition) + metric.windowMs;
        else unready = cond.status === 'False' && start + o.initialReadinessDelayMs > (Number.isNaN(transition) ? 0 : transition);
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.ready++;
  }
  return g;
}

/** Milli units of a resource request. */
function milli(q: string): number {
  return Math.round(parseQuantity(q) * 1000);
}

/** Each pod's total request of `resource`; throws naming the first container without one. */
export function podRequests(pods: readonly Pod[], resource: ResourceName): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    let sum = 0;
    for (const c of pod.spec?.containers ?? []) {
      const q = c.resources?.requests?.[resource];
      if (q === undefined) throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`);
      sum += milli(q);
    }
    out.set(pod.metadata.name!, sum);
  }
  return out;
}

function utilizationRatio(metrics: PodMetrics, requests: Map<string, number>, target: number): { ratio: number; utilization: number; raw: number } {
  let usage = 0;
  let requested = 0;
  let n = 0;
  for (const [pod, m] of metrics) {
    const r = requests.get(pod);
    if (r === undefined) continue;
    usage += m.milliValue;
    requested += r;
    n++;
  }
  if (requested === 0 || n === 0) throw new Error('no metrics returned matched known pods');
  const utilization = Math.trunc((usage * 100) / requested);
  return { ratio: utilization / target, utilization, raw: Math.trunc(usage / n) };
}

const withoutPods = (metrics: PodMetrics, pods: Set<string>): PodMetrics => new Map([...metrics].filter(([p]) => !pods.has(p)));

/**
 * The common tail of both calculations: `ratioOf` recomputes the ratio after missing and
 * unready pods were filled in with `fill(pod, direction)`.
 */
function decide(
  current: number,
  metrics: PodMetrics,
  g: Groups,
  ratio: number,
  tolerance: number,
  fillMissing: (pod: string, scaleDown: boolean) => number,
  ratioOf: (m: PodMetrics) => number,
): number {
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1.0;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1.0 - ratio) <= tolerance) return current;
    return Math.ceil(ratio * g.ready);
  }
  const filled: PodMetrics = new Map(metrics);
  const stamp = { timestampMs: 0, windowMs: 0 };
  if (g.missing.size > 0) {
    for (const pod of g.missing) filled.set(pod, { milliValue: ratio < 1.0 ? fillMissing(pod, true) : 0, ...stamp });
  }
  if (scaleUpWithUnready) for (const pod of g.unready) filled.set(pod, { milliValue: 0, ...stamp });
  const newRatio = ratioOf(filled);
  if (Math.abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0)) return current;
  const replicas = Math.ceil(newRatio * filled.size);
  if ((newRatio < 1.0 && replicas > current) || (newRatio > 1.0 && replicas < current)) return current;
  return replicas;
}

/** Target as a percentage of requests (GetResourceReplicas). */
export function utilizationReplicas(
  current: number,
  targetUtilization: number,
  resource: ResourceName,
  pods: readonly Pod[],
  allMetrics: PodMetrics,
  nowMs: number,
  o: CalculatorOptions,
): ReplicaProposal {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, allMetrics, resource, nowMs, o);
  const metrics = withoutPods(withoutPods(allMetrics, g.ignored), g.unready);
  // Samples of pods not selected (another workload's) do not count either.
  const requests = podRequests(pods.filter((p) => !g.ignored.has(p.metadata.name!)), resource);
  for (const p of [...metrics.keys()]) if (!requests.has(p)) metrics.delete(p);
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const first = utilizationRatio(metrics, requests, targetUtilization);
  const fallback = Math.max(100, targetUtilization);
  const replicas = decide(
    current,
    metrics,
    g,
    first.ratio,
    o.tolerance,
    (pod) => Math.trunc(((requests.get(pod) ?? 0) * fallback) / 100),
    (m) => utilizationRatio(m, requests, targetUtilization).ratio,
  );
  return { replicas, utilization: first.utilization, rawAverageMilli: first.raw };
}

/** Target as an average value per pod (GetRawResourceReplicas → calcPlainMetricReplicas). */
export function averageValueReplicas(
  current: number,
  targetMilli: number,
  resource: ResourceName,
  pods: readonly Pod[],
  allMetrics: PodMetrics,
  nowMs: number,
  o: CalculatorOptions,
): ReplicaProposal {
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, allMetrics, resource, nowMs, o);
  const selected = new Set(pods.map((p) => p.metadata.name!));
  const metrics = new Map([...withoutPods(withoutPods(allMetrics, g.ignored), g.unready)].filter(([p]) => selected.has(p)));
  if (metrics.size === 0) throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  const total = (m: PodMetrics) => [...m.values()].reduce((s, x) => s + x.milliValue, 0);
  const ratioOf = (m: PodMetrics) => total(m) / (targetMilli * m.size);
  const ratio = ratioOf(metrics);
  const replicas = decide(current, metrics, g, ratio, o.tolerance, () => targetMilli, ratioOf);
  return { replicas, rawAverageMilli: Math.trunc(total(metrics) / metrics.size) };
}
