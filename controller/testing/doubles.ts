// Test doubles for controller unit tests: an informer whose cache the test controls
// (so it can lag behind the fake client on purpose), a recorder and a queue that
// remember what they were given. Used only by *.test.ts files.

import type { KubeObject } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { deepClone, keyOf } from '../shared/objects.js';
import type { EventHandlers, EventType, InformerView, QueueView, Recorder } from '../shared/types.js';

export class MemoryInformer<T extends KubeObject> implements InformerView<T> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: EventHandlers<T>[] = [];
  private readonly indexes = new Map<string, (o: T) => string[]>();

  addEventHandler(h: EventHandlers<T>): void {
    this.handlers.push(h);
  }
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexes.set(name, fn);
  }
  byIndex(name: string, value: string): T[] {
    const fn = this.indexes.get(name);
    if (!fn) throw new Error(`no index ${name}`);
    return [...this.cache.values()].filter((o) => fn(o).includes(value));
  }
  get(key: string): T | undefined {
    return this.cache.get(key);
  }
  list(): T[] {
    return [...this.cache.values()];
  }
  hasSynced(): boolean {
    return true;
  }

  /** Replace the cache with `objs`, firing add/update/delete for the differences. */
  replaceAll(objs: T[]): void {
    const seen = new Set<string>();
    for (const o of objs) {
      const k = keyOf(o);
      seen.add(k);
      const old = this.cache.get(k);
      const copy = deepClone(o);
      this.cache.set(k, copy);
      if (!old) this.handlers.forEach((h) => h.onAdd?.(copy));
      else if (old.metadata.resourceVersion !== copy.metadata.resourceVersion) this.handlers.forEach((h) => h.onUpdate?.(old, copy));
    }
    for (const [k, old] of [...this.cache]) {
      if (seen.has(k)) continue;
      this.cache.delete(k);
      this.handlers.forEach((h) => h.onDelete?.(old));
    }
  }
}

export interface RecordedEvent {
  object: string;
  type: EventType;
  reason: string;
  message: string;
}

export class RecordingRecorder implements Recorder {
  readonly events: RecordedEvent[] = [];
  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.events.push({ object: keyOf(obj), type, reason, message });
  }
  reasons(): string[] {
    return this.events.map((e) => e.reason);
  }
}

export class RecordingQueue implements QueueView {
  readonly added = new Set<string>();
  readonly after: Array<{ key: string; ms: number }> = [];
  add(key: string): void {
    this.added.add(key);
  }
  addAfter(key: string, ms: number): void {
    this.after.push({ key, ms });
  }
  addRateLimited(key: string): void {
    this.added.add(key);
  }
  forget(): void {}
  take(): string[] {
    const keys = [...this.added];
    this.added.clear();
    return keys;
  }
}

/** Copy the fake client's current state of `resource` into an informer. */
export async function syncInformer<T extends KubeObject>(client: Client, resource: string, inf: MemoryInformer<T>): Promise<void> {
  const list = await client.resource<T>(resource).list();
  inf.replaceAll(list.items);
}
