// Which pods a ReplicaSet deletes first when it has too many: the ones whose loss hurts
// least. Unscheduled before scheduled, Pending before Running, not-ready before ready,
// and among equals the newest first (it has done the least work and warmed no cache).

import type { Pod } from '../../api/types.js';
import { creationMs, isPodReady } from '../shared/objects.js';

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Negative when a should be deleted before b. */
export function compareForDeletion(a: Pod, b: Pod): number {
  const aUnassigned = a.spec.nodeName ? 1 : 0;
  const bUnassigned = b.spec.nodeName ? 1 : 0;
  if (aUnassigned !== bUnassigned) return aUnassigned - bUnassigned;
  const ap = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (ap !== bp) return ap - bp;
  const ar = isPodReady(a) ? 1 : 0;
  const br = isPodReady(b) ? 1 : 0;
  if (ar !== br) return ar - br;
  // A crash-looping pod is a better victim than a stable one.
  const rr = restarts(b) - restarts(a);
  if (rr !== 0) return rr;
  const ct = creationMs(b) - creationMs(a);
  if (ct !== 0) return ct;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

export function podsToDelete(pods: readonly Pod[], n: number): Pod[] {
  if (n <= 0) return [];
  return [...pods].sort(compareForDeletion).slice(0, n);
}
