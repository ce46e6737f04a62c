// The error a pod that fits nowhere gets, with Kubernetes' message: per-node reasons
// counted, each "count reason" string sorted as text (Kubernetes sorts the formatted
// strings), e.g. "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had
// untolerated taint {dedicated: gpu}."

/** Kubernetes' ErrNoNodesAvailable: the message when the cluster has no nodes at all. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

export class FitError extends Error {
  /** reason → number of nodes that gave it */
  readonly reasons: ReadonlyMap<string, number>;
  readonly numAllNodes: number;

  constructor(numAllNodes: number, reasons: Map<string, number>) {
    super(FitError.format(numAllNodes, reasons));
    this.name = 'FitError';
    this.numAllNodes = numAllNodes;
    this.reasons = reasons;
  }

  static format(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
    if (numAllNodes === 0) return NO_NODES_MESSAGE;
    const parts = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
    return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
  }
}
