// The pods of a DaemonSet: how one is made for a node, which node a pod is meant for,
// and whether it runs the current revision. As in Kubernetes, the controller does not
// set spec.nodeName: it pins the pod to its node with required node affinity on
// `metadata.name` (matchFields) and lets the scheduler bind it, so resources, host ports
// and the scheduler's other filters are checked for daemon pods like for any pod.

import type { DaemonSet } from '../../api/daemonset-types.js';
import type { OwnerReference, Pod, PodSpec } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH } from '../history/revisions.js';
import { creationMs, deepClone } from '../shared/objects.js';
import { withDaemonTolerations } from './eligibility.js';

/** Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity: the node matched the template's affinity already, so one term naming it replaces it. */
export function pinToNode(spec: PodSpec, nodeName: string): void {
  const nodeAffinity = { ...(spec.affinity?.nodeAffinity ?? {}) };
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity };
}

export function newDaemonPod(ds: DaemonSet, nodeName: string, hash: string, ref: OwnerReference): Pod {
  const t = ds.spec.template;
  const spec = deepClone(t.spec);
  spec.tolerations = withDaemonTolerations(spec);
  pinToNode(spec, nodeName);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${ds.metadata.name}-`,
      namespace: ds.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ownerReferences: [ref],
    },
    spec,
  };
  if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
  return pod;
}

/** The node a daemon pod is for: its nodeName once bound, else the node its affinity names (Kubernetes' GetTargetNodeName). */
export function targetNodeName(p: Pod): string | undefined {
  if (p.spec.nodeName) return p.spec.nodeName;
  const terms = p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

export function isUpdated(p: Pod, hash: string): boolean {
  return p.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
}

/** Kubernetes' podByCreationTimestampAndPhase: bound before unbound, running before pending, then oldest first. */
export function byCreationAndPhase(a: Pod, b: Pod): number {
  const bound = Number(!a.spec.nodeName) - Number(!b.spec.nodeName);
  if (bound !== 0) return bound;
  const running = Number(a.status?.phase !== 'Running') - Number(b.status?.phase !== 'Running');
  if (running !== 0) return running;
  const d = creationMs(a) - creationMs(b);
  return d !== 0 ? d : (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** Pods grouped by the node they are for (pods for no node are left out). */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = targetNodeName(p);
    if (n === undefined) continue;
    const list = out.get(n);
    if (list) list.push(p);
    else out.set(n, [p]);
  }
  return out;
}
