// The informer's store: objects by key ('ns/name' or 'name') plus named secondary
// indexes (e.g. pods by spec.nodeName). Objects are stored as given (the informer
// deep-freezes them first), so index functions see exactly what consumers see.

import { objectKey } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';

interface Index<T> {
  fn: (obj: T) => string[];
  /** index value → object keys */
  values: Map<string, Set<string>>;
}

export class IndexedCache<T extends KubeObject> implements ReadonlyMap<string, T> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();

  /** onIndexError: an index function threw; the object is simply not indexed under it. */
  constructor(private readonly onIndexError: (err: unknown, obj: T) => void = () => {}) {}

  get size(): number {
    return this.items.size;
  }
  get(key: string): T | undefined {
    return this.items.get(key);
  }
  has(key: string): boolean {
    return this.items.has(key);
  }
  keys(): MapIterator<string> {
    return this.items.keys();
  }
  values(): MapIterator<T> {
    return this.items.values();
  }
  entries(): MapIterator<[string, T]> {
    return this.items.entries();
  }
  [Symbol.iterator](): MapIterator<[string, T]> {
    return this.items[Symbol.iterator]();
  }
  forEach(cb: (value: T, key: string, map: ReadonlyMap<string, T>) => void): void {
    this.items.forEach((v, k) => cb(v, k, this));
  }

  addIndex(name: string, fn: (obj: T) => string[]): void {
    const index: Index<T> = { fn, values: new Map() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) this.indexAdd(index, key, obj);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer has no index named "${name}"`);
    const out: T[] = [];
    for (const k of index.values.get(value) ?? []) {
      const obj = this.items.get(k);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** Insert or replace. */
  put(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) for (const index of this.indexes.values()) this.indexRemove(index, key, old);
    this.items.set(key, obj);
    for (const index of this.indexes.values()) this.indexAdd(index, key, obj);
  }

  remove(obj: T): void {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (!old) return;
    for (const index of this.indexes.values()) this.indexRemove(index, key, old);
    this.items.delete(key);
  }

  private indexValues(index: Index<T>, obj: T): string[] {
    try {
      return index.fn(obj) ?? [];
    } catch (err) {
      this.onIndexError(err, obj);
      return [];
    }
  }

  private indexAdd(index: Index<T>, key: string, obj: T): void {
    for (const v of this.indexValues(index, obj)) {
      let set = index.values.get(v);
      if (!set) index.values.set(v, (set = new Set()));
      set.add(key);
    }
  }

  private indexRemove(index: Index<T>, key: string, obj: T): void {
    for (const v of this.indexValues(index, obj)) {
      const set = index.values.get(v);
      set?.delete(key);
      if (set && set.size === 0) index.values.delete(v);
    }
  }
}
