// Which PersistentVolume a claim may bind to, shared by the controller manager's binder
// and the scheduler's volume binding so that both answer alike (Kubernetes'
// FindMatchingVolume and CheckVolumeNodeAffinity): same class, every requested access
// mode, enough capacity, the claim's selector, the same volume mode; a volume pre-bound
// to another claim is never taken; among the candidates the smallest wins. A volume with
// node affinity is usable from a node only if the node meets it. Pure.

import { matchesLabelSelector } from '../selectors/labels.js';
import { parseQuantity, isValidQuantity } from '../quantity.js';
import type { Node, Pod } from '../types.js';
import { termMatches } from '../selectors/node-match.js';
import { claimClass, volumeClass, type PersistentVolume, type PersistentVolumeClaim } from './types.js';

/** The volume may be used from `node` (no node affinity: any node). */
export function volumeAllowsNode(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => termMatches(t, node));
}

const storage = (r: Record<string, string> | undefined): number => {
  const q = r?.storage;
  return q !== undefined && isValidQuantity(q) ? parseQuantity(q) : 0;
};

export const claimRequest = (pvc: PersistentVolumeClaim): number => storage(pvc.spec.resources?.requests);
export const volumeCapacity = (pv: PersistentVolume): number => storage(pv.spec.capacity);

/** The volume's claimRef names this claim (by uid when the reference has one). */
export function isClaimOf(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const ref = pv.spec.claimRef;
  if (!ref || ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata.uid;
}

/** Why `pv` cannot serve `pvc` (undefined: it can), node aside. */
export function volumeMismatch(pvc: PersistentVolumeClaim, pv: PersistentVolume): string | undefined {
  if (pv.metadata.deletionTimestamp) return 'being deleted';
  if (pv.spec.claimRef && !isClaimOf(pv, pvc)) return 'bound to another claim';
  if (!pv.spec.claimRef && pv.status?.phase !== 'Available' && pv.status?.phase !== 'Pending' && pv.status?.phase !== undefined) return `phase ${pv.status?.phase}`;
  if (claimClass(pvc) !== volumeClass(pv)) return 'storage class differs';
  const modes = pv.spec.accessModes ?? [];
  if (!(pvc.spec.accessModes ?? []).every((m) => modes.includes(m))) return 'access modes differ';
  if (volumeCapacity(pv) < claimRequest(pvc)) return 'too small';
  if ((pvc.spec.volumeMode ?? 'Filesystem') !== (pv.spec.volumeMode ?? 'Filesystem')) return 'volume mode differs';
  if (pvc.spec.selector && !matchesLabelSelector(pvc.spec.selector, pv.metadata.labels)) return 'selector does not match';
  return undefined;
}

/**
 * The volume to bind `pvc` to: one pre-bound to it first, else the smallest that matches
 * (and allows `node` when given). A claim that names its volume gets only that one.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node?: Node): PersistentVolume | undefined {
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    if (pvc.spec.volumeName && pv.metadata.name !== pvc.spec.volumeName) continue;
    if (volumeMismatch(pvc, pv)) continue;
    if (node && !volumeAllowsNode(pv, node)) continue;
    if (isClaimOf(pv, pvc)) return pv;
    if (!best || volumeCapacity(pv) < volumeCapacity(best)) best = pv;
  }
  return best;
}

/** Names of the claims a pod mounts. */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const name = v.persistentVolumeClaim?.claimName;
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}
