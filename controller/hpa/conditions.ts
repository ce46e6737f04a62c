// The autoscaler's status conditions and metric statuses, as Kubernetes writes them:
// a condition's lastTransitionTime moves only when its status flips (reason and message
// follow every pass); the three types are always kept in the order AbleToScale,
// ScalingActive, ScalingLimited.

import type { HorizontalPodAutoscalerCondition, HpaConditionType, MetricStatus } from '../../api/hpa-types.js';
import { formatBytes, formatCpu } from '../../api/quantity.js';
import type { ResourceName } from './metrics-client.js';

const ORDER: HpaConditionType[] = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];

export class Conditions {
  private readonly list: HorizontalPodAutoscalerCondition[];

  constructor(previous: readonly HorizontalPodAutoscalerCondition[] | undefined, private readonly now: string) {
    this.list = (previous ?? []).map((c) => ({ ...c }));
  }

  set(type: HpaConditionType, status: 'True' | 'False', reason: string, message: string): void {
    const existing = this.list.find((c) => c.type === type);
    if (!existing) {
      this.list.push({ type, status, lastTransitionTime: this.now, reason, message });
      return;
    }
    if (existing.status !== status) existing.lastTransitionTime = this.now;
    existing.status = status;
    existing.reason = reason;
    existing.message = message;
  }

  get(type: HpaConditionType): HorizontalPodAutoscalerCondition | undefined {
    return this.list.find((c) => c.type === type);
  }

  result(): HorizontalPodAutoscalerCondition[] {
    return [...this.list].sort((a, b) => ORDER.indexOf(a.type) - ORDER.indexOf(b.type));
  }
}

/** A milli-unit figure as a quantity: cpu "250m", memory in bytes ("52428800" → "50Mi" when exact). */
export function milliQuantity(resource: ResourceName, milli: number): string {
  if (resource === 'cpu') return formatCpu(Math.round(milli));
  return formatBytes(Math.round(milli / 1000));
}

export function resourceMetricStatus(resource: ResourceName, current: { averageValueMilli: number; averageUtilization?: number }): MetricStatus {
  const cur: { averageValue: string; averageUtilization?: number } = { averageValue: milliQuantity(resource, current.averageValueMilli) };
  if (current.averageUtilization !== undefined) cur.averageUtilization = current.averageUtilization;
  return { type: 'Resource', resource: { name: resource, current: cur } };
}
