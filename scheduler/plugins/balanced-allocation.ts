// Score: prefer nodes whose cpu and memory use stay balanced after placing the pod, so
// one resource is not exhausted while the other idles. With fractions f_cpu and f_mem
// (capped at 1) the score is (1 - |f_cpu - f_mem| / 2) * 100, as Kubernetes computes
// the standard deviation of two values.

import { MAX_NODE_SCORE, type ScorePlugin } from '../types.js';

function fraction(requested: number, allocatable: number): number {
  if (allocatable <= 0) return 1;
  return Math.min(1, requested / allocatable);
}

export const balancedAllocation: ScorePlugin = {
  name: 'NodeResourcesBalancedAllocation',
  normalize: 'none',
  score(pod, node) {
    const fc = fraction(node.nonZeroRequested.cpu + pod.nonZeroRequests.cpu, node.allocatable.cpu);
    const fm = fraction(node.nonZeroRequested.memory + pod.nonZeroRequests.memory, node.allocatable.memory);
    const std = Math.abs(fc - fm) / 2;
    return (1 - std) * MAX_NODE_SCORE;
  },
};
