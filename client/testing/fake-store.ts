// The storage under FakeClient: objects per resource, one resourceVersion counter for all
// of them (as etcd's revision), the history of changes, and watches that replay it from
// a resourceVersion and follow new writes with Kubernetes' selector transitions (an
// object that stops matching is DELETED for that watcher, one that starts matching
// ADDED). compact() forgets the history: older resourceVersions get 410. What a write
// means (api/strategies) is FakeClient's business; this file only keeps what was written.

import { errors } from '../../api/errors.js';
import { deepClone } from '../../api/meta.js';
import { apiVersionOf, objectKey, type ResourceInfo } from '../../api/resources.js';
import { parseFieldSelector } from '../../api/selectors/fields.js';
import { matchesLabels, parseLabelSelector } from '../../api/selectors/labels.js';
import type { KubeList, KubeObject } from '../../api/types.js';
import type { ListOptions, WatchOptions } from '../types.js';
import { FakeWatch } from './fake-watch.js';

interface HistoryEntry {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  prev?: KubeObject;
}

interface WatchSub {
  watch: FakeWatch<KubeObject>;
  matches: (obj: KubeObject) => boolean;
}

export class FakeStore {
  private rv = 1;
  private compactedRV = 0;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history = new Map<string, HistoryEntry[]>();
  private readonly subs = new Map<string, Set<WatchSub>>();

  get resourceVersion(): string {
    return String(this.rv);
  }

  private of(info: ResourceInfo): Map<string, KubeObject> {
    let s = this.objects.get(info.plural);
    if (!s) this.objects.set(info.plural, (s = new Map()));
    return s;
  }

  /** The stored object itself (callers copy before handing it out), if any. */
  get(info: ResourceInfo, name: string, namespace?: string): KubeObject | undefined {
    return this.of(info).get(info.namespaced ? `${namespace || 'default'}/${name}` : name);
  }

  has(info: ResourceInfo, obj: KubeObject): boolean {
    return this.of(info).has(objectKey(obj));
  }

  /** Stores (or, for DELETED, removes) obj at the next resourceVersion, tells the watchers, returns a copy. */
  write(info: ResourceInfo, obj: KubeObject, type: HistoryEntry['type'], prev?: KubeObject): KubeObject {
    const rv = ++this.rv;
    obj.metadata.resourceVersion = String(rv);
    const key = objectKey(obj);
    if (type === 'DELETED') this.of(info).delete(key);
    else this.of(info).set(key, obj);
    let h = this.history.get(info.plural);
    if (!h) this.history.set(info.plural, (h = []));
    const entry: HistoryEntry = { rv, type, object: deepClone(obj), prev: prev && deepClone(prev) };
    h.push(entry);
    for (const sub of this.subs.get(info.plural) ?? []) deliver(sub, entry);
    return deepClone(obj);
  }

  /** Sorted by namespace/name; `continue` is the offset of the next page. */
  list(info: ResourceInfo, opts: ListOptions): KubeList<KubeObject> {
    const all = [...this.of(info).values()].filter(matcher(info, opts)).sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
    const start = opts.continue ? Number(opts.continue) : 0;
    const end = opts.limit ? start + opts.limit : all.length;
    return {
      apiVersion: apiVersionOf(info),
      kind: info.listKind,
      metadata: { resourceVersion: this.resourceVersion, ...(end < all.length ? { continue: String(end), remainingItemCount: all.length - end } : {}) },
      items: all.slice(start, end).map((o) => deepClone(o)),
    };
  }

  /** From a resourceVersion: the changes after it (410 once compacted); without one: the current objects as ADDED. */
  watch(info: ResourceInfo, opts: WatchOptions): FakeWatch<KubeObject> {
    const set = this.subs.get(info.plural) ?? new Set<WatchSub>();
    this.subs.set(info.plural, set);
    const watch = new FakeWatch<KubeObject>(() => set.delete(sub));
    const sub: WatchSub = { watch, matches: matcher(info, opts) };
    const from = opts.resourceVersion && opts.resourceVersion !== '0' ? Number(opts.resourceVersion) : undefined;
    if (from !== undefined && from < this.compactedRV) {
      watch.push({ type: 'ERROR', object: errors.expired(`too old resource version: ${from} (${this.compactedRV})`).status as unknown as KubeObject });
      watch.end();
      return watch;
    }
    if (from === undefined) {
      for (const o of this.of(info).values()) if (sub.matches(o)) watch.push({ type: 'ADDED', object: deepClone(o) });
    } else {
      for (const e of this.history.get(info.plural) ?? []) if (e.rv > from) deliver(sub, e);
    }
    set.add(sub);
    return watch;
  }

  compact(): void {
    this.compactedRV = this.rv;
    for (const h of this.history.values()) h.length = 0;
  }

  breakWatches(err: Error): void {
    for (const set of this.subs.values()) for (const s of [...set]) s.watch.fail(err);
  }

  endWatches(): void {
    for (const set of this.subs.values()) for (const s of [...set]) s.watch.end();
  }
}

function matcher(info: ResourceInfo, opts: ListOptions): (o: KubeObject) => boolean {
  const labels = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : [];
  const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector, info) : () => true;
  return (o) => (!info.namespaced || !opts.namespace || o.metadata.namespace === opts.namespace) && matchesLabels(labels, o.metadata.labels) && fields(o);
}

function deliver(sub: WatchSub, e: HistoryEntry): void {
  const now = sub.matches(e.object);
  const before = e.prev ? sub.matches(e.prev) : false;
  if (e.type === 'DELETED') {
    if (before || now) sub.watch.push({ type: 'DELETED', object: e.object });
  } else if (e.type === 'ADDED') {
    if (now) sub.watch.push({ type: 'ADDED', object: e.object });
  } else if (now) {
    sub.watch.push({ type: before ? 'MODIFIED' : 'ADDED', object: e.object });
  } else if (before) {
    sub.watch.push({ type: 'DELETED', object: e.object });
  }
}
