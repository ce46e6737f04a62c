// Rolling-update arithmetic, as Kubernetes defines it: maxSurge rounds up, maxUnavailable
// rounds down, and both resolving to zero would deadlock a rollout, so unavailable
// becomes 1. Pure functions over numbers and objects; unit-tested in a table.

import type { Deployment, ReplicaSet } from '../../api/types.js';
import { DEFAULT_MAX_SURGE, DEFAULT_MAX_UNAVAILABLE, isRollingUpdate, MAX_REPLICAS_ANNOTATION, replicasOf } from './util.js';

/** An int-or-percent ("25%") scaled against total; percentages round up or down. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean, fallback: string): number {
  const val = v ?? fallback;
  if (typeof val === 'number') return val;
  const m = /^(\d+)%$/.exec(val.trim());
  if (!m) {
    const n = Number(val);
    if (Number.isInteger(n) && n >= 0) return n;
    throw new Error(`invalid value for IntOrString: ${JSON.stringify(val)}`);
  }
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, DEFAULT_MAX_SURGE);
  let unavailable = scaledValue(maxUnavailable, desired, false, DEFAULT_MAX_UNAVAILABLE);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const { unavailable } = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas);
  return Math.min(unavailable, replicas);
}

export function rsReplicas(rs: ReplicaSet | undefined): number {
  return rs?.spec.replicas ?? 0;
}

/** Sum of spec.replicas. */
export function specReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + rsReplicas(rs), 0);
}

/** Sum of status.replicas (pods that exist). */
export function actualReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.replicas ?? 0), 0);
}

export function readyReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + (rs?.status?.readyReplicas ?? 0), 0);
}

/**
 * Sum of available replicas. A ReplicaSet just scaled down still reports its old count
 * until its controller catches up; it will shortly have at most spec.replicas pods, so
 * that caps what we believe (otherwise a stale status could let a rollout scale old
 * pods down twice and breach maxUnavailable).
 */
export function availableReplicaCount(rss: readonly (ReplicaSet | undefined)[]): number {
  return rss.reduce((n, rs) => n + Math.min(rs?.status?.availableReplicas ?? 0, rsReplicas(rs)), 0);
}

/** How many replicas the new ReplicaSet should have now (Kubernetes' NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = specReplicaCount(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - rsReplicas(newRS));
  return rsReplicas(newRS) + up;
}

/** Go's math.Round: halves away from zero. */
export function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** This ReplicaSet's share of a proportional resize (positive or negative). */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = replicasOf(d);
  if (replicas === 0) return -rsReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = Number.parseInt(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] ?? '', 10);
  const base = Number.isFinite(annotated) && annotated > 0 ? annotated : (d.status?.replicas ?? 0);
  if (base === 0) return 0;
  return roundHalfAway((rsReplicas(rs) * deploymentReplicas) / base) - rsReplicas(rs);
}

export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
