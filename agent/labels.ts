// Docker labels that tie a container to its pod. They are the agent's only memory of what
// it runs: a restarted agent rebuilds everything from them.

export const LABEL_POD_UID = 'orch.io/pod-uid';
export const LABEL_NAMESPACE = 'orch.io/namespace';
export const LABEL_POD = 'orch.io/pod';
export const LABEL_CONTAINER = 'orch.io/container';
export const LABEL_NODE = 'orch.io/node';
export const LABEL_ATTEMPT = 'orch.io/attempt';
/**
 * orch.io/container of a pod's sandbox (the container holding its network namespace).
 * Container names are lowercase DNS labels, so no spec container can be called this.
 */
export const SANDBOX_CONTAINER = 'POD';
/** Hash of the container's spec: a running container whose hash differs is replaced. */
export const LABEL_HASH = 'orch.io/container-hash';

/** The attempt number of a managed container (-1 when the label is missing or garbled). */
export function attemptOf(labels: Record<string, string>): number {
  const n = Number(labels[LABEL_ATTEMPT]);
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

/** uid of the cluster's kube-system namespace: tells apart two clusters sharing one engine and node name. */
export const LABEL_CLUSTER = 'orch.io/cluster';
