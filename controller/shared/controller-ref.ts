// Adopting and releasing dependents. Both are JSON patches that start with a `test` of
// the dependent's uid, so a patch aimed at an object that was deleted and re-created
// under the same name fails instead of touching the newcomer (Kubernetes sends the uid
// as a precondition for the same reason).

import type { KubeObject, OwnerReference } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';

export function ownerRefFor(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function adoptPatch(dependent: KubeObject, ref: OwnerReference): unknown[] {
  const refs = (dependent.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return [
    { op: 'test', path: '/metadata/uid', value: dependent.metadata.uid },
    { op: 'add', path: '/metadata/ownerReferences', value: [...refs, ref] },
  ];
}

export function releasePatch(dependent: KubeObject, ownerUid: string): unknown[] {
  const refs = (dependent.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
  return [
    { op: 'test', path: '/metadata/uid', value: dependent.metadata.uid },
    { op: 'add', path: '/metadata/ownerReferences', value: refs },
  ];
}

export async function adopt<T extends KubeObject>(rc: ResourceClient<T>, dependent: T, ref: OwnerReference): Promise<T> {
  return rc.patch(dependent.metadata.name!, dependent.metadata.namespace, adoptPatch(dependent, ref), 'json');
}

export async function release<T extends KubeObject>(rc: ResourceClient<T>, dependent: T, ownerUid: string): Promise<T> {
  return rc.patch(dependent.metadata.name!, dependent.metadata.namespace, releasePatch(dependent, ownerUid), 'json');
}
