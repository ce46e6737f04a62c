// spec.podFailurePolicy: the first rule that matches a failed pod decides what its failure
// means (Kubernetes' matchPodFailurePolicy). Exit codes are those of terminated app and init
// containers, exit code 0 excluded; condition patterns match the pod's conditions.

import type { PodFailurePolicy, PodFailurePolicyAction } from '../../api/job-types.js';
import type { ContainerStatus, Pod } from '../../api/types.js';

export interface PolicyMatch {
  action: PodFailurePolicyAction;
  message: string;
}

function exitCodes(pod: Pod, containerName: string | undefined): { name: string; code: number }[] {
  const all: ContainerStatus[] = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  return all
    .filter((s) => containerName === undefined || s.name === containerName)
    .map((s) => ({ name: s.name, code: s.state.terminated?.exitCode ?? s.lastState?.terminated?.exitCode }))
    .filter((x): x is { name: string; code: number } => typeof x.code === 'number' && x.code !== 0);
}

/** The action for a failed pod, or undefined when no rule matches (default handling: Count). */
export function matchPodFailurePolicy(policy: PodFailurePolicy | undefined, pod: Pod): PolicyMatch | undefined {
  for (const [i, rule] of (policy?.rules ?? []).entries()) {
    if (rule.onExitCodes) {
      const req = rule.onExitCodes;
      const hit = exitCodes(pod, req.containerName).find((x) => (req.operator === 'In' ? req.values.includes(x.code) : !req.values.includes(x.code)));
      if (hit) return { action: rule.action, message: `Container ${hit.name} for pod ${pod.metadata.namespace}/${pod.metadata.name} failed with exit code ${hit.code} matching ${rule.action} rule at index ${i}` };
    } else if (rule.onPodConditions) {
      const hit = rule.onPodConditions.find((p) => (pod.status?.conditions ?? []).some((c) => c.type === p.type && c.status === (p.status ?? 'True')));
      if (hit) return { action: rule.action, message: `Pod ${pod.metadata.namespace}/${pod.metadata.name} has condition ${hit.type} matching ${rule.action} rule at index ${i}` };
    }
  }
  return undefined;
}
