// autoscaling/v2 HorizontalPodAutoscaler (the stored version) and the autoscaling/v1
// shape served beside it (api/hpa-conversion.ts converts). Only the metric source orch
// implements (Resource: cpu or memory of the target's pods) is typed in detail; the other
// sources are refused by validation.

import type { KubeObject, LabelSelector } from './types.js';

export interface CrossVersionObjectReference {
  kind: string;
  name: string;
  apiVersion?: string;
}

export type MetricTargetType = 'Utilization' | 'Value' | 'AverageValue';

export interface MetricTarget {
  type: MetricTargetType;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface ResourceMetricSource {
  name: string;
  target: MetricTarget;
}

export interface MetricSpec {
  type: string;
  resource?: ResourceMetricSource;
  pods?: { metric: { name: string; selector?: LabelSelector }; target: MetricTarget };
  object?: unknown;
  external?: unknown;
  containerResource?: unknown;
}

export type ScalingPolicyType = 'Pods' | 'Percent';
export type ScalingPolicySelect = 'Max' | 'Min' | 'Disabled';

export interface HPAScalingPolicy {
  type: ScalingPolicyType;
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: ScalingPolicySelect;
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscalerBehavior {
  scaleUp?: HPAScalingRules;
  scaleDown?: HPAScalingRules;
}

export interface HorizontalPodAutoscalerSpec {
  scaleTargetRef: CrossVersionObjectReference;
  minReplicas?: number;
  maxReplicas: number;
  metrics?: MetricSpec[];
  behavior?: HorizontalPodAutoscalerBehavior;
}

export interface MetricValueStatus {
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: MetricValueStatus };
}

export type HpaConditionType = 'AbleToScale' | 'ScalingActive' | 'ScalingLimited';

export interface HorizontalPodAutoscalerCondition {
  type: HpaConditionType;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface HorizontalPodAutoscalerStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas?: number;
  desiredReplicas: number;
  currentMetrics?: MetricStatus[];
  conditions?: HorizontalPodAutoscalerCondition[];
}

/** autoscaling/v2 HorizontalPodAutoscaler. */
export interface HorizontalPodAutoscaler extends KubeObject {
  spec: HorizontalPodAutoscalerSpec;
  status?: HorizontalPodAutoscalerStatus;
}

/** autoscaling/v1 HorizontalPodAutoscaler: one CPU utilization target, no conditions. */
export interface HorizontalPodAutoscalerV1 extends KubeObject {
  spec: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas: number;
    desiredReplicas: number;
    currentCPUUtilizationPercentage?: number;
  };
}

/** The CPU utilization Kubernetes targets when an autoscaler names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** Kubernetes' default behavior (pkg/apis/autoscaling/v2/defaults.go). */
export const DEFAULT_SCALE_UP_RULES: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};

export const DEFAULT_SCALE_DOWN_RULES: Required<HPAScalingRules> = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};
