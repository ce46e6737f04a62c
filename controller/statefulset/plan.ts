// What a StatefulSet's pods need next (Kubernetes' updateStatefulSet in
// stateful_set_control.go), as a pure function of the set's pods by ordinal:
//   1. ordinals 0..replicas-1: a missing pod is created (with its claims), a Failed or
//      Succeeded one deleted (it comes back with the same name). OrderedReady
//      ("monotonic") does one step at a time and waits until each pod is Running, Ready
//      and available before the next ordinal; Parallel does every step at once.
//   2. ordinals >= replicas ("condemned"), highest first: deleted; OrderedReady one at a
//      time, each after the previous is gone.
//   3. only when 1 and 2 had nothing to do, RollingUpdate: from the highest ordinal down
//      to the partition, a pod of an old revision is deleted (recreated from the update
//      revision by step 1), one at a time waiting for each to be healthy again, or up to
//      maxUnavailable unavailable pods at once when it is set. OnDelete: nothing (users
//      delete pods; step 1 recreates them from the update revision).
// Which revision a new pod gets: the current one below a RollingUpdate partition, the
// update revision otherwise.

import type { Pod } from '../../api/types.js';
import { isPodReady, podAvailableIn } from '../shared/objects.js';
import { podRevision } from './identity.js';

export type Action =
  | { type: 'create'; ordinal: number; revision: 'current' | 'update' }
  | { type: 'delete'; ordinal: number; pod: Pod; reason: 'failed' | 'condemned' | 'update' };

export interface PlanInput {
  replicas: number;
  pods: ReadonlyMap<number, Pod>;
  monotonic: boolean;
  strategy: 'RollingUpdate' | 'OnDelete';
  partition: number;
  /** Resolved maxUnavailable (>= 1), or undefined for one pod at a time. */
  maxUnavailable?: number;
  updateRevision: string;
  minReadySeconds: number;
  now: number;
}

export interface Plan {
  actions: Action[];
  /** A pod is ready but not yet available for minReadySeconds: look again after this many ms. */
  recheckMs?: number;
}

const terminating = (p: Pod) => !!p.metadata.deletionTimestamp;
const finished = (p: Pod) => p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';

export function revisionForOrdinal(i: Pick<PlanInput, 'strategy' | 'partition'>, ordinal: number): 'current' | 'update' {
  return i.strategy === 'RollingUpdate' && ordinal < i.partition ? 'current' : 'update';
}

export function planStatefulSet(i: PlanInput): Plan {
  const actions: Action[] = [];
  let recheckMs: number | undefined;
  /** Running, Ready and available for minReadySeconds, not terminating (upstream's isHealthy + availability). */
  const healthy = (p: Pod): boolean => {
    if (terminating(p) || p.status?.phase !== 'Running' || !isPodReady(p)) return false;
    const left = podAvailableIn(p, i.minReadySeconds, i.now);
    if (left === undefined) return false;
    if (left > 0) recheckMs = Math.min(recheckMs ?? left, left);
    return left === 0;
  };
  const done = (): Plan => (recheckMs !== undefined ? { actions, recheckMs } : { actions });

  for (let ord = 0; ord < i.replicas; ord++) {
    const p = i.pods.get(ord);
    if (!p) {
      actions.push({ type: 'create', ordinal: ord, revision: revisionForOrdinal(i, ord) });
      if (i.monotonic) return done();
      continue;
    }
    if (finished(p) && !terminating(p)) {
      actions.push({ type: 'delete', ordinal: ord, pod: p, reason: 'failed' });
      if (i.monotonic) return done();
      continue;
    }
    if (!healthy(p) && i.monotonic) return done();
  }

  const condemned = [...i.pods.keys()].filter((o) => o >= i.replicas).sort((a, b) => b - a);
  for (const ord of condemned) {
    const p = i.pods.get(ord)!;
    if (terminating(p)) {
      if (i.monotonic) return done();
      continue;
    }
    actions.push({ type: 'delete', ordinal: ord, pod: p, reason: 'condemned' });
    if (i.monotonic) return done();
  }
  if (actions.length > 0 || i.strategy === 'OnDelete') return done();

  const low = Math.max(0, Math.min(i.partition, i.replicas));
  if (i.maxUnavailable === undefined) {
    for (let t = i.replicas - 1; t >= low; t--) {
      const p = i.pods.get(t)!;
      if (podRevision(p) !== i.updateRevision && !terminating(p)) {
        actions.push({ type: 'delete', ordinal: t, pod: p, reason: 'update' });
        return done();
      }
      if (!healthy(p)) return done();
    }
    return done();
  }
  // maxUnavailable: every unavailable pod of the set counts against the budget.
  let unavailable = 0;
  for (let ord = 0; ord < i.replicas; ord++) if (!healthy(i.pods.get(ord)!)) unavailable++;
  for (let t = i.replicas - 1; t >= low && unavailable < i.maxUnavailable; t--) {
    const p = i.pods.get(t)!;
    if (podRevision(p) === i.updateRevision || terminating(p)) continue;
    actions.push({ type: 'delete', ordinal: t, pod: p, reason: 'update' });
    if (healthy(p)) unavailable++;
  }
  return done();
}
