// Filter: every host port the pod asks for must be free on the node (same protocol and
// port on the same address, where 0.0.0.0 overlaps every address).

import { portsConflict } from '../node-info.js';
import { fail, PASS, type FilterPlugin } from '../types.js';

export const ERR_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

export const nodePorts: FilterPlugin = {
  name: 'NodePorts',
  filter(pod, node) {
    if (pod.hostPorts.length === 0) return PASS;
    for (const want of pod.hostPorts) {
      for (const used of node.usedPorts) if (portsConflict(want, used)) return fail(ERR_NODE_PORTS);
    }
    return PASS;
  },
};
