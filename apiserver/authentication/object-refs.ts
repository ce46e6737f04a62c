// What a service account token is checked against on every request: do its service
// account, and the object it is bound to (pod, secret, node), still exist with the uid
// the token names? Answered from memory: a list + watch per resource over the storage's
// shared watch (Kubernetes' token authenticator reads informer caches the same way),
// keeping only uid and deletionTimestamp per object, so thousands of pods cost little.
// A lookup never reads etcd: authentication is synchronous (foundation/token-auth.ts).
// Until a resource's first list is in, lookups say "unknown" and tokens are refused
// (the apiserver is not ready yet anyway).

import type { Logger } from 'pino';
import { findResource } from '../../api/resources.js';
import { collectionPrefix } from '../registry/keys.js';
import type { Storage, StorageWatcher } from '../storage/types.js';

export type RefResource = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';

export interface ObjectRef {
  uid: string;
  deletionTimestamp?: string;
}

export interface ObjectRefLookup {
  /** The object's uid (and deletion mark), undefined when it does not exist or is not known yet. */
  get(resource: RefResource, namespace: string | undefined, name: string): ObjectRef | undefined;
}

class RefCache {
  readonly items = new Map<string, ObjectRef>();
  synced = false;
  private watcher: StorageWatcher | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    void this.sync();
  }

  stop(): void {
    this.stopped = true;
    this.synced = false;
    if (this.retry) clearTimeout(this.retry);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.storage.list(this.prefix);
      if (this.stopped) return;
      this.items.clear();
      for (const o of list.items) this.items.set(keyOf(o.metadata.namespace, o.metadata.name!), refOf(o.metadata));
      this.watcher = this.storage.watch(this.prefix, list.revision, {
        onEvent: (ev) => {
          const k = keyOf(ev.object.metadata.namespace, ev.object.metadata.name!);
          if (ev.type === 'DELETED') this.items.delete(k);
          else this.items.set(k, refOf(ev.object.metadata));
        },
        onError: (err) => {
          this.logger.debug({ err, prefix: this.prefix }, 'token object cache watch ended; relisting');
          this.restart();
        },
      });
      this.synced = true;
    } catch (err) {
      this.logger.debug({ err, prefix: this.prefix }, 'token object cache list failed; retrying');
      this.restart();
    }
  }

  private restart(): void {
    this.synced = false;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.sync(), 1000);
    this.retry.unref();
  }
}

const keyOf = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

function refOf(md: { uid?: string; deletionTimestamp?: string }): ObjectRef {
  return { uid: md.uid ?? '', ...(md.deletionTimestamp ? { deletionTimestamp: md.deletionTimestamp } : {}) };
}

/** The caches of the four resources tokens refer to; start() with the storage, stop() before it. */
export class ObjectRefCache implements ObjectRefLookup {
  private readonly caches: Record<RefResource, RefCache>;

  constructor(storage: Storage, logger: Logger) {
    const make = (plural: RefResource) => new RefCache(storage, collectionPrefix(findResource('', 'v1', plural)!), logger);
    this.caches = { serviceaccounts: make('serviceaccounts'), pods: make('pods'), secrets: make('secrets'), nodes: make('nodes') };
  }

  start(): void {
    for (const c of Object.values(this.caches)) c.start();
  }

  stop(): void {
    for (const c of Object.values(this.caches)) c.stop();
  }

  get synced(): boolean {
    return Object.values(this.caches).every((c) => c.synced);
  }

  get(resource: RefResource, namespace: string | undefined, name: string): ObjectRef | undefined {
    const c = this.caches[resource];
    if (!c.synced) return undefined;
    return c.items.get(keyOf(resource === 'nodes' ? undefined : namespace, name));
  }
}
