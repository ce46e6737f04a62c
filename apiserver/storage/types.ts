// The storage contract between the HTTP layer of the apiserver and etcd. Only files in
// apiserver/storage/ import etcd3; everything above works with these types.

import type { KubeObject } from '../../api/types.js';

export interface StoredObject {
  object: KubeObject;
  /** etcd mod revision of this key, also written into object.metadata.resourceVersion */
  modRevision: number;
}

export interface ListResult {
  items: KubeObject[];
  /** The etcd revision the list was read at. */
  revision: number;
  /** Opaque token for the next page, when limit cut the result short. */
  continueToken?: string;
  remainingItemCount?: number;
  /** Objects left out because their stored value cannot be decrypted: why, per object. */
  undecryptable?: string[];
}

export interface StorageListOptions {
  limit?: number;
  continueToken?: string;
  /** Read at this revision (for consistent pages); 0/undefined = latest. */
  revision?: number;
  /** Filter applied while scanning (so limit counts matching items, as Kubernetes does). */
  predicate?: (obj: KubeObject) => boolean;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StorageEvent {
  type: StorageEventType;
  /** For DELETED: the last state, with resourceVersion set to the deletion revision. */
  object: KubeObject;
  /** The previous state (MODIFIED/DELETED), so selector watchers can tell "stopped matching". */
  prevObject?: KubeObject;
  revision: number;
  /**
   * The object's key below the watched prefix (e.g. 'default/web' in a watch of all pods),
   * when the storage knows it: watchers can filter by namespace without decoding.
   */
  keyInPrefix?: string;
  /**
   * `object` as JSON (resourceVersion included), in pieces to concatenate, built from the
   * stored bytes without decoding. Absent when the storage cannot: stringify `object`.
   */
  objectJson?(): Buffer[];
}

/** Handed to the caller of watch(); events arrive in revision order, none twice. */
export interface StorageWatcher {
  /** Stops delivery and frees the subscription. */
  close(): void;
}

export interface StorageWatchHandlers {
  onEvent(ev: StorageEvent): void;
  /** The requested revision was compacted (410) or the watcher fell too far behind. */
  onError(err: Error): void;
  /** Periodic progress (revision known to be delivered up to), for BOOKMARKs. */
  onProgress?(revision: number): void;
}

/**
 * A key written in the same etcd transaction as an object, holding something the object
 * owns exclusively (a Service's ClusterIP, its node ports). `value` names the owner.
 */
export interface HeldKey {
  key: string;
  value: string;
}

export interface ClaimPlan {
  /** The object to store instead of the one planned (allocated fields filled in); undefined = remove it. */
  object: KubeObject | undefined;
  /** Created in the same transaction, only if absent: one that exists fails the write (see taken()). */
  claim: HeldKey[];
  /** Deleted in the same transaction when they still hold their value (left alone otherwise). */
  release: HeldKey[];
}

/**
 * Keys an object holds, kept in step with it: every create/update/delete of the object
 * claims and releases them in the one transaction that writes it, so two writers can
 * never both hold a key, and a crash never leaves one held by nobody.
 */
export interface WriteClaims {
  /** Called on every attempt with the stored object (undefined on create) and the next one (undefined = removal). */
  plan(prev: KubeObject | undefined, next: KubeObject | undefined): Promise<ClaimPlan>;
  /** Some claimed keys exist already: throw to fail the write, return to plan again. */
  taken(keys: string[]): void;
}

/** A raw key below the storage prefix (allocation keys; not an object). */
export interface RawKey {
  key: string;
  value: string;
  modRevision: number;
}

/** Raw keys beside the objects, for the allocation repair (storage/etcd-storage.ts). */
export interface RawKeyStorage {
  /** Keys under prefix with values, at `revision` (0 = latest, returned). */
  listKeys(prefix: string, revision?: number): Promise<{ revision: number; items: RawKey[] }>;
  /**
   * Writes (value) or deletes (null) key when its mod revision is still `modRevision`
   * (0 = absent) and, with `whileKey`, that key's too. false when a condition failed.
   */
  writeKey(key: string, value: string | null, cond: { modRevision: number; whileKey?: { key: string; modRevision: number } }): Promise<boolean>;
}

export interface Storage {
  /**
   * Fails with ApiError 409 AlreadyExists when the key exists. Returns the stored object
   * with RV set. With `claims`, the object stored is the claim plan's.
   */
  create(key: string, obj: KubeObject, claims?: WriteClaims): Promise<KubeObject>;
  get(key: string): Promise<KubeObject | undefined>;
  list(prefix: string, opts?: StorageListOptions): Promise<ListResult>;
  /**
   * Read-modify-write with compare-and-swap on the mod revision. `update` gets the
   * current object (undefined if missing) and returns the next one, or `undefined` to
   * delete it, or the same object reference for "no change" (nothing is written, RV
   * unchanged). Retried on races when `expectedRevision` is not given; with
   * `expectedRevision`, a mismatch throws ApiError 409 Conflict.
   */
  guaranteedUpdate(
    key: string,
    update: (current: KubeObject | undefined) => KubeObject | undefined | Promise<KubeObject | undefined>,
    opts?: { expectedRevision?: number; notFound?: () => Error; claims?: WriteClaims },
  ): Promise<{ object: KubeObject | undefined; changed: boolean; deleted: boolean }>;
  /** Delete the key; with expectedRevision, a mismatch is 409 Conflict. Returns the last state. */
  delete(key: string, opts?: { expectedRevision?: number }): Promise<KubeObject | undefined>;
  /** Watch every key under prefix after `fromRevision` (exclusive). */
  watch(prefix: string, fromRevision: number, handlers: StorageWatchHandlers): StorageWatcher;
  currentRevision(): Promise<number>;
  /** Compact history up to revision (tests and operations). */
  compact(revision: number): Promise<void>;
  /** true when etcd answers. */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}
