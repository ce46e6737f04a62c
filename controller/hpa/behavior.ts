// From the metrics' proposal to the replica count the autoscaler sets, after Kubernetes'
// normalizeDesiredReplicasWithBehaviors (horizontal.go):
//   1. stabilization: every proposal is remembered with its time; a scale-up goes no higher
//      than the lowest proposal within scaleUp's window, a scale-down no lower than the
//      highest within scaleDown's (so one quiet sample does not drop replicas);
//   2. rate: each policy allows `value` pods (Pods) or percent (Percent) of the replicas at
//      the start of its period, counting the scale events of the last periodSeconds;
//      selectPolicy Max takes the most permissive policy, Min the least, Disabled none;
//   3. minReplicas / maxReplicas.
// The conditions it reports (AbleToScale's ScaleUpStabilized / ScaleDownStabilized /
// ReadyForNewScale, ScalingLimited's ScaleUpLimit / ScaleDownLimit / TooManyReplicas /
// TooFewReplicas / DesiredWithinRange) carry Kubernetes' reasons and messages.
// The memory (proposals, scale events) is per autoscaler and per process, as in
// Kubernetes: a new leader starts with none.

import { DEFAULT_SCALE_DOWN_RULES, DEFAULT_SCALE_UP_RULES, type HorizontalPodAutoscalerBehavior, type HPAScalingRules } from '../../api/hpa-types.js';

export interface Rules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: { type: 'Pods' | 'Percent'; value: number; periodSeconds: number }[];
}

/** The rules in force: the object's, with Kubernetes' defaults for what is unset (scaleDown's window: the controller's flag). */
export function effectiveRules(behavior: HorizontalPodAutoscalerBehavior | undefined, downscaleStabilizationSeconds: number): { up: Rules; down: Rules } {
  const fill = (r: HPAScalingRules | undefined, d: Required<HPAScalingRules>, window: number): Rules => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? window,
    selectPolicy: r?.selectPolicy ?? d.selectPolicy,
    policies: r?.policies ?? d.policies,
  });
  return {
    up: fill(behavior?.scaleUp, DEFAULT_SCALE_UP_RULES, DEFAULT_SCALE_UP_RULES.stabilizationWindowSeconds),
    down: fill(behavior?.scaleDown, DEFAULT_SCALE_DOWN_RULES, downscaleStabilizationSeconds),
  };
}

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
}

export interface Normalized {
  replicas: number;
  ableToScale: { reason: string; message: string };
  scalingLimited: { status: 'True' | 'False'; reason: string; message: string };
}

export interface NormalizeArgs {
  key: string;
  current: number;
  proposed: number;
  min: number;
  max: number;
  rules: { up: Rules; down: Rules };
  nowMs: number;
}

export class ScalingMemory {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }

  normalize(a: NormalizeArgs): Normalized {
    const stabilized = this.stabilize(a);
    const ableToScale =
      stabilized.replicas !== a.proposed ? { reason: stabilized.reason, message: stabilized.message } : { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
    const limited = this.limitRate({ ...a, proposed: stabilized.replicas });
    return {
      replicas: limited.replicas,
      ableToScale,
      scalingLimited: { status: limited.replicas === stabilized.replicas ? 'False' : 'True', reason: limited.reason, message: limited.message },
    };
  }

  /** A rescale happened: remembered for the rate policies. */
  recordScale(key: string, from: number, to: number, nowMs: number, rules: { up: Rules; down: Rules }): void {
    if (to === from) return;
    const map = to > from ? this.upEvents : this.downEvents;
    const longest = Math.max(0, ...[...rules.up.policies, ...rules.down.policies].map((p) => p.periodSeconds)) * 1000;
    const kept = (map.get(key) ?? []).filter((e) => e.atMs > nowMs - longest);
    kept.push({ change: Math.abs(to - from), atMs: nowMs });
    map.set(key, kept);
  }

  private stabilize(a: NormalizeArgs): { replicas: number; reason: string; message: string } {
    const upCutoff = a.nowMs - a.rules.up.stabilizationWindowSeconds * 1000;
    const downCutoff = a.nowMs - a.rules.down.stabilizationWindowSeconds * 1000;
    let up = a.proposed;
    let down = a.proposed;
    const recs = this.recommendations.get(a.key) ?? [];
    for (const r of recs) {
      if (r.atMs > upCutoff) up = Math.min(up, r.replicas);
      if (r.atMs > downCutoff) down = Math.max(down, r.replicas);
    }
    let replicas = a.current;
    if (replicas < up) replicas = up;
    if (replicas > down) replicas = down;
    // Keep only what either window can still see, then remember this proposal.
    const oldest = Math.min(upCutoff, downCutoff);
    const kept = recs.filter((r) => r.atMs > oldest);
    kept.push({ replicas: a.proposed, atMs: a.nowMs });
    this.recommendations.set(a.key, kept);
    return a.proposed >= a.current
      ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  private changeWithin(events: ScaleEvent[] | undefined, periodSeconds: number, nowMs: number): number {
    const cutoff = nowMs - periodSeconds * 1000;
    return (events ?? []).filter((e) => e.atMs > cutoff).reduce((s, e) => s + e.change, 0);
  }

  private limit(a: NormalizeArgs, rules: Rules, up: boolean): number {
    if (rules.selectPolicy === 'Disabled') return a.current;
    // Max: the policy that allows the biggest change; Min: the smallest.
    const biggest = rules.selectPolicy !== 'Min';
    let result = up === biggest ? -Infinity : Infinity;
    for (const p of rules.policies) {
      const added = this.changeWithin(this.upEvents.get(a.key), p.periodSeconds, a.nowMs);
      const removed = this.changeWithin(this.downEvents.get(a.key), p.periodSeconds, a.nowMs);
      const start = a.current - added + removed;
      const proposed = up
        ? p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100))
        : p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = up === biggest ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  private limitRate(a: NormalizeArgs): { replicas: number; reason: string; message: string } {
    if (a.proposed > a.current) {
      const scaleUpLimit = Math.max(this.limit(a, a.rules.up, true), a.current);
      if (a.max > scaleUpLimit) {
        if (a.proposed > scaleUpLimit) return { replicas: scaleUpLimit, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
      } else if (a.proposed > a.max) return { replicas: a.max, reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
    } else if (a.proposed < a.current) {
      const scaleDownLimit = Math.min(this.limit(a, a.rules.down, false), a.current);
      if (a.min < scaleDownLimit) {
        if (a.proposed < scaleDownLimit) return { replicas: scaleDownLimit, reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
      } else if (a.proposed < a.min) return { replicas: a.min, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
    }
    return { replicas: a.proposed, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
  }
}
