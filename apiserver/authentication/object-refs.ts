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
import { StorageFollower } from '../storage-follower.js';
import type { Storage } from '../storage/types.js';

export type RefResource = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';

export interface ObjectRef {
  uid: string;
  deletionTimestamp?: string;
}

export interface ObjectRefLookup {
  /** The object's uid (and deletion mark), undefined when it does not exist or is not known yet. */
  get(resource: RefResource, namespace: string | undefined, name: string): ObjectRef | undefined;
}

/** One resource's uids, by namespace/name (list + watch + relist: storage-follower.ts). */
class RefCache {
  readonly items = new Map<string, ObjectRef>();
  private readonly follower: StorageFollower;

  constructor(storage: Storage, prefix: string, logger: Logger) {
    this.follower = new StorageFollower({
      storage,
      prefix,
      logger,
      name: 'token object cache',
      logFields: { prefix },
      onList: (items) => {
        this.items.clear();
        for (const o of items) this.items.set(keyOf(o.metadata.namespace, o.metadata.name!), refOf(o.metadata));
      },
      onEvent: (ev) => {
        const k = keyOf(ev.object.metadata.namespace, ev.object.metadata.name!);
        if (ev.type === 'DELETED') this.items.delete(k);
        else this.items.set(k, refOf(ev.object.metadata));
      },
    });
  }

  get synced(): boolean {
    return this.follower.synced;
  }

  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
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
