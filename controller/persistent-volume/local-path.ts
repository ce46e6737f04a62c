// orch's built-in provisioner `orch.io/local-path` (k3s' local-path provisioner, inside
// the controller manager): for a claim whose class names it, once the scheduler chose a
// node (volume.kubernetes.io/selected-node), a hostPath PersistentVolume under the
// directory that node's agent advertises (Node annotation storage.orch.io/local-path-root),
// with node affinity to that node and a claimRef to the claim, so the binder binds the two.
// The agent creates the directory when it mounts it, and removes it once the volume is
// gone (its periodic sweep, agent/claim-volumes.ts). Pure: builds objects.

import type { Node } from '../../api/types.js';
import {
  LOCAL_PATH_CLASS,
  LOCAL_PATH_NODE_LABEL,
  LOCAL_PATH_PROVISIONER,
  LOCAL_PATH_ROOT_ANNOTATION,
  DEFAULT_CLASS_ANNOTATION,
  PROVISIONED_BY_ANNOTATION,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../../api/storage/types.js';

/** The class created at start (WaitForFirstConsumer: the volume is made where the pod goes). */
export function localPathClass(): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

/** Kubernetes' name for a provisioned volume: pvc-<claim uid>. */
export const provisionedVolumeName = (pvc: PersistentVolumeClaim): string => `pvc-${pvc.metadata.uid ?? ''}`;

/** The volume for `pvc` on `node`, or why there cannot be one. */
export function localPathVolume(pvc: PersistentVolumeClaim, sc: StorageClass, node: Node | undefined, nodeName: string): PersistentVolume | { error: string } {
  if (!node) return { error: `node "${nodeName}" not found` };
  const root = node.metadata.annotations?.[LOCAL_PATH_ROOT_ANNOTATION];
  if (!root || !root.startsWith('/')) return { error: `node "${nodeName}" does not advertise a local-path directory (annotation ${LOCAL_PATH_ROOT_ANNOTATION}): is its agent running?` };
  const name = provisionedVolumeName(pvc);
  const ns = pvc.metadata.namespace ?? '';
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: {
      name,
      labels: { [LOCAL_PATH_NODE_LABEL]: nodeName },
      annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER },
    },
    spec: {
      capacity: { storage: pvc.spec.resources?.requests?.storage ?? '0' },
      accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: 'Filesystem',
      hostPath: { path: `${root.replace(/\/+$/, '')}/${name}_${ns}_${pvc.metadata.name ?? ''}`, type: 'DirectoryOrCreate' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }] } },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name: pvc.metadata.name, uid: pvc.metadata.uid },
    },
  };
}
