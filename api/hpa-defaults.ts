// Kubernetes' defaults of an autoscaling/v2 HorizontalPodAutoscaler
// (pkg/apis/autoscaling/v2/defaults.go): minReplicas 1; no metrics = 80 % average CPU
// utilization; a given behavior gets every unset part of its rules from the defaults,
// except scaleDown's stabilization window, which stays unset so the controller's
// --horizontal-pod-autoscaler-downscale-stabilization applies (as in Kubernetes).
// Applied in place, never over a set value; values of the wrong type are left for
// validation to name.

import { DEFAULT_CPU_UTILIZATION, DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES, type HPAScalingRules } from './hpa-types.js';
import type { KubeObject } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function defaultRules(rules: unknown, defaults: HPAScalingRules): unknown {
  if (rules === undefined || rules === null) return structuredClone(defaults);
  if (!isObj(rules)) return rules;
  for (const [k, v] of Object.entries(defaults)) if (rules[k] === undefined || rules[k] === null) rules[k] = structuredClone(v);
  return rules;
}

export function cpuUtilizationMetric(percent: number): Obj {
  return { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } };
}

export function defaultHorizontalPodAutoscaler(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.minReplicas === undefined || spec.minReplicas === null) spec.minReplicas = 1;
  if (spec.metrics === undefined || spec.metrics === null || (Array.isArray(spec.metrics) && spec.metrics.length === 0)) spec.metrics = [cpuUtilizationMetric(DEFAULT_CPU_UTILIZATION)];
  const b = spec.behavior;
  if (isObj(b)) {
    b.scaleUp = defaultRules(b.scaleUp, DEFAULT_SCALE_UP_RULES);
    const { stabilizationWindowSeconds: _unset, ...down } = DEFAULT_SCALE_DOWN_RULES;
    b.scaleDown = defaultRules(b.scaleDown, down);
  }
}
