// Informer: a read-only, always-fresh local cache of one resource, plus change handlers.
// Loop: list → watch from the list's resourceVersion (with bookmarks, so the RV stays
// fresh) → on disconnect, reconnect with capped exponential backoff + jitter, resuming
// from the last RV seen → on 410 Expired, relist and emit the differences (informer-diff).
// Cached objects are deep-frozen and shared: consumers must clone before mutating.
// Handlers run synchronously in event order; a throwing handler is logged, never fatal.

import { ApiError, isGone } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import type { KubeObject, WatchEvent } from '../api/types.js';
import { Backoff } from '../foundation/backoff.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { IndexedCache } from './indexed-cache.js';
import { deepFreeze, diffList } from './informer-diff.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import type { ResourceClient, Watch } from './types.js';

export interface InformerOptions<T extends KubeObject = KubeObject> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  logger?: Logger;
  clock?: Clock;
  /** Re-deliver onUpdate(obj, obj) for every cached object this often (0/undefined: never). */
  resyncMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  /** Injected for deterministic tests; returns [0, 1). */
  random?: () => number;
  /** Page size of the list calls (pages come from one revision). Default 500. */
  pageSize?: number;
  /**
   * Applied to every listed or watched object before it is cached (client-go's
   * SetTransform): a consumer with thousands of objects keeps only the fields it reads.
   * Must keep metadata.name, namespace and resourceVersion.
   */
  transform?: (obj: T) => T;
}

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

/** A watch that ends cleanly after at least this long is a normal server timeout. */
const MIN_HEALTHY_WATCH_MS = 1000;

/** Thrown inside the loop to request a relist (410 seen on the watch). */
class RelistNeeded extends Error {}

