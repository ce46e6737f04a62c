// The PersistentVolume binder (Kubernetes' persistentvolume-binder controller): binds
// claims to volumes and keeps both phases true, reclaims released volumes, and runs the
// built-in local-path provisioner (local-path.ts).
//
// Keys are 'pvc:<ns>/<name>', 'pv:<name>' and 'class' (creates the local-path class once,
// at start, like k3s). A claim:
//   - unbound, class WaitForFirstConsumer, no selected node yet: Pending, waits for the scheduler;
//   - unbound otherwise: the best matching volume (api/storage/matching.ts, on the selected
//     node if any) is bound: PV claimRef first, then claim volumeName, then both statuses;
//     none: provisioned by orch.io/local-path, or Pending with Kubernetes' Event;
//   - bound to a volume that is gone: Lost (Warning ClaimLost).
// A volume: Available without claim, Bound with its claim, Released when its claim is
// gone; then Retain keeps it, Delete deletes it (the agent of its node then removes a
// local-path directory). A static volume with Delete has no deleter: Failed.
// Every write carries the cached resourceVersion: a conflict is retried on fresh caches.

import { isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import { deepClone } from '../../api/meta.js';
import { findMatchingVolume, isClaimOf } from '../../api/storage/matching.js';
import {
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  claimClass,
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
  type VolumePhase,
} from '../../api/storage/types.js';
import type { Node } from '../../api/types.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { keyOf } from '../shared/objects.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { localPathClass, localPathVolume, provisionedVolumeName } from './local-path.js';

export interface BinderDeps {
  client: Client;
  volumes: InformerView<PersistentVolume>;
  claims: InformerView<PersistentVolumeClaim>;
  classes: InformerView<StorageClass>;
  nodes: InformerView<Node>;
  recorder: Recorder;
  logger: Logger;
  queue: QueueView;
  /** Create the local-path StorageClass at start when missing (default true). */
  createLocalPathClass?: boolean;
}

export class PersistentVolumeBinder implements Controller {
  readonly name = 'persistentvolume-binder';

  constructor(private readonly d: BinderDeps) {
    const claim = (c: PersistentVolumeClaim) => d.queue.add(`pvc:${keyOf(c)}`);
    const volume = (v: PersistentVolume) => {
      d.queue.add(`pv:${v.metadata.name ?? ''}`);
      const ref = v.spec.claimRef;
      if (ref?.name) d.queue.add(`pvc:${ref.namespace ?? ''}/${ref.name}`);
    };
    d.claims.addEventHandler({
      onAdd: claim,
      onUpdate: (_o, c) => claim(c),
      onDelete: (c) => {
        claim(c);
        if (c.spec.volumeName) d.queue.add(`pv:${c.spec.volumeName}`);
      },
    });
    d.volumes.addEventHandler({ onAdd: volume, onUpdate: (_o, v) => volume(v), onDelete: volume });
    // A new class can satisfy waiting claims.
    d.classes.addEventHandler({ onAdd: () => this.enqueueUnbound(), onUpdate: () => undefined });
    if (d.createLocalPathClass ?? true) d.queue.add('class');
  }

  private enqueueUnbound(): void {
    for (const c of this.d.claims.list()) if (!c.spec.volumeName) this.d.queue.add(`pvc:${keyOf(c)}`);
  }

  async reconcile(key: string): Promise<Result> {
    if (key === 'class') return this.ensureClass();
    if (key.startsWith('pv:')) {
      const pv = this.d.volumes.get(key.slice(3));
      if (pv) await this.syncVolume(pv);
      return done;
    }
    const pvc = this.d.claims.get(key.slice(4));
    if (pvc) await this.syncClaim(pvc);
    return done;
  }

  private async ensureClass(): Promise<Result> {
    const sc = localPathClass();
    if (this.d.classes.get(sc.metadata.name!)) return done;
    try {
      await this.d.client.resource<StorageClass>('storageclasses').create(sc);
      this.d.logger.info({ class: sc.metadata.name }, 'created the default StorageClass');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return done;
  }

  // ---------------------------------------------------------------- claims

  private async syncClaim(pvc: PersistentVolumeClaim): Promise<void> {
    if (pvc.spec.volumeName) return this.syncBoundClaim(pvc);
    if (pvc.metadata.deletionTimestamp) return;
    const className = claimClass(pvc);
    const sc = className ? this.d.classes.get(className) : undefined;
    const selectedNode = pvc.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (sc?.volumeBindingMode === 'WaitForFirstConsumer' && !selectedNode) {
      await this.claimStatus(pvc, 'Pending');
      this.d.recorder.record(pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    const node = selectedNode ? this.d.nodes.get(selectedNode) : undefined;
    const pv = findMatchingVolume(pvc, this.d.volumes.list(), selectedNode ? (node ?? { metadata: { name: selectedNode } }) as Node : undefined);
    if (pv) return this.bind(pvc, pv);
    await this.claimStatus(pvc, 'Pending');
    if (pvc.spec.volumeName) return;
    if (!className) {
      this.d.recorder.record(pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    if (!sc) {
      this.d.recorder.record(pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
      return;
    }
    if (sc.provisioner !== LOCAL_PATH_PROVISIONER) {
      this.d.recorder.record(
        pvc,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
      return;
    }
    await this.provision(pvc, sc, selectedNode);
  }

  private async provision(pvc: PersistentVolumeClaim, sc: StorageClass, nodeName: string | undefined): Promise<void> {
    const ref = `${pvc.metadata.namespace}/${pvc.metadata.name}`;
    if (!nodeName) {
      this.d.recorder.record(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": configuration error, no node was specified (${LOCAL_PATH_PROVISIONER} needs volumeBindingMode WaitForFirstConsumer)`);
      return;
    }
    if (this.d.volumes.get(provisionedVolumeName(pvc))) return; // made already: the binder binds it
    const pv = localPathVolume(pvc, sc, this.d.nodes.get(nodeName), nodeName);
    if ('error' in pv) {
      this.d.recorder.record(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name}": ${pv.error}`);
      return;
    }
    if (pvc.metadata.annotations?.[STORAGE_PROVISIONER_ANNOTATION] !== LOCAL_PATH_PROVISIONER) {
      const copy = deepClone(pvc);
      copy.metadata.annotations = { ...copy.metadata.annotations, [STORAGE_PROVISIONER_ANNOTATION]: LOCAL_PATH_PROVISIONER };
      await this.write(() => this.d.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').update(copy));
    }
    this.d.recorder.record(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ref}"`);
    try {
      await this.d.client.resource<PersistentVolume>('persistentvolumes').create(pv);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      return;
    }
    this.d.recorder.record(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata.name}`);
  }

  /** Kubernetes' order: the volume's claimRef, the volume's phase, the claim's volumeName, the claim's status. */
  private async bind(pvc: PersistentVolumeClaim, pv: PersistentVolume): Promise<void> {
    let volume = pv;
    if (!isClaimOf(pv, pvc) || !pv.spec.claimRef?.uid) {
      const copy = deepClone(pv);
      copy.spec.claimRef = { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion };
      copy.metadata.annotations = { ...copy.metadata.annotations, [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' };
      const written = await this.write(() => this.d.client.resource<PersistentVolume>('persistentvolumes').update(copy));
      if (!written) return;
      volume = written;
    }
    await this.volumeStatus(volume, 'Bound');
    const claim = deepClone(pvc);
    claim.spec.volumeName = volume.metadata.name;
    claim.metadata.annotations = { ...claim.metadata.annotations, [BIND_COMPLETED_ANNOTATION]: 'yes', [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' };
    const written = await this.write(() => this.d.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').update(claim));
    if (written) await this.claimStatus(written, 'Bound', volume);
  }

  private async syncBoundClaim(pvc: PersistentVolumeClaim): Promise<void> {
    const pv = this.d.volumes.get(pvc.spec.volumeName!);
    if (!pv) {
      if (pvc.status?.phase !== 'Lost') this.d.recorder.record(pvc, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      await this.claimStatus(pvc, 'Lost');
      return;
    }
    if (!pv.spec.claimRef) return this.bind(pvc, pv); // pre-bound claim: the volume follows
    if (!isClaimOf(pv, pvc)) {
      if (pvc.status?.phase !== 'Lost') this.d.recorder.record(pvc, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
      await this.claimStatus(pvc, 'Lost');
      return;
    }
    await this.claimStatus(pvc, 'Bound', pv);
  }

  // ---------------------------------------------------------------- volumes

  private async syncVolume(pv: PersistentVolume): Promise<void> {
    const ref = pv.spec.claimRef;
    if (!ref?.name) return void (await this.volumeStatus(pv, 'Available'));
    const claim = this.d.claims.get(`${ref.namespace ?? ''}/${ref.name}`);
    const gone = !claim || (ref.uid !== undefined && ref.uid !== '' && claim.metadata.uid !== ref.uid);
    if (!gone) {
      if (claim.spec.volumeName === pv.metadata.name) await this.volumeStatus(pv, 'Bound');
      else if (claim.spec.volumeName && pv.metadata.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION]) await this.unbind(pv); // the claim went elsewhere
      else if (!ref.uid) await this.volumeStatus(pv, 'Available'); // pre-bound by name, claim not yet bound
      return;
    }
    // The claim is gone (or was recreated: another uid). A volume pre-bound by name only waits for it.
    if (!ref.uid) return void (await this.volumeStatus(pv, 'Available'));
    if (pv.status?.phase === 'Failed') return;
    await this.volumeStatus(pv, 'Released');
    await this.reclaim(pv);
  }

  private async unbind(pv: PersistentVolume): Promise<void> {
    const copy = deepClone(pv);
    delete copy.spec.claimRef;
    const written = await this.write(() => this.d.client.resource<PersistentVolume>('persistentvolumes').update(copy));
    if (written) await this.volumeStatus(written, 'Available');
  }

  private async reclaim(pv: PersistentVolume): Promise<void> {
    const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy !== 'Delete' || pv.metadata.deletionTimestamp) return;
    if (pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) {
      const message = `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched (orch deletes only volumes provisioned by ${LOCAL_PATH_PROVISIONER})`;
      this.d.recorder.record(pv, 'Warning', 'VolumeFailedDelete', message);
      await this.volumeStatus(pv, 'Failed', message);
      return;
    }
    try {
      await this.d.client.resource<PersistentVolume>('persistentvolumes').delete(pv.metadata.name!, undefined, { preconditions: { uid: pv.metadata.uid } });
      this.d.logger.debug({ pv: pv.metadata.name }, 'released volume deleted (reclaim policy Delete)');
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  // ---------------------------------------------------------------- status writes

  private async volumeStatus(pv: PersistentVolume, phase: VolumePhase, message?: string): Promise<void> {
    if (pv.status?.phase === phase && pv.status?.message === message) return;
    const copy = deepClone(pv);
    copy.status = { phase, lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), ...(message ? { message } : {}) };
    await this.write(() => this.d.client.resource<PersistentVolume>('persistentvolumes').updateStatus(copy));
  }

  private async claimStatus(pvc: PersistentVolumeClaim, phase: 'Pending' | 'Bound' | 'Lost', pv?: PersistentVolume): Promise<void> {
    const status: PersistentVolumeClaim['status'] = { phase };
    if (phase === 'Bound' && pv) {
      status.accessModes = pv.spec.accessModes;
      status.capacity = pv.spec.capacity;
    }
    if (JSON.stringify(status) === JSON.stringify(pvc.status ?? {})) return;
    const copy = deepClone(pvc);
    copy.status = status;
    await this.write(() => this.d.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').updateStatus(copy));
  }

  /** A write with the cached resourceVersion: 404 = gone (nothing to do); 409 is thrown (retry on fresh caches). */
  private async write<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}

