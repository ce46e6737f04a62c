// An optional storage capability beside the Storage contract (types.ts, shared, left
// unchanged): listing items as JSON bytes, so list responses skip parse + stringify and
// never hold the list as one big string.
// EtcdStorage has it; anything else (fakes in tests) falls back to list().

import type { StorageListOptions } from './types.js';

/**
 * A list whose items are JSON (see EtcdStorage.listJson): each item is the pieces of its
 * bytes (slices of the stored value with resourceVersion stamped in), to be concatenated.
 */
export interface RawListResult {
  items: Buffer[][];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
  /** Objects left out because their stored value cannot be decrypted: why, per object. */
  undecryptable?: string[];
}

/** Storage that can list items as JSON text (EtcdStorage); others only have list(). */
export interface JsonListing {
  listJson(prefix: string, opts?: Omit<StorageListOptions, 'predicate'>): Promise<RawListResult>;
}

export function canListJson(s: object): s is JsonListing {
  return typeof (s as Partial<JsonListing>).listJson === 'function';
}

