// The pvc-protection and pv-protection controllers (Kubernetes' names): the finalizers
// kubernetes.io/pvc-protection and kubernetes.io/pv-protection, put on every claim and
// volume at creation (api/storage/strategies.ts), are removed only when it is safe:
//   - a claim being deleted, once no pod that may still run mounts it (pods that are
//     Succeeded or Failed do not count; a pod being deleted does until it is gone);
//   - a volume being deleted, once it is not Bound.
// Pods are indexed by the claims they mount, so a pod's end enqueues exactly its claims.

import { isNotFound } from '../../api/errors.js';
import { deepClone } from '../../api/meta.js';
import { podClaimNames } from '../../api/storage/matching.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type PersistentVolume, type PersistentVolumeClaim } from '../../api/storage/types.js';
import type { KubeObject, Pod } from '../../api/types.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { keyOf } from '../shared/objects.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export const CLAIM_INDEX = 'persistentvolumeclaim';

const claimKeys = (p: Pod): string[] => podClaimNames(p).map((n) => `${p.metadata.namespace ?? ''}/${n}`);
const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Pods (not finished) that mount the claim `key` (ns/name). */
export function podsUsingClaim(pods: InformerView<Pod>, key: string): Pod[] {
  return pods.byIndex(CLAIM_INDEX, key).filter((p) => !isTerminal(p));
}

export function ensureClaimIndex(pods: InformerView<Pod>): void {
  try {
    pods.addIndex(CLAIM_INDEX, claimKeys);
  } catch {
    /* another controller added it */
  }
}

async function removeFinalizer<T extends KubeObject>(client: Client, plural: string, obj: T, finalizer: string): Promise<void> {
  const copy = deepClone(obj);
  copy.metadata.finalizers = (copy.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  try {
    await client.resource<T>(plural).update(copy);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export interface PvcProtectionDeps {
  client: Client;
  claims: InformerView<PersistentVolumeClaim>;
  pods: InformerView<Pod>;
  logger: Logger;
  queue: QueueView;
}

export class PvcProtectionController implements Controller {
  readonly name = 'pvc-protection';

  constructor(private readonly d: PvcProtectionDeps) {
    ensureClaimIndex(d.pods);
    const claim = (c: PersistentVolumeClaim) => {
      if (c.metadata.deletionTimestamp) d.queue.add(keyOf(c));
    };
    d.claims.addEventHandler({ onAdd: claim, onUpdate: (_o, c) => claim(c) });
    const pod = (p: Pod) => claimKeys(p).forEach((k) => d.queue.add(k));
    d.pods.addEventHandler({ onUpdate: (_o, p) => (isTerminal(p) ? pod(p) : undefined), onDelete: pod });
  }

  async reconcile(key: string): Promise<Result> {
    const pvc = this.d.claims.get(key);
    if (!pvc?.metadata.deletionTimestamp || !pvc.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return done;
    const users = podsUsingClaim(this.d.pods, key);
    if (users.length > 0) {
      this.d.logger.debug({ pvc: key, pods: users.map((p) => p.metadata.name) }, 'claim in use: keeping it');
      return done;
    }
    await removeFinalizer(this.d.client, 'persistentvolumeclaims', pvc, PVC_PROTECTION_FINALIZER);
    return done;
  }
}

export interface PvProtectionDeps {
  client: Client;
  volumes: InformerView<PersistentVolume>;
  logger: Logger;
  queue: QueueView;
}

export class PvProtectionController implements Controller {
  readonly name = 'pv-protection';

  constructor(private readonly d: PvProtectionDeps) {
    const volume = (v: PersistentVolume) => {
      if (v.metadata.deletionTimestamp) d.queue.add(v.metadata.name ?? '');
    };
    d.volumes.addEventHandler({ onAdd: volume, onUpdate: (_o, v) => volume(v) });
  }

  async reconcile(key: string): Promise<Result> {
    const pv = this.d.volumes.get(key);
    if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return done;
    if (pv.status?.phase === 'Bound') return done;
    await removeFinalizer(this.d.client, 'persistentvolumes', pv, PV_PROTECTION_FINALIZER);
    return done;
  }
}
