// One range of exclusive values (the addresses of a ClusterIP range, the node ports) as
// etcd keys, one per value in use. The truth is etcd: a value is held when its key
// exists, and keys are only ever created in the transaction of the object that holds
// them (storage/etcd-claims.ts). This class is this apiserver's view of which are in use,
// to pick a free one without reading every key on each create: a random start, then the
// next value not known to be in use. A stale view costs a retry at most (another
// apiserver took the value: the claim fails, the value is noted, another is picked), and
// before a range is declared full the view is read again from etcd.

import crypto from 'node:crypto';
import type { RawKeyStorage } from '../storage/types.js';

export interface KeySpaceOptions {
  storage: RawKeyStorage;
  /** Key prefix of the values, ending in '/'. */
  prefix: string;
  /** Values first..last (offsets), inclusive. */
  first: bigint;
  last: bigint;
  /** The key of an offset, and which offset a key is (undefined: not one of this space's). */
  keyAt(offset: bigint): string;
  offsetOf(key: string): bigint | undefined;
  /** Offsets never handed out by pick() (the `kubernetes` Service's address). */
  reserved?: bigint[];
}

export class KeySpace {
  private used = new Set<string>();
  private loaded: Promise<void> | undefined;

  constructor(private readonly o: KeySpaceOptions) {}

  get size(): bigint {
    return this.o.last - this.o.first + 1n;
  }

  keyAt(offset: bigint): string {
    return this.o.keyAt(offset);
  }

  offsetOf(key: string): bigint | undefined {
    return this.o.offsetOf(key);
  }

  /** A value's key not known to be in use (nor in `exclude`), or undefined when the range is full. */
  async pick(exclude: ReadonlySet<string>): Promise<string | undefined> {
    // Read once; a failed read (etcd down) is tried again on the next pick.
    this.loaded ??= this.refresh().catch((err: unknown) => {
      this.loaded = undefined;
      throw err;
    });
    await this.loaded;
    const found = this.scan(exclude);
    if (found) return found;
    await this.refresh();
    return this.scan(exclude);
  }

  /** Values in use, as last read or noted. */
  inUse(): number {
    return this.used.size;
  }

  noteUsed(key: string): void {
    this.used.add(key);
  }

  noteFree(key: string): void {
    this.used.delete(key);
  }

  /** Reads the keys in use from etcd. */
  async refresh(): Promise<void> {
    const { items } = await this.o.storage.listKeys(this.o.prefix);
    this.used = new Set(items.map((i) => i.key).filter((k) => this.o.offsetOf(k) !== undefined));
    this.loaded ??= Promise.resolve();
  }

  private scan(exclude: ReadonlySet<string>): string | undefined {
    const n = this.size;
    const start = randomBelow(n);
    const reserved = new Set(this.o.reserved ?? []);
    for (let i = 0n; i < n; i++) {
      const off = this.o.first + ((start + i) % n);
      if (reserved.has(off)) continue;
      const key = this.o.keyAt(off);
      if (!this.used.has(key) && !exclude.has(key)) return key;
    }
    return undefined;
  }
}

function randomBelow(n: bigint): bigint {
  return BigInt('0x' + crypto.randomBytes(8).toString('hex')) % n;
}
