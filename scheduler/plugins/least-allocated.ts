// Score: prefer nodes with the most free cpu and memory after placing the pod (spreads
// load). Each resource scores (allocatable - requested) * 100 / allocatable; the node's
// score is their average. Requests use non-zero defaults so best-effort pods spread too.

import { MAX_NODE_SCORE, type ScorePlugin } from '../types.js';

function free(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return ((allocatable - requested) * MAX_NODE_SCORE) / allocatable;
}

export const leastAllocated: ScorePlugin = {
  name: 'NodeResourcesLeastAllocated',
  normalize: 'none',
  score(pod, node) {
    const cpu = free(node.nonZeroRequested.cpu + pod.nonZeroRequests.cpu, node.allocatable.cpu);
    const mem = free(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
    return (cpu + mem) / 2;
  },
};
