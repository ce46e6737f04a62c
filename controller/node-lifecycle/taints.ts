// Which NoExecute taint a node's Ready condition calls for, and when a pod on a tainted
// node must go. Pure.

import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../api/node-health.js';
import type { Node, Pod, Taint, Toleration } from '../../api/types.js';
import { parseTime } from '../shared/objects.js';

export { TAINT_NOT_READY, TAINT_UNREACHABLE };
const OURS = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

export function readyCondition(n: Node) {
  return n.status?.conditions?.find((c) => c.type === 'Ready');
}

/** The lifecycle taint for a Ready status: Unknown → unreachable, False → not-ready, True → none. */
export function desiredTaintKey(ready: 'True' | 'False' | 'Unknown' | undefined): string | undefined {
  if (ready === 'Unknown') return TAINT_UNREACHABLE;
  if (ready === 'False') return TAINT_NOT_READY;
  return undefined;
}

/** The node's taints with our lifecycle taint set to `key` (or removed); undefined when unchanged. */
export function reconcileTaints(node: Node, key: string | undefined, nowIso: string): Taint[] | undefined {
  const taints = node.spec.taints ?? [];
  const ours = taints.filter((t) => OURS.has(t.key) && t.effect === 'NoExecute');
  if (ours.length === (key ? 1 : 0) && (!key || ours[0]!.key === key)) return undefined;
  const rest = taints.filter((t) => !(OURS.has(t.key) && t.effect === 'NoExecute'));
  return key ? [...rest, { key, effect: 'NoExecute', timeAdded: nowIso }] : rest;
}

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === '') return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/**
 * When (ms since epoch) the pod must be evicted because of the node's NoExecute taints,
 * or undefined if it tolerates them forever. A pod's tolerationSeconds wins over the
 * controller's default eviction timeout; the earliest deadline of all taints applies.
 */
export function evictionDeadline(pod: Pod, taints: readonly Taint[], defaultTimeoutMs: number, now: number): number | undefined {
  let deadline: number | undefined;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const since = parseTime(taint.timeAdded) ?? now;
    const matching = (pod.spec.tolerations ?? []).filter((t) => tolerates(t, taint));
    let at: number | undefined;
    if (matching.length === 0) at = since + defaultTimeoutMs;
    else {
      const secs = matching.map((t) => t.tolerationSeconds).filter((s): s is number => s !== undefined);
      if (secs.length === 0) continue; // tolerated without a time limit (Kubernetes: the shortest limit wins)
      at = since + Math.max(0, Math.min(...secs)) * 1000;
    }
    deadline = deadline === undefined ? at : Math.min(deadline, at);
  }
  return deadline;
}
