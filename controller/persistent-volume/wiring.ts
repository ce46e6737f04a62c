// The storage controllers of the controller manager (persistentvolume-binder,
// pvc-protection, pv-protection) and the informers they share, made only for those
// enabled. Kept here so controller/manager.ts only lists them.

import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../api/storage/types.js';
import type { KubeObject, Node, Pod } from '../../api/types.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { PersistentVolumeBinder } from './binder.js';
import { PvcProtectionController, PvProtectionController } from './protection.js';

export interface StorageWiring {
  client: Client;
  logger: Logger;
  recorder: Recorder;
  pods: InformerView<Pod>;
  nodes: () => InformerView<Node>;
  informer: <T extends KubeObject>(rc: ResourceClient<T>) => InformerView<T>;
  queue: (name: string) => QueueView;
}

export function buildStorageControllers(enabled: Set<string>, w: StorageWiring): Controller[] {
  const out: Controller[] = [];
  let volumes: InformerView<PersistentVolume> | undefined;
  let claims: InformerView<PersistentVolumeClaim> | undefined;
  const pvs = () => (volumes ??= w.informer(w.client.resource<PersistentVolume>('persistentvolumes')));
  const pvcs = () => (claims ??= w.informer(w.client.resource<PersistentVolumeClaim>('persistentvolumeclaims')));
  if (enabled.has('persistentvolume-binder')) {
    const classes = w.informer(w.client.resource<StorageClass>('storageclasses'));
    out.push(
      new PersistentVolumeBinder({
        client: w.client,
        volumes: pvs(),
        claims: pvcs(),
        classes,
        nodes: w.nodes(),
        recorder: w.recorder,
        logger: w.logger.child({ controller: 'persistentvolume-binder' }),
        queue: w.queue('persistentvolume-binder'),
      }),
    );
  }
  if (enabled.has('pvc-protection')) {
    out.push(new PvcProtectionController({ client: w.client, claims: pvcs(), pods: w.pods, logger: w.logger.child({ controller: 'pvc-protection' }), queue: w.queue('pvc-protection') }));
  }
  if (enabled.has('pv-protection')) {
    out.push(new PvProtectionController({ client: w.client, volumes: pvs(), logger: w.logger.child({ controller: 'pv-protection' }), queue: w.queue('pv-protection') }));
  }
  return out;
}
