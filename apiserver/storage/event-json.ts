// Serialising a watch event once for all watchers: the hub hands the same StorageEvent
// object to every subscriber of a prefix, so the NDJSON line `{"type":...,"object":...}`
// can be built once and reused by each HTTP watch stream (100 watchers → 1 stringify).

import type { StorageEvent, StorageEventType } from './types.js';

const cache = new WeakMap<StorageEvent, Partial<Record<StorageEventType, string>>>();

/**
 * The JSON text of `{"type": type, "object": ev.object}` (type defaults to ev.type; a
 * selector watcher may send an event as ADDED/DELETED instead). No trailing newline.
 */
export function watchEventJson(ev: StorageEvent, type: StorageEventType = ev.type): string {
  let byType = cache.get(ev);
  if (!byType) {
    byType = {};
    cache.set(ev, byType);
  }
  let s = byType[type];
  if (s === undefined) {
    s = `{"type":${JSON.stringify(type)},"object":${JSON.stringify(ev.object)}}`;
    byType[type] = s;
  }
  return s;
}
