// persistentVolumeClaimRetentionPolicy as owner references on the claims, as Kubernetes'
// updateClaimOwnerRefForSetAndPod does (non-controller references, so the garbage
// collector deletes a claim once every owner is gone):
//   whenDeleted Delete  → the claim is owned by the StatefulSet (deleting it deletes them)
//   whenScaled  Delete  → the claim of an ordinal scaled away is owned by its pod (set just
//                         before the pod is deleted); claims of ordinals in range are not
//   both Retain         → neither reference.
// References to a pod of the same name but another incarnation are dropped, so a claim
// left owned by a scaled-away pod is not collected under the pod that reuses it.

import type { StatefulSet } from '../../api/statefulset-types.js';
import type { PersistentVolumeClaim } from '../../api/storage/types.js';
import type { OwnerReference, Pod } from '../../api/types.js';
import { deepEqual } from '../shared/objects.js';

export function setRef(sts: StatefulSet): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', name: sts.metadata.name!, uid: sts.metadata.uid! };
}

function podRef(p: Pod): OwnerReference {
  return { apiVersion: 'v1', kind: 'Pod', name: p.metadata.name!, uid: p.metadata.uid! };
}

/** Which owners a claim should have. `inRange`: its ordinal is below spec.replicas. */
export function wantedOwners(sts: StatefulSet, inRange: boolean): { set: boolean; pod: boolean } {
  const p = sts.spec.persistentVolumeClaimRetentionPolicy ?? {};
  const deleteOnDelete = p.whenDeleted === 'Delete';
  const deleteOnScale = p.whenScaled === 'Delete';
  if (deleteOnScale && !inRange) return { set: false, pod: true };
  return { set: deleteOnDelete, pod: false };
}

/** The claim's ownerReferences as they should be, or undefined when they already are. */
export function claimOwnerRefs(claim: PersistentVolumeClaim, sts: StatefulSet, pod: Pod | undefined, inRange: boolean): OwnerReference[] | undefined {
  const want = wantedOwners(sts, inRange);
  const podName = pod?.metadata.name;
  const kept = (claim.metadata.ownerReferences ?? []).filter(
    (r) => !(r.uid === sts.metadata.uid) && !(r.kind === 'Pod' && r.apiVersion === 'v1' && (r.name === podName || r.uid === pod?.metadata.uid)),
  );
  const next = [...kept];
  if (want.set) next.push(setRef(sts));
  if (want.pod && pod?.metadata.uid) next.push(podRef(pod));
  return deepEqual(next, claim.metadata.ownerReferences ?? []) ? undefined : next;
}
