// autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler. v2 is stored; v1 is a view.
//
// Kubernetes keeps what v1 cannot say (other metrics, behavior, conditions) in
// `autoscaling.alpha.kubernetes.io/*` annotations of the v1 object. orch does not: a v1
// read shows the CPU utilization target and the v1 status, and a v1 write is merged into
// the stored v2 object (toV2(v1, stored)): the CPU utilization metric is replaced, every
// other metric and the behavior are kept. So a v1 client (kubectl autoscale, kubectl
// edit on autoscaling/v1) never erases what a v2 client wrote.

import { cpuUtilizationMetric } from './hpa-defaults.js';
import { DEFAULT_CPU_UTILIZATION, type HorizontalPodAutoscaler, type HorizontalPodAutoscalerV1, type MetricSpec } from './hpa-types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const isCpuUtilization = (m: unknown): boolean => {
  const r = isObj(m) && m.type === 'Resource' && isObj(m.resource) ? m.resource : undefined;
  return !!r && r.name === 'cpu' && isObj(r.target) && r.target.type === 'Utilization';
};

/** The stored (v2) object as autoscaling/v1 shows it. */
export function hpaToV1(hpa: HorizontalPodAutoscaler): HorizontalPodAutoscalerV1 {
  const { metrics: _m, behavior: _b, ...rest } = (hpa.spec ?? {}) as unknown as Obj;
  const spec: Obj = { ...rest };
  const cpu = (hpa.spec?.metrics ?? []).find(isCpuUtilization);
  if (cpu) spec.targetCPUUtilizationPercentage = cpu.resource!.target.averageUtilization;
  const { status: _s, ...meta } = hpa;
  const out: HorizontalPodAutoscalerV1 = { ...meta, apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', spec: spec as HorizontalPodAutoscalerV1['spec'] };
  if (hpa.status) {
    const st = hpa.status;
    const status: NonNullable<HorizontalPodAutoscalerV1['status']> = { currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0 };
    if (st.observedGeneration !== undefined) status.observedGeneration = st.observedGeneration;
    if (st.lastScaleTime !== undefined) status.lastScaleTime = st.lastScaleTime;
    const cur = (st.currentMetrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.current.averageUtilization !== undefined);
    if (cur) status.currentCPUUtilizationPercentage = cur.resource!.current.averageUtilization;
    out.status = status;
  }
  return out;
}

/**
 * A v1 body as the v2 object to store. `stored` (an update) supplies what v1 cannot say.
 * Values of the wrong type pass through untouched, for validation to name.
 */
export function hpaFromV1(body: unknown, stored?: HorizontalPodAutoscaler): unknown {
  if (!isObj(body)) return body;
  const out: Obj = { ...body, apiVersion: 'autoscaling/v2' };
  if (isObj(body.spec)) {
    const { targetCPUUtilizationPercentage: target, ...rest } = body.spec;
    const others = (stored?.spec?.metrics ?? []).filter((m) => !isCpuUtilization(m));
    const cpu = target === undefined || target === null ? (others.length > 0 ? [] : [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)]) : [cpuUtilizationMetric(target as number)];
    const spec: Obj = { ...rest, metrics: [...cpu, ...others] as MetricSpec[] };
    if (stored?.spec?.behavior !== undefined) spec.behavior = stored.spec.behavior;
    out.spec = spec;
  }
  if (isObj(body.status)) {
    // A v1 status write: counts and time from the body, metrics and conditions kept.
    const { currentCPUUtilizationPercentage: cpu, ...rest } = body.status;
    const status: Obj = { ...(stored?.status ?? {}), ...rest };
    if (typeof cpu === 'number') {
      const kept = (stored?.status?.currentMetrics ?? []).filter((m) => !(m.type === 'Resource' && m.resource?.name === 'cpu'));
      status.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: cpu } } }, ...kept];
    }
    out.status = status;
  } else if (stored?.status) out.status = stored.status;
  return out;
}
