// Which nodes can still confirm the deletion of their pods? `orch down --purge` waits for
// an agent to stop and remove its pods' containers only while that agent is there to do
// it; a node without one (its process gone, its Node not Ready, its Lease not renewed)
// would keep its pods Terminating for ever, so the purge force-deletes them instead of
// waiting. Pure: the caller gathers the facts.

import type { Lease, Node } from '../../api/types.js';

export interface LocalAgentState {
  /** The agent process of this node (a component of the local cluster) runs. */
  running: boolean;
  /** Its supervisor's state for it ('backoff' while waiting to restart it), when known. */
  state?: string;
}

export interface NodeFacts {
  nodes: Node[];
  /** Leases of the node-lease namespace (one per node, named after it). */
  leases: Lease[];
  /** Agents started by `orch up` on this host, by node name. */
  localAgents: Map<string, LocalAgentState>;
  nowMs: number;
}

/** Why a node cannot confirm deletions, or undefined when its agent is there. */
export function nodeProblem(name: string, f: NodeFacts): string | undefined {
  const problems: string[] = [];
  const local = f.localAgents.get(name);
  if (local && !local.running) problems.push(local.state === 'backoff' ? 'agent process not running, waiting to be restarted' : 'agent process not running');
  const node = f.nodes.find((n) => n.metadata.name === name);
  if (!node) problems.push('no Node object');
  else {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') problems.push(`Ready=${ready?.status ?? 'unknown'}${ready?.reason ? ` (${ready.reason})` : ''}`);
  }
  const lease = f.leases.find((l) => l.metadata.name === name);
  const renewed = lease?.spec.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
  if (node && !Number.isNaN(renewed)) {
    const ageS = Math.round((f.nowMs - renewed) / 1000);
    if (ageS > (lease!.spec.leaseDurationSeconds ?? 40)) problems.push(`lease not renewed for ${ageS}s`);
  }
  return problems.length ? problems.join(', ') : undefined;
}
