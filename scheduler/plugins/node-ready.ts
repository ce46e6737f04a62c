// Filter: the node's Ready condition must be True. Kubernetes relies on the
// node.kubernetes.io/not-ready and /unreachable taints set by the node lifecycle
// controller (those are handled by taint-toleration like any other taint); orch also
// looks at the condition itself so a node is refused even before it is tainted. A pod
// that tolerates the matching taint (as DaemonSet pods do) is let through, which keeps
// the two views consistent.

import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../api/node-health.js';
import { fail, PASS, type FilterPlugin } from '../types.js';
import { toleratesAny } from './toleration-match.js';

export const ERR_NODE_NOT_READY = 'node(s) were not ready';

export const nodeReady: FilterPlugin = {
  name: 'NodeReady',
  filter(pod, node) {
    if (node.ready) return PASS;
    const status = node.node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const key = status === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
    if (toleratesAny(pod.tolerations, { key, effect: 'NoSchedule' })) return PASS;
    return fail(ERR_NODE_NOT_READY);
  },
};
