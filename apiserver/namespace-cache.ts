// Namespace lifecycle lookups for every namespaced create, served from memory: a list +
// watch of namespaces kept current through the storage's shared watch (Kubernetes'
// NamespaceLifecycle admission does the same with an informer). A miss falls back to a
// live read, so a namespace created a moment ago is never reported missing; a hit on an
// Active namespace costs no etcd round trip. Lagging by a few milliseconds on a fresh
// Terminating state (written through another apiserver) is harmless: the namespace
// cleanup removes anything created meanwhile. This server's own writes go into the cache
// at once (noteWrite), so "delete namespace, then create in it" here is always a 403.
// The list + watch + relist loop is storage-follower.ts.

import type { Logger } from 'pino';
import type { KubeObject } from '../api/types.js';
import { StorageFollower } from './storage-follower.js';
import type { Storage } from './storage/types.js';

export class NamespaceCache {
  private readonly items = new Map<string, KubeObject>();
  private readonly follower: StorageFollower;

  constructor(storage: Storage, prefix: string, logger: Logger) {
    this.follower = new StorageFollower({
      storage,
      prefix,
      logger,
      name: 'namespace cache',
      onList: (items) => {
        this.items.clear();
        for (const ns of items) this.items.set(ns.metadata.name!, ns);
      },
      onEvent: (ev) => {
        const name = ev.object.metadata.name!;
        // noteWrite may already hold a newer state than this (older) event.
        const cur = this.items.get(name);
        if (cur && Number(cur.metadata.resourceVersion) > ev.revision) return;
        if (ev.type === 'DELETED') this.items.delete(name);
        else this.items.set(name, ev.object);
      },
    });
  }

  start(): void {
    this.follower.start();
  }

  stop(): void {
    this.follower.stop();
  }

  /** A write this server made: applied at once unless the watch already brought something newer. */
  noteWrite(obj: KubeObject, removed: boolean): void {
    if (!this.follower.synced) return;
    const name = obj.metadata.name!;
    const cur = this.items.get(name);
    if (cur && Number(cur.metadata.resourceVersion) > Number(obj.metadata.resourceVersion)) return;
    if (removed) this.items.delete(name);
    else this.items.set(name, obj);
  }

  /** The cached namespace, or undefined when unknown (caller reads etcd). */
  get(name: string): KubeObject | undefined {
    return this.follower.synced ? this.items.get(name) : undefined;
  }
}
