// An optional storage capability beside the Storage contract (types.ts, shared, left
// unchanged): listing items as JSON text, so list responses skip parse + stringify.
// EtcdStorage has it; anything else (fakes in tests) falls back to list().

import type { StorageListOptions } from './types.js';

/** A list whose items are JSON texts (see EtcdStorage.listJson): each as stored, resourceVersion stamped in. */
export interface RawListResult {
  items: string[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

/** Storage that can list items as JSON text (EtcdStorage); others only have list(). */
export interface JsonListing {
  listJson(prefix: string, opts?: Omit<StorageListOptions, 'predicate'>): Promise<RawListResult>;
}

export function canListJson(s: object): s is JsonListing {
  return typeof (s as Partial<JsonListing>).listJson === 'function';
}

