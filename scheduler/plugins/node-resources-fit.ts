// Filter: the pod's requests fit in allocatable minus what pods already on the node
// (bound or assumed) request, and the node's pod count is below its limit. Like
// Kubernetes, every shortfall is reported, so a node short of both cpu and memory
// counts once under each reason.

import { fail, PASS, type FilterPlugin } from '../types.js';

export const ERR_TOO_MANY_PODS = 'Too many pods';
export const ERR_INSUFFICIENT_CPU = 'Insufficient cpu';
export const ERR_INSUFFICIENT_MEMORY = 'Insufficient memory';

export const nodeResourcesFit: FilterPlugin = {
  name: 'NodeResourcesFit',
  filter(pod, node) {
    const reasons: string[] = [];
    if (node.podCount + 1 > node.allocatable.pods) reasons.push(ERR_TOO_MANY_PODS);
    const { cpu, memory } = pod.requests;
    if (cpu > 0 && cpu > node.allocatable.cpu - node.requested.cpu) reasons.push(ERR_INSUFFICIENT_CPU);
    if (memory > 0 && memory > node.allocatable.memory - node.requested.memory) reasons.push(ERR_INSUFFICIENT_MEMORY);
    return reasons.length === 0 ? PASS : fail(...reasons);
  },
};
