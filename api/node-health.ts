// The taints the node lifecycle controller puts on a node whose agent is not Ready or not
// heard from, and whether a node can take pods now: shared by the controller, the
// scheduler, `orch up` and the cluster test harness, which wait for it.

import type { Node } from './types.js';

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';

/** Ready, and not (still) carrying the not-ready/unreachable taint: the scheduler may place pods there. */
export function nodeTakesPods(n: Node): boolean {
  const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return ready && !(n.spec.taints ?? []).some((t) => t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
}