export class Informer<T extends KubeObject> {
  private readonly cache: IndexedCache<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** Reconnect delays: 200 ms doubling to 30 s, ±20 % so many clients do not reconnect in step. */
  private readonly retry: Backoff;
  private readonly stopController = new AbortController();
  private synced = false;
  private started = false;
  private syncWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];
  private currentWatch?: Watch<T>;
  /** Last resourceVersion seen (list, event or bookmark): where a reconnect resumes. */
  private lastRV = '';
  private loop?: Promise<void>;

  constructor(
    private readonly rc: ResourceClient<T>,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger();
    this.retry = new Backoff(
      { initialMs: opts.backoff?.initialMs ?? 200, maxMs: opts.backoff?.maxMs ?? 30_000, jitter: 0.2 },
      { clock: this.clock, random: opts.random },
    );
    this.cache = new IndexedCache<T>((err, obj) =>
      this.logger.error({ err, key: objectKey(obj) }, 'index function failed'),
    );
  }

  // ------------------------------------------------------------------ public API

  addEventHandler(handler: EventHandler<T>): void {
    this.handlers.push(handler);
    // A late handler still learns about everything already known, as client-go does.
    if (this.synced) for (const obj of this.cache.values()) this.call(handler, 'onAdd', obj);
  }

  /** Index cached objects by fn (e.g. pods by spec.nodeName). Add before start() ideally. */
  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.cache.addIndex(name, fn);
  }

  /** Cached objects whose index function returned value. Read-only. */
  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  /** Starts the list/watch loop in the background; runs until stop(). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.loop = this.run().catch((err) => this.logger.error({ err }, 'informer loop crashed'));
    if (this.opts.resyncMs && this.opts.resyncMs > 0) void this.resyncLoop(this.opts.resyncMs);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list is in the cache; rejects when signal aborts or stop() is called. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.stopController.signal.aborted) return Promise.reject(new Error('informer stopped before it synced'));
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        reject(signal?.reason ?? new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(waiter);
    });
  }

  /** By key: 'namespace/name' or 'name' for cluster-scoped objects. Read-only. */
  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** The last resourceVersion the cache reflects. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  stop(): void {
    if (this.stopController.signal.aborted) return;
    this.stopController.abort(new Error('informer stopped'));
    this.currentWatch?.stop();
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const w of waiters) w.reject(new Error('informer stopped before it synced'));
  }

  /** Resolves when the background loop has ended after stop() (tests use it to clean up). */
  async stopped(): Promise<void> {
    await this.loop;
  }

  // ------------------------------------------------------------------ the loop

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopping) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce();
      } catch (err) {
        if (this.stopping) return;
        if ((err instanceof RelistNeeded || isGone(err)) && !needList) {
          // Our RV was compacted away: only a fresh list can tell what we missed.
          this.logger.info({ rv: this.lastRV }, 'resourceVersion expired; relisting');
          needList = true;
          continue;
        }
        // Includes a 410 from the list itself (a continue token expired mid-pagination):
        // relist again, but not in a hot loop.
        await this.backoff(err);
      }
    }
  }

  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.rc.list({
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.pageSize ?? 500,
        continue: cont,
      });
      if (this.stopping) return;
      if (!rv) rv = page.metadata?.resourceVersion ?? '';
      for (const item of page.items ?? []) items.push(deepFreeze(this.shaped(this.withKind(item, page))));
      cont = page.metadata?.continue || undefined;
    } while (cont);

    const diff = diffList(this.cache, items);
    for (const obj of diff.deleted) this.remove(obj);
    for (const obj of diff.added) this.put(obj);
    for (const { newObj } of diff.updated) this.put(newObj);
    this.lastRV = rv;
    this.streakEnded();
    this.logger.debug({ items: items.length, rv, added: diff.added.length, updated: diff.updated.length, deleted: diff.deleted.length }, 'listed');

    // The cache is consistent before anyone is told, so handlers can read siblings from it.
    for (const obj of diff.deleted) this.dispatch('onDelete', obj);
    for (const obj of diff.added) this.dispatch('onAdd', obj);
    for (const { oldObj, newObj } of diff.updated) this.dispatch('onUpdate', oldObj, newObj);

    if (!this.synced) {
      this.synced = true;
      const waiters = this.syncWaiters;
      this.syncWaiters = [];
      for (const w of waiters) w.resolve();
    }
  }

  private async watchOnce(): Promise<void> {
    const watch = this.rc.watch({
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion: this.lastRV || undefined,
      allowWatchBookmarks: true,
    });
    this.currentWatch = watch;
    if (this.stopping) watch.stop();
    const openedAt = this.clock.now();
    let received = 0;
    try {
      for await (const ev of watch) {
        if (this.stopping) return;
        received++;
        if (received === 1) this.streakEnded();
        this.handleEvent(ev);
      }
    } finally {
      this.currentWatch = undefined;
      watch.stop();
    }
    // A clean end (the server's watch timeout) reconnects at once. A server that closes
    // every watch immediately without sending anything must not be hammered: back off.
    // (An idle watch that lasted a while is a normal timeout, not a failure.)
    if (this.stopping) return;
    if (received === 0 && this.clock.now() - openedAt < MIN_HEALTHY_WATCH_MS) {
      await this.backoff(new Error('watch closed without events'), false);
    } else {
      this.streakEnded();
    }
  }

  private handleEvent(ev: WatchEvent<T>): void {
    const obj = ev.object;
    if (ev.type === 'ERROR') {
      const status = obj as unknown as { code?: number; message?: string };
      if (status.code === 410) throw new RelistNeeded(status.message ?? 'expired');
      throw new ApiError({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        code: status.code ?? 500,
        message: status.message ?? 'watch error',
        ...(obj as object),
      } as ApiError['status']);
    }
    const rv = obj?.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.lastRV = rv;
      return;
    }
    const frozen = deepFreeze(this.shaped(obj));
    const key = objectKey(frozen);
    const old = this.cache.get(key);
    if (ev.type === 'DELETED') {
      if (old) {
        this.remove(old);
        this.dispatch('onDelete', frozen);
      }
    } else if (!old) {
      this.put(frozen);
      this.dispatch('onAdd', frozen);
    } else if (old.metadata.resourceVersion !== rv) {
      this.put(frozen);
      this.dispatch('onUpdate', old, frozen);
    }
    if (rv) this.lastRV = rv;
  }

  private async backoff(err: unknown, logStreak = true): Promise<void> {
    const delay = this.retry.next();
    if (this.retry.failures === 1 && logStreak) {
      this.logger.warn({ err }, 'list/watch failed; retrying with backoff');
    } else {
      this.logger.debug({ err, attempt: this.retry.failures }, 'list/watch retry');
    }
    try {
      await this.clock.sleep(delay, this.stopController.signal);
    } catch {
      /* stopped */
    }
  }

  private streakEnded(): void {
    if (this.retry.failures > 1) this.logger.info({ attempts: this.retry.failures }, 'list/watch recovered');
    this.retry.reset();
  }

  private async resyncLoop(periodMs: number): Promise<void> {
    while (!this.stopping) {
      try {
        await this.clock.sleep(periodMs, this.stopController.signal);
      } catch {
        return;
      }
      if (!this.synced) continue;
      for (const obj of this.cache.values()) this.dispatch('onUpdate', obj, obj);
    }
  }

  // ------------------------------------------------------------------ cache + indexes

  /**
   * Kubernetes list items may lack kind/apiVersion; fill them from the list (before the
   * object is frozen) so consumers can build ownerReferences and event references.
   */
  private shaped(obj: T): T {
    return this.opts.transform ? this.opts.transform(obj) : obj;
  }

  private withKind(obj: T, list: { kind?: string; apiVersion?: string }): T {
    if (Object.isFrozen(obj) || (obj.kind && obj.apiVersion)) return obj;
    if (!obj.kind && list.kind?.endsWith('List')) obj.kind = list.kind.slice(0, -4);
    if (!obj.apiVersion && list.apiVersion) obj.apiVersion = list.apiVersion;
    return obj;
  }

  private put(obj: T): void {
    this.cache.put(obj);
  }

  private remove(obj: T): void {
    this.cache.remove(obj);
  }

  // ------------------------------------------------------------------ handlers

  private dispatch(kind: 'onAdd' | 'onDelete', obj: T): void;
  private dispatch(kind: 'onUpdate', oldObj: T, newObj: T): void;
  private dispatch(kind: keyof EventHandler<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandler<T>, kind: keyof EventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b as T);
      else h[kind]?.(a);
    } catch (err) {
      this.logger.error({ err, key: objectKey(a), handler: kind }, 'event handler threw');
    }
  }
}
