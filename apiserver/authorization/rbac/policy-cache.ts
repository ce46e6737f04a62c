// Keeps the PolicyIndex equal to etcd: per RBAC kind a list, then a watch from the list's
// revision through the apiserver's own Storage (storage-follower.ts, as the namespace cache).
// A watch that ends (etcd restarted, revision compacted, watcher cut off) relists that
// kind from scratch after a second, replacing what the index held, so the index converges
// after any etcd outage. `synced` is true once every kind has listed once; until then the
// RBAC authorizer has no opinion (requests are refused, system:masters excepted) rather
// than deciding on a partial policy. `onChange` lets this server's own writes be waited
// for (a binding created → allowed as soon as its watch event arrives, well under 1 s).

import type { Logger } from 'pino';
import { findResource } from '../../../api/resources.js';
import { RBAC_GROUP } from '../../../api/rbac-types.js';
import { collectionPrefix } from '../../registry/keys.js';
import { StorageFollower } from '../../storage-follower.js';
import type { Storage } from '../../storage/types.js';
import { PolicyIndex, type PolicyKind } from './policy-index.js';

const KINDS: Array<[PolicyKind, string]> = [
  ['ClusterRole', 'clusterroles'],
  ['Role', 'roles'],
  ['ClusterRoleBinding', 'clusterrolebindings'],
  ['RoleBinding', 'rolebindings'],
];

/** One RBAC kind followed into the index (list + watch + relist: storage-follower.ts). */
function kindFollower(kind: PolicyKind, prefix: string, storage: Storage, index: PolicyIndex, logger: Logger): StorageFollower {
  return new StorageFollower({
    storage,
    prefix,
    logger,
    name: 'RBAC policy',
    logFields: { kind },
    // The index keeps the last known policy while relisting: an etcd outage does not
    // turn every request into a 403 (the relist replaces it wholesale when etcd is back).
    keepSyncedWhileRelisting: true,
    onList: (items) => {
      index.clear(kind);
      for (const o of items) index.put(kind, o);
    },
    onEvent: (ev) => {
      if (ev.type === 'DELETED') index.remove(kind, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
      else index.put(kind, ev.object);
    },
  });
}

export class PolicyCache {
  readonly index = new PolicyIndex();
  private readonly followers: StorageFollower[];

  constructor(storage: Storage, logger: Logger) {
    this.followers = KINDS.map(([kind, plural]) => kindFollower(kind, collectionPrefix(findResource(RBAC_GROUP, 'v1', plural)!), storage, this.index, logger));
  }

  start(): void {
    for (const f of this.followers) f.start();
  }

  stop(): void {
    for (const f of this.followers) f.stop();
  }

  /** Every kind has been listed once (and is followed since). */
  synced(): boolean {
    return this.followers.every((f) => f.synced);
  }

  /** Resolves once synced, or after `timeoutMs` (etcd down: the server starts anyway, refusing all but system:masters). */
  async waitForSync(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => {
      timer = setTimeout(r, timeoutMs);
      signal?.addEventListener('abort', () => r(), { once: true });
    });
    await Promise.race([Promise.all(this.followers.map((f) => f.firstSync)), timeout]);
    clearTimeout(timer);
  }
}
