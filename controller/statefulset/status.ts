// StatefulSet status (Kubernetes' computeReplicaStatus + completeRollingUpdate): counts
// over the set's pods — replicas (every pod that exists), ready, available (ready for
// minReadySeconds), current and updated (by revision, terminating pods not counted) —
// the two revision names, the collision count and the generation observed. A
// RollingUpdate whose pods are all updated and ready makes the update revision current.

import type { StatefulSet, StatefulSetStatus } from '../../api/statefulset-types.js';
import type { Pod } from '../../api/types.js';
import { isPodAvailable, isPodReady } from '../shared/objects.js';
import { podRevision } from './identity.js';

export interface StatusInput {
  sts: StatefulSet;
  pods: readonly Pod[];
  currentRevision: string;
  updateRevision: string;
  collisionCount: number | undefined;
  now: number;
}

export function computeStatus(i: StatusInput): StatefulSetStatus {
  const s: StatefulSetStatus = {
    observedGeneration: i.sts.metadata.generation,
    replicas: 0,
    readyReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
    currentRevision: i.currentRevision,
    updateRevision: i.updateRevision,
    collisionCount: i.collisionCount ?? 0,
    availableReplicas: 0,
  };
  const minReady = i.sts.spec.minReadySeconds ?? 0;
  for (const p of i.pods) {
    s.replicas++;
    if (p.status?.phase === 'Running' && isPodReady(p)) {
      s.readyReplicas!++;
      if (isPodAvailable(p, minReady, i.now)) s.availableReplicas++;
    }
    if (p.metadata.deletionTimestamp) continue;
    const rev = podRevision(p);
    if (rev === i.currentRevision) s.currentReplicas!++;
    if (rev === i.updateRevision) s.updatedReplicas!++;
  }
  if ((i.sts.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && s.updatedReplicas === s.replicas && s.readyReplicas === s.replicas) {
    s.currentReplicas = s.updatedReplicas;
    s.currentRevision = s.updateRevision;
  }
  if (i.sts.status?.conditions) s.conditions = i.sts.status.conditions;
  return s;
}
