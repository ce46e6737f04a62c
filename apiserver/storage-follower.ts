// Follows one key prefix of the apiserver's own Storage: list, then watch from the list's
// revision, and on a watch that ends (compaction, 410, cut off) or a list that fails,
// relist after a delay (1 s by default), for as long as it runs. The apiserver's in-memory
// caches (namespace-cache.ts, the RBAC policy cache, the node graph, the bootstrap-token
// and token-object caches) are all built on it and only say what a list and an event mean
// to them. This is not client/informer.ts: it reads the Storage directly (no HTTP, no
// resourceVersion strings) and keeps no copy of the objects itself.
//
// `synced` is true once a list has been applied and its watch started. With
// keepSyncedWhileRelisting the follower stays synced after the first list even while it
// relists or after stop() (callers that keep answering from their last state, as the
// RBAC index does); without, a watch error, a failed list or stop() make it unsynced.
// A start() after stop() begins a fresh round: a list still in flight from before is
// dropped when it returns, and callbacks of a watch that was replaced are ignored.

import type { Logger } from 'pino';
import type { KubeObject } from '../api/types.js';
import type { Storage, StorageEvent, StorageWatcher } from './storage/types.js';

export interface StorageFollowerOptions {
  storage: Storage;
  /** Key prefix to list and watch (registry/keys.ts collectionPrefix). */
  prefix: string;
  logger: Logger;
  /** For log lines: '<name> watch ended; relisting'. */
  name: string;
  /** Extra fields on those log lines (kind, prefix). */
  logFields?: Record<string, unknown>;
  /** The full state at `revision`: replace whatever the caller held. */
  onList(items: KubeObject[], revision: number): void;
  /** One change after the list's revision, in revision order. */
  onEvent(ev: StorageEvent): void;
  /** After every successful list, once the watch is started and `synced` is true. */
  onSynced?(): void;
  /** See the header; default false. */
  keepSyncedWhileRelisting?: boolean;
  /** Delay before a relist, default 1000 ms. */
  retryDelayMs?: number;
}

export class StorageFollower {
  private watcher: StorageWatcher | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Bumped on start/stop and on each relist: work of an older round is dropped. */
  private round = 0;
  private isSynced = false;
  private resolveFirst!: () => void;
  /** Resolves the first time the follower is synced (never, if it never lists). */
  readonly firstSync: Promise<void>;

  constructor(private readonly opts: StorageFollowerOptions) {
    this.firstSync = new Promise((r) => (this.resolveFirst = r));
  }

  get synced(): boolean {
    return this.isSynced;
  }

  /** start() has been called and stop() has not since. */
  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.sync(++this.round);
  }

  stop(): void {
    this.stopped = true;
    this.round++;
    if (!this.opts.keepSyncedWhileRelisting) this.isSynced = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async sync(round: number): Promise<void> {
    if (this.stopped || round !== this.round) return;
    const { storage, prefix } = this.opts;
    try {
      const list = await storage.list(prefix);
      if (this.stopped || round !== this.round) return;
      this.opts.onList(list.items, list.revision);
      const watcher = storage.watch(prefix, list.revision, {
        onEvent: (ev) => {
          if (round === this.round) this.opts.onEvent(ev);
        },
        onError: (err) => {
          if (round !== this.round) return;
          this.opts.logger.debug({ err, ...this.opts.logFields }, `${this.opts.name} watch ended; relisting`);
          this.relist();
        },
      });
      // The watch may have failed already (synchronously): then a relist is scheduled.
      if (round !== this.round) {
        watcher.close();
        return;
      }
      this.watcher = watcher;
      this.isSynced = true;
      this.resolveFirst();
      this.opts.onSynced?.();
    } catch (err) {
      if (round !== this.round) return;
      this.opts.logger.debug({ err, ...this.opts.logFields }, `${this.opts.name} list failed; retrying`);
      this.relist();
    }
  }

  private relist(): void {
    const round = ++this.round;
    if (!this.opts.keepSyncedWhileRelisting) this.isSynced = false;
    this.watcher?.close();
    this.watcher = undefined;
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.sync(round), this.opts.retryDelayMs ?? 1000);
    this.retry.unref();
  }
}
