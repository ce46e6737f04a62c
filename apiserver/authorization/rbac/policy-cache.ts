// Keeps the PolicyIndex equal to etcd: per RBAC kind a list, then a watch from the list's
// revision through the apiserver's own Storage (as namespace-cache.ts follows namespaces).
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
import type { Storage, StorageWatcher } from '../../storage/types.js';
import { PolicyIndex, type PolicyKind } from './policy-index.js';

const KINDS: Array<[PolicyKind, string]> = [
  ['ClusterRole', 'clusterroles'],
  ['Role', 'roles'],
  ['ClusterRoleBinding', 'clusterrolebindings'],
  ['RoleBinding', 'rolebindings'],
];

class KindFollower {
  private watcher: StorageWatcher | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  synced = false;
  /** Resolves the first time this kind has listed. */
  readonly firstSync: Promise<void>;
  private resolveFirst!: () => void;

  constructor(
    private readonly kind: PolicyKind,
    private readonly prefix: string,
    private readonly storage: Storage,
    private readonly index: PolicyIndex,
    private readonly logger: Logger,
  ) {
    this.firstSync = new Promise((r) => (this.resolveFirst = r));
  }

  start(): void {
    this.stopped = false;
    void this.sync();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.storage.list(this.prefix);
      if (this.stopped) return;
      this.index.clear(this.kind);
      for (const o of list.items) this.index.put(this.kind, o);
      this.watcher = this.storage.watch(this.prefix, list.revision, {
        onEvent: (ev) => {
          if (ev.type === 'DELETED') this.index.remove(this.kind, ev.object.metadata.namespace, ev.object.metadata.name ?? '');
          else this.index.put(this.kind, ev.object);
        },
        onError: (err) => {
          this.logger.debug({ err, kind: this.kind }, 'RBAC policy watch ended; relisting');
          this.restart();
        },
      });
      this.synced = true;
      this.resolveFirst();
    } catch (err) {
      this.logger.debug({ err, kind: this.kind }, 'RBAC policy list failed; retrying');
      this.restart();
    }
  }

  private restart(): void {
    // The index keeps the last known policy while relisting: an etcd outage does not
    // turn every request into a 403 (the relist replaces it wholesale when etcd is back).
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.sync(), 1000);
    this.retry.unref();
  }
}

export class PolicyCache {
  readonly index = new PolicyIndex();
  private readonly followers: KindFollower[];

  constructor(storage: Storage, logger: Logger) {
    this.followers = KINDS.map(([kind, plural]) => new KindFollower(kind, collectionPrefix(findResource(RBAC_GROUP, 'v1', plural)!), storage, this.index, logger));
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
