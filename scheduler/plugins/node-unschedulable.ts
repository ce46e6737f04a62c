// Filter: a cordoned node (spec.unschedulable) takes no new pods, unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint (as DaemonSets do).

import { fail, PASS, type FilterPlugin } from '../types.js';
import { toleratesAny } from './toleration-match.js';

export const ERR_NODE_UNSCHEDULABLE = 'node(s) were unschedulable';
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' as const };

export const nodeUnschedulable: FilterPlugin = {
  name: 'NodeUnschedulable',
  filter(pod, node) {
    if (!node.node.spec?.unschedulable) return PASS;
    if (toleratesAny(pod.tolerations, UNSCHEDULABLE_TAINT)) return PASS;
    return fail(ERR_NODE_UNSCHEDULABLE);
  },
};
