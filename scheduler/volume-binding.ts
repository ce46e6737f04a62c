// Volume binding at scheduling time (kube-scheduler's VolumeBinding plugin, cut to what
// orch has): before the filters, the pod's claims are looked up once; each node is then
// checked by the VolumeBinding filter (plugins/volume-binding.ts) through the plan made
// here; after a node is chosen, the claims that wait for their first consumer are
// annotated volume.kubernetes.io/selected-node (the binder then binds or provisions).
//   - a claim missing or being deleted, or unbound with an Immediate class: the pod stays
//     Pending with that reason (no node is tried);
//   - a bound claim: only nodes its volume's node affinity allows ("volume node affinity
//     conflict": a local volume whose node is gone keeps the pod Pending, never elsewhere);
//   - an unbound WaitForFirstConsumer claim: nodes where a matching volume is usable, or
//     any node that advertises a local-path directory when the class is orch.io/local-path;
//     a claim already given a node by an earlier pod keeps that node.
// Unlike Kubernetes, the pod is bound at once after the annotation, without waiting for
// the claim to be bound: the agent waits for it (agent/claim-volumes.ts). Reasons name the
// claim, so `describe pod` says which one is in the way. Pure: reads the caches given.

import { findMatchingVolume, podClaimNames, volumeAllowsNode } from '../api/storage/matching.js';
import {
  claimClass,
  LOCAL_PATH_PROVISIONER,
  LOCAL_PATH_ROOT_ANNOTATION,
  SELECTED_NODE_ANNOTATION,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../api/storage/types.js';
import type { Node, Pod } from '../api/types.js';
import { FitError } from './fit-error.js';

export interface VolumeListers {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
  volumes(): PersistentVolume[];
  storageClass(name: string): StorageClass | undefined;
}

export const ERR_VOLUME_NODE_AFFINITY = 'node(s) had volume node affinity conflict';
export const ERR_NO_VOLUME_TO_BIND = "node(s) didn't find available persistent volumes to bind";

/** What the filter asks per node; the claims to annotate once a node is chosen. */
export interface VolumePlan {
  check(node: Node): string | undefined;
  toSelect: PersistentVolumeClaim[];
}

/** A pod without claims has no plan; a pod that can go nowhere gets a FitError at once. */
export function planPodVolumes(pod: Pod, l: VolumeListers, numNodes: number): VolumePlan | FitError | undefined {
  const names = podClaimNames(pod);
  if (names.length === 0) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  const checks: ((node: Node) => string | undefined)[] = [];
  const toSelect: PersistentVolumeClaim[] = [];
  for (const name of names) {
    const pvc = l.claim(ns, name);
    if (!pvc) return preFilterError(numNodes, `persistentvolumeclaim "${name}" not found`);
    if (pvc.metadata.deletionTimestamp) return preFilterError(numNodes, `persistentvolumeclaim "${name}" is being deleted`);
    if (pvc.spec.volumeName) {
      const pv = l.volume(pvc.spec.volumeName);
      if (!pv) return preFilterError(numNodes, `pvc ${name} bound to non-existent pv ${pvc.spec.volumeName}`);
      checks.push((node) => (volumeAllowsNode(pv, node) ? undefined : `${ERR_VOLUME_NODE_AFFINITY} (claim "${name}", volume "${pv.metadata.name}")`));
      continue;
    }
    const className = claimClass(pvc);
    const sc = className ? l.storageClass(className) : undefined;
    if (sc?.volumeBindingMode !== 'WaitForFirstConsumer') return preFilterError(numNodes, `pod has unbound immediate PersistentVolumeClaims (claim "${name}")`);
    const selected = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (selected) {
      checks.push((node) => (node.metadata.name === selected ? undefined : `node(s) didn't match the node selected for claim "${name}" (${selected})`));
      continue;
    }
    const volumes = l.volumes();
    const provisioned = sc.provisioner === LOCAL_PATH_PROVISIONER;
    checks.push((node) => {
      if (findMatchingVolume(pvc, volumes, node)) return undefined;
      if (provisioned && node.metadata.annotations?.[LOCAL_PATH_ROOT_ANNOTATION]) return undefined;
      return `${ERR_NO_VOLUME_TO_BIND} (claim "${name}")`;
    });
    toSelect.push(pvc);
  }
  return {
    check: (node) => {
      for (const c of checks) {
        const r = c(node);
        if (r) return r;
      }
      return undefined;
    },
    toSelect,
  };
}

/** Kubernetes' message for a pod rejected before any node is tried: "0/3 nodes are available: <reason>." */
function preFilterError(numNodes: number, reason: string): FitError {
  const e = new FitError(numNodes, new Map([[reason, numNodes]]));
  e.message = numNodes === 0 ? e.message : `0/${numNodes} nodes are available: ${reason}.`;
  return e;
}
