// `orch rollout status sts/NAME`, judged exactly as kubectl's StatefulSetStatusViewer:
// RollingUpdate only; waits for the spec to be observed and every replica to be ready;
// with a partition, for the ordinals >= partition to be updated; otherwise for the
// update revision to become current. History and undo use the DaemonSet code
// (cli/rollout-daemonset.ts): both kinds keep their history in ControllerRevisions.

import type { StatefulSet } from '../api/statefulset-types.js';
import type { Client } from '../client/types.js';
import { waitForRollout } from './rollout-daemonset.js';
import type { RolloutState } from './rollout-progress.js';

export function statefulSetRolloutState(sts: StatefulSet): RolloutState {
  const strategy = sts.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { done: false, failed: true, message: 'rollout status is only available for RollingUpdate strategy type' };
  const s = sts.status;
  if (!s?.observedGeneration || (sts.metadata.generation ?? 0) > s.observedGeneration) return { done: false, failed: false, message: 'Waiting for statefulset spec update to be observed...' };
  const replicas = sts.spec.replicas ?? 1;
  const ready = s.readyReplicas ?? 0;
  if (ready < replicas) return { done: false, failed: false, message: `Waiting for ${replicas - ready} pods to be ready...` };
  if (strategy?.rollingUpdate) {
    const partition = strategy.rollingUpdate.partition;
    if (partition !== undefined && (s.updatedReplicas ?? 0) < replicas - partition) {
      return { done: false, failed: false, message: `Waiting for partitioned roll out to finish: ${s.updatedReplicas ?? 0} out of ${replicas - partition} new pods have been updated...` };
    }
    return { done: true, message: `partitioned roll out complete: ${s.updatedReplicas ?? 0} new pods have been updated...` };
  }
  if (s.updateRevision !== s.currentRevision) return { done: false, failed: false, message: `waiting for statefulset rolling update to complete ${s.updatedReplicas ?? 0} pods at revision ${s.updateRevision}...` };
  return { done: true, message: `statefulset rolling update complete ${s.currentReplicas ?? 0} pods at revision ${s.currentRevision}...` };
}

export function waitForStatefulSet(client: Client, namespace: string, name: string, timeoutMs: number, write: (line: string) => void): Promise<{ ok: boolean; message: string }> {
  return waitForRollout<StatefulSet>(client, 'statefulsets', `statefulset "${name}"`, namespace, name, timeoutMs, write, statefulSetRolloutState);
}
