// Which nodes run a DaemonSet's pod (Kubernetes' NodeShouldRunDaemonPod): the pod the
// controller would create, with the tolerations Kubernetes adds to every daemon pod,
// must match the node's name (template spec.nodeName), nodeSelector and required node
// affinity, and tolerate its NoSchedule/NoExecute taints. A node whose taints the pod
// does not tolerate but whose NoExecute taints it does keeps a pod already there
// (shouldContinueRunning) without getting a new one (shouldRun).

import { nodeMatchesPod, toleratesAny } from '../../api/selectors/node-match.js';
import type { DaemonSet } from '../../api/daemonset-types.js';
import type { Node, PodSpec, Toleration } from '../../api/types.js';

export interface Eligibility {
  shouldRun: boolean;
  shouldContinueRunning: boolean;
}

const exists = (key: string, effect: Toleration['effect']): Toleration => ({ key, operator: 'Exists', effect });

/** What Kubernetes' AddOrUpdateDaemonPodTolerations adds: daemons keep running on sick, cordoned and pressured nodes. */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  return [
    exists('node.kubernetes.io/not-ready', 'NoExecute'),
    exists('node.kubernetes.io/unreachable', 'NoExecute'),
    exists('node.kubernetes.io/disk-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/memory-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/pid-pressure', 'NoSchedule'),
    exists('node.kubernetes.io/unschedulable', 'NoSchedule'),
    ...(hostNetwork ? [exists('node.kubernetes.io/network-unavailable', 'NoSchedule')] : []),
  ];
}

/** The template's tolerations plus the daemon ones it lacks (same key and effect: the user's wins). */
export function withDaemonTolerations(spec: Pick<PodSpec, 'tolerations' | 'hostNetwork'>): Toleration[] {
  const own = spec.tolerations ?? [];
  const added = daemonTolerations(!!spec.hostNetwork).filter((d) => !own.some((t) => t.key === d.key && t.effect === d.effect));
  return [...own, ...added];
}

export function nodeShouldRunDaemonPod(ds: DaemonSet, node: Node, tolerations = withDaemonTolerations(ds.spec.template.spec ?? {})): Eligibility {
  const spec = ds.spec.template.spec;
  const no = { shouldRun: false, shouldContinueRunning: false };
  if (spec?.nodeName && spec.nodeName !== node.metadata.name) return no;
  if (!nodeMatchesPod({ spec: { nodeSelector: spec?.nodeSelector, affinity: spec?.affinity } }, node)) return no;
  const taints = node.spec?.taints ?? [];
  let fits = true;
  for (const t of taints) {
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (toleratesAny(tolerations, t)) continue;
    // An untolerated NoExecute taint evicts; NoSchedule only keeps new pods away.
    if (t.effect === 'NoExecute') return no;
    fits = false;
  }
  return { shouldRun: fits, shouldContinueRunning: true };
}
