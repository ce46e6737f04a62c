// Namespace lifecycle lookups for every namespaced create, served from memory: a list +
// watch of namespaces kept current through the storage's shared watch (Kubernetes'
// NamespaceLifecycle admission does the same with an informer). A miss falls back to a
// live read, so a namespace created a moment ago is never reported missing; a hit on an
// Active namespace costs no etcd round trip. Lagging by a few milliseconds on a fresh
// Terminating state (written through another apiserver) is harmless: the namespace
// cleanup removes anything created meanwhile. This server's own writes go into the cache
// at once (noteWrite), so "delete namespace, then create in it" here is always a 403.

import type { Logger } from 'pino';
import type { KubeObject } from '../api/types.js';
import type { Storage, StorageWatcher } from './storage/types.js';

export class NamespaceCache {
  private readonly items = new Map<string, KubeObject>();
  private watcher: StorageWatcher | undefined;
  private synced = false;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;

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

  /** A write this server made: applied at once unless the watch already brought something newer. */
  noteWrite(obj: KubeObject, removed: boolean): void {
    if (!this.synced) return;
    const name = obj.metadata.name!;
    const cur = this.items.get(name);
    if (cur && Number(cur.metadata.resourceVersion) > Number(obj.metadata.resourceVersion)) return;
    if (removed) this.items.delete(name);
    else this.items.set(name, obj);
  }

  /** The cached namespace, or undefined when unknown (caller reads etcd). */
  get(name: string): KubeObject | undefined {
    return this.synced ? this.items.get(name) : undefined;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const list = await this.storage.list(this.prefix);
      if (this.stopped) return;
      this.items.clear();
      for (const ns of list.items) this.items.set(ns.metadata.name!, ns);
      this.watcher = this.storage.watch(this.prefix, list.revision, {
        onEvent: (ev) => {
          const name = ev.object.metadata.name!;
          // noteWrite may already hold a newer state than this (older) event.
          const cur = this.items.get(name);
          if (cur && Number(cur.metadata.resourceVersion) > ev.revision) return;
          if (ev.type === 'DELETED') this.items.delete(name);
          else this.items.set(name, ev.object);
        },
        onError: (err) => {
          // Compacted or cut off: relist.
          this.logger.debug({ err }, 'namespace cache watch ended; relisting');
          this.restart();
        },
      });
      this.synced = true;
    } catch (err) {
      this.logger.debug({ err }, 'namespace cache list failed; retrying');
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
