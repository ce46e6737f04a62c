// The Storage contract (types.ts) over etcd, through etcd3's raw KV client.
//
// ERRORS (for the HTTP layer): every method rejects with an ApiError only, ready to be
// sent as a Status:
//   - create on an existing key     → 409 AlreadyExists  `pods "web" already exists`
//   - expectedRevision mismatch     → 409 Conflict       `Operation cannot be fulfilled on
//                                     pods "web": the object has been modified; please apply
//                                     your changes to the latest version and try again`
//   - errors thrown by the caller's own update()/notFound() callbacks are rethrown as is
//   - guaranteedUpdate on a missing key with opts.notFound → whatever notFound() returns;
//     with expectedRevision and no notFound → 404 NotFound `pods "web" not found`
//   - list: malformed continue token → 400; compacted continue revision → 410 Expired;
//     revision ahead of etcd → 504 Timeout (Kubernetes' "Too large resource version")
//   - a stored value --encryption-provider-config cannot decrypt → 500 InternalError naming
//     the key problem (get, update, delete); list leaves it out (ListResult.undecryptable)
//   - etcd unreachable → 503 ServiceUnavailable "etcd is unavailable: ...", within
//     requestTimeoutMs (default 5 s); the same instance works again once etcd is back.
//     For a write only when etcd certainly never saw it (no connection); a write that
//     may have reached etcd and got no answer → 504 Timeout "... may have succeeded".
// Resource names in messages come from the key ('/registry/{group?}/{plural}/{ns?}/{name}',
// see keys.ts); the HTTP layer may rewrite them if it knows better.
//
// Objects returned are fresh copies (parsed per call) with metadata.resourceVersion = the
// etcd mod revision; the stored JSON never contains resourceVersion.

import type { Etcd3, IKeyValue, ITxnResponse } from 'etcd3';
import { CompareResult, CompareTarget } from 'etcd3';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../foundation/logger.js';
import { silentLogger } from '../../foundation/logger.js';
import { decodeObject, encodeObject, jsonEqual, stampResourceVersion } from './codec.js';
import { createEtcdClient } from './etcd-client.js';
import { ETCD_DEFAULT_MAX_REQUEST_BYTES, isCompactedError, isFutureRevisionError, toApiError, withTimeout } from './etcd-errors.js';
import { EtcdWrites, type TtlRule } from './etcd-writes.js';
import { guardWatchManager, type WatchGuard } from './etcd-watch-guard.js';
import { decodeContinue, describeKey, encodeContinue, KeyMapper, prefixRangeEnd, DEFAULT_PREFIX } from './keys.js';
import type { ListResult, RawKey, RawKeyStorage, Storage, StorageListOptions, StorageWatcher, StorageWatchHandlers, WriteClaims } from './types.js';
import { claimOps, takenClaims } from './etcd-claims.js';
import type { JsonListing, RawListResult } from './json-listing.js';
import { WatchHub, type WatchHubOptions } from './watch-hub.js';
import type { EncryptionConfig } from './encryption/config.js';
import { encryptionTransformer, UndecryptableValueError, type ValueTransformer } from './encryption/transformer.js';
import { traceHop } from '../../foundation/trace.js';

export interface EtcdStorageOptions {
  endpoints: string[];
  /** Replaces the leading '/registry' of every key (see keys.ts). Default '/registry'. */
  prefix?: string;
  logger?: Logger;
  dialTimeoutMs?: number;
  /** Bound on every unary etcd call; past it the call fails with 503. Default 5000. */
  requestTimeoutMs?: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Latency hook for metrics (op: create/get/list/update/delete/...); no prom-client here. */
  observe?: (op: string, seconds: number, ok: boolean) => void;
  /** Watch fan-out tuning (buffer sizes, progress interval); defaults suit production. */
  watch?: WatchHubOptions;
  /** Max read-modify-write attempts of guaranteedUpdate/delete under contention. */
  maxRetries?: number;
  /**
   * The largest write etcd accepts (its --max-request-bytes, default 1.5 MiB). A write
   * that would be larger is refused with 413 before it is sent.
   */
  maxRequestBytes?: number;
  /**
   * Keys under these logical prefixes (e.g. '/registry/events/') are written with an etcd
   * lease of ttlSeconds: etcd deletes them, watchers see DELETED. Leases are shared
   * between writes close in time (lease-manager.ts).
   */
  ttl?: TtlRule[];
  /**
   * --encryption-provider-config: which resources are encrypted in etcd and with which
   * keys (encryption/). Absent: every value is stored as plain JSON.
   */
  encryption?: EncryptionConfig;
}

const CONFLICT_WHY = 'the object has been modified; please apply your changes to the latest version and try again';
/** Unlimited lists are read in chunks of this many keys, all at one revision. */
const LIST_CHUNK = 10_000;

interface Current {
  /** With the value decrypted (plain JSON). */
  kv: IKeyValue;
  mod: number;
  /** Stored with another key than the current write key: an update rewrites it even unchanged. */
  stale?: boolean;
}

export class EtcdStorage implements Storage, JsonListing, RawKeyStorage {
  private readonly client: Etcd3;
  private readonly keys: KeyMapper;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly writes: EtcdWrites;
  private readonly observeHook?: EtcdStorageOptions['observe'];
  private readonly hub: WatchHub;
  private readonly watchGuard: WatchGuard;
  private readonly transformer?: ValueTransformer;
  private closed = false;

  constructor(opts: EtcdStorageOptions) {
    this.keys = new KeyMapper(opts.prefix ?? DEFAULT_PREFIX);
    this.log = opts.logger ?? silentLogger();
    this.timeoutMs = opts.requestTimeoutMs ?? 5000;
    this.maxRetries = opts.maxRetries ?? 100;
    this.observeHook = opts.observe;
    if (opts.encryption) this.transformer = encryptionTransformer(opts.encryption, this.keys.prefix, this.log.child({ component: 'encryption' }));
    this.client = createEtcdClient({
      endpoints: opts.endpoints,
      dialTimeoutMs: opts.dialTimeoutMs,
      requestTimeoutMs: this.timeoutMs,
      tls: opts.tls,
    });
    this.writes = new EtcdWrites(this.client, {
      timeoutMs: this.timeoutMs,
      maxRequestBytes: opts.maxRequestBytes ?? ETCD_DEFAULT_MAX_REQUEST_BYTES,
      ttl: opts.ttl ?? [],
      bound: (p) => this.t(p),
    });
    this.watchGuard = guardWatchManager(this.client, this.log.child({ component: 'etcd-watch' }));
    this.hub = new WatchHub(this.client, () => this.currentRevision(), this.log.child({ component: 'watch-hub' }), { ...opts.watch, transformer: this.transformer });
  }

  /** Runs one storage operation: bounded time, metrics, every error an ApiError. */
  private async op<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    let ok = false;
    try {
      if (this.closed) throw errors.unavailable('storage is closed');
      // No bound on the whole operation: a contended read-modify-write may take many
      // rounds against a healthy etcd. Each etcd call is bounded instead (this.t).
      const res = await fn();
      ok = true;
      return res;
    } catch (err) {
      if (err instanceof CallerError) throw err.err;
      // Logged once per key by the transformer; the message names the key problem.
      if (err instanceof UndecryptableValueError) throw errors.internal(err.message);
      const apiErr = toApiError(err);
      if (apiErr.code >= 500) this.log.warn({ op: name, err }, 'etcd operation failed');
      throw apiErr;
    } finally {
      this.observeHook?.(name, Number(process.hrtime.bigint() - start) / 1e9, ok);
    }
  }

  /** Bounds one etcd read (over its gRPC deadline, which does not cover every stall). */
  private t<T>(p: Promise<T>): Promise<T> {
    return withTimeout(p, this.timeoutMs + 1000);
  }

  private async readKey(etcdKey: Buffer): Promise<Current | undefined> {
    const res = await this.t(this.client.kv.range({ key: etcdKey }));
    const kv = res.kvs[0];
    return kv ? this.current(kv) : undefined;
  }

  /** A read key-value with its value decrypted (throws UndecryptableValueError). */
  private current(kv: IKeyValue): Current {
    const mod = Number(kv.mod_revision);
    if (!this.transformer) return { kv, mod };
    const o = this.transformer.open(kv.key, kv.value);
    return { kv: o.plain === kv.value ? kv : { ...kv, value: o.plain }, mod, stale: o.stale };
  }

  /** The bytes to store at etcdKey for this object's JSON. */
  private seal(etcdKey: Buffer, json: string): string | Buffer {
    return this.transformer ? this.transformer.seal(etcdKey, Buffer.from(json)) : json;
  }

  async create(key: string, obj: KubeObject, claims?: WriteClaims): Promise<KubeObject> {
    return this.op('create', async () => {
      const k = Buffer.from(this.keys.toEtcd(key));
      for (let attempt = 0; ; attempt++) {
        const plan = claims ? await caller(() => claims.plan(undefined, obj)) : undefined;
        const toStore = plan?.object ?? obj;
        const extra = claimOps(plan, (x) => this.keys.toEtcd(x));
        const res = await this.writes.putTxn(key, k, this.seal(k, encodeObject(toStore)), (put) => ({
          compare: [{ key: k, target: CompareTarget.Version, result: CompareResult.Equal, version: 0 }, ...extra.compare],
          success: [{ request_put: put }, ...extra.success],
          failure: [{ request_range: { key: k, keys_only: true } }, ...extra.failure],
        }));
        if (res.succeeded) {
          traceHop('api.create', { key });
          // The caller's object with the new revision, instead of parsing what was just
          // encoded: shallow, so it shares nested values with `obj` (callers hand over obj).
          return withRevision(toStore, res.header.revision);
        }
        const taken = takenClaims(plan, res.responses, 1);
        if ((res.responses[0]?.response_range?.kvs.length ?? 0) > 0 || taken.length === 0) {
          const d = describeKey(key);
          throw errors.alreadyExists(d.resource, d.name);
        }
        await caller(async () => claims!.taken(taken));
        if (attempt + 1 >= this.maxRetries) throw this.conflict(key);
      }
    });
  }

  async get(key: string): Promise<KubeObject | undefined> {
    return this.op('get', async () => {
      const cur = await this.readKey(Buffer.from(this.keys.toEtcd(key)));
      return cur ? decodeObject(cur.kv.value, cur.mod) : undefined;
    });
  }

  async list(prefix: string, opts: StorageListOptions = {}): Promise<ListResult> {
    const pred = opts.predicate;
    return this.op('list', () =>
      this.withUndecryptable((skip) =>
        this.listInner<KubeObject>(prefix, opts, pred !== undefined, (raw) => {
          const kv = this.opened(raw, skip);
          if (!kv) return undefined;
          const obj = decodeObject(kv.value, kv.mod_revision);
          return pred && !pred(obj) ? undefined : obj;
        }),
      ),
    );
  }

  /**
   * list() without a predicate, each item as the pieces of its JSON bytes (resourceVersion
   * stamped in), for responses that only serialise the items again: no parse, no
   * stringify, no strings.
   */
  async listJson(prefix: string, opts: Omit<StorageListOptions, 'predicate'> = {}): Promise<RawListResult> {
    return this.op('list', () =>
      this.withUndecryptable((skip) =>
        this.listInner<Buffer[]>(prefix, opts, false, (raw) => {
          const kv = this.opened(raw, skip);
          if (!kv) return undefined;
          return stampResourceVersion(kv.value, kv.mod_revision) ?? [Buffer.from(JSON.stringify(decodeObject(kv.value, kv.mod_revision)))];
        }),
      ),
    );
  }

  /**
   * A list item with its value decrypted; one that cannot be is left out of the list (its
   * get answers 500, its watch events are skipped) and named in `undecryptable`, so one
   * broken Secret never fails every client's list (the transformer logs it once).
   */
  private opened(raw: IKeyValue, skip: string[]): IKeyValue | undefined {
    if (!this.transformer) return raw;
    try {
      return this.current(raw).kv;
    } catch (err) {
      if (!(err instanceof UndecryptableValueError)) throw err;
      skip.push(err.message);
      return undefined;
    }
  }

  private async withUndecryptable<T extends object>(list: (skip: string[]) => Promise<T>): Promise<T & { undecryptable?: string[] }> {
    const skip: string[] = [];
    const res = await list(skip);
    return skip.length > 0 ? { ...res, undecryptable: skip } : res;
  }

  private async listInner<T>(
    prefix: string,
    opts: Omit<StorageListOptions, 'predicate'>,
    filtered: boolean,
    toItem: (kv: IKeyValue) => T | undefined,
  ): Promise<{ items: T[]; revision: number; continueToken?: string; remainingItemCount?: number }> {
    const etcdPrefix = this.keys.toEtcdPrefix(prefix);
    const prefixBuf = Buffer.from(etcdPrefix);
    const end = prefixRangeEnd(prefixBuf);
    let rev = opts.revision && opts.revision > 0 ? opts.revision : 0;
    let start = prefixBuf;
    if (opts.continueToken) {
      const tok = decodeContinue(opts.continueToken);
      rev = tok.rev;
      start = Buffer.concat([prefixBuf, Buffer.from(tok.start)]);
    }
    const limit = opts.limit && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const items: T[] = [];
    let readRev = rev;
    // Batch size: exactly `limit` without a predicate (one request per page); with one,
    // start at limit and grow, since many keys may be filtered out.
    let batch = limit > 0 ? limit : LIST_CHUNK;
    for (;;) {
      let res;
      try {
        res = await this.t(this.client.kv.range({ key: start, range_end: end, revision: readRev, limit: batch }));
      } catch (err) {
        if (isCompactedError(err) && opts.continueToken) {
          throw errors.expired(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          );
        }
        if (isCompactedError(err)) throw errors.expired(`too old resource version: ${readRev}`);
        if (isFutureRevisionError(err)) throw errors.timeout(`Too large resource version: ${readRev}`);
        throw err;
      }
      if (readRev === 0) readRev = Number(res.header.revision);
      const kvs = res.kvs;
      for (let i = 0; i < kvs.length; i++) {
        const kv = kvs[i]!;
        const item = toItem(kv);
        if (item === undefined) continue;
        items.push(item);
        if (limit > 0 && items.length === limit) {
          const hasMore = i < kvs.length - 1 || res.more;
          if (!hasMore) return { items, revision: readRev };
          const next = Buffer.concat([kv.key, Buffer.from([0])]);
          const out: { items: T[]; revision: number; continueToken?: string; remainingItemCount?: number } = {
            items,
            revision: readRev,
            continueToken: encodeContinue({ rev: readRev, start: next.subarray(prefixBuf.length).toString('utf8') }),
          };
          // Only exact without a predicate (Kubernetes omits it with selectors too).
          if (!filtered) out.remainingItemCount = Number(res.count) - (i + 1);
          return out;
        }
      }
      if (!res.more || kvs.length === 0) return { items, revision: readRev };
      start = Buffer.concat([kvs[kvs.length - 1]!.key, Buffer.from([0])]);
      if (limit > 0) batch = Math.min(LIST_CHUNK, batch * 2);
    }
  }

  async guaranteedUpdate(
    key: string,
    update: (current: KubeObject | undefined) => KubeObject | undefined | Promise<KubeObject | undefined>,
    opts: { expectedRevision?: number; notFound?: () => Error; claims?: WriteClaims } = {},
  ): Promise<{ object: KubeObject | undefined; changed: boolean; deleted: boolean }> {
    return this.op('update', async () => {
      const k = Buffer.from(this.keys.toEtcd(key));
      let cur = await this.readKey(k);
      for (let attempt = 0; ; attempt++) {
        if (!cur && opts.notFound) throw new CallerError(opts.notFound());
        if (opts.expectedRevision !== undefined) {
          if (!cur) {
            const d = describeKey(key);
            throw errors.notFound(d.resource, d.name);
          }
          if (cur.mod !== opts.expectedRevision) throw this.conflict(key);
        }
        const currentObj = cur ? decodeObject(cur.kv.value, cur.mod) : undefined;
        let next = await caller(async () => update(currentObj));
        const claims = opts.claims;
        // A removal of nothing, or no change, holds no new keys: nothing to plan.
        const plan = claims && (cur || next !== undefined) && next !== currentObj ? await caller(() => claims.plan(currentObj, next)) : undefined;
        if (plan) next = plan.object;
        const extra = claimOps(plan, (x) => this.keys.toEtcd(x));
        let res: ITxnResponse;
        if (next === undefined) {
          if (!cur) return { object: undefined, changed: false, deleted: false };
          res = await this.writes.txn({
            compare: [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: cur.mod }, ...extra.compare],
            success: [{ request_delete_range: { key: k, prev_kv: true } }, ...extra.success],
            failure: [{ request_range: { key: k } }, ...extra.failure],
          });
          if (res.succeeded) {
            return { object: decodeObject(cur.kv.value, res.header.revision), changed: true, deleted: true };
          }
        } else {
          const value = encodeObject(next);
          // No-op: nothing written, resourceVersion unchanged. The string compare is the
          // fast path; the structural one tolerates a different key order. Both texts come
          // from JSON.stringify (canonical numbers and escapes), so equal content in another
          // key order has the same length: a length difference is a change, no parsing needed
          // (a value written by someone else, not canonical, costs one needless write at worst).
          if (cur && !cur.stale && extra.success.length === 0) {
            const stored = cur.kv.value.toString('utf8');
            if (value === stored || (value.length === stored.length && jsonEqual(JSON.parse(value), JSON.parse(stored)))) {
              return { object: decodeObject(stored, cur.mod), changed: false, deleted: false };
            }
          }
          const expectMod = cur ? cur.mod : 0;
          const written = next;
          res = await this.writes.putTxn(key, k, this.seal(k, value), (put) => ({
            compare: [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expectMod }, ...extra.compare],
            success: [{ request_put: put }, ...extra.success],
            failure: [{ request_range: { key: k } }, ...extra.failure],
          }));
          // The caller's new object with its revision, instead of re-parsing `value`.
          if (res.succeeded) {
            traceHop('api.update', { key, nodeName: (written as { spec?: { nodeName?: string } }).spec?.nodeName, phase: (written as { status?: { phase?: string } }).status?.phase });
            return { object: withRevision(written, res.header.revision), changed: true, deleted: false };
          }
        }
        const seen = this.failureCurrent(res.responses);
        const taken = takenClaims(plan, res.responses, 1);
        if (taken.length > 0 && seen?.mod === cur?.mod) {
          // The object is as we read it: only claimed keys were taken. Plan again.
          await caller(async () => claims!.taken(taken));
          if (attempt + 1 >= this.maxRetries) throw this.conflict(key);
          continue;
        }
        cur = seen;
        // Lost a race: with a client-given revision that is the client's conflict;
        // otherwise try again on the state the failed txn just read.
        if (opts.expectedRevision !== undefined) throw this.conflict(key);
        if (attempt + 1 >= this.maxRetries) throw this.conflict(key);
        if (attempt >= 3) await sleep(Math.random() * Math.min(50, 2 * attempt));
      }
    });
  }

  async delete(key: string, opts: { expectedRevision?: number } = {}): Promise<KubeObject | undefined> {
    return this.op('delete', async () => {
      const k = Buffer.from(this.keys.toEtcd(key));
      let cur = await this.readKey(k);
      for (let attempt = 0; ; attempt++) {
        if (!cur) return undefined;
        if (opts.expectedRevision !== undefined && cur.mod !== opts.expectedRevision) throw this.conflict(key);
        const res = await this.writes.txn({
          compare: [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: cur.mod }],
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        });
        if (res.succeeded) return decodeObject(cur.kv.value, res.header.revision);
        if (opts.expectedRevision !== undefined || attempt + 1 >= this.maxRetries) throw this.conflict(key);
        cur = this.failureCurrent(res.responses);
      }
    });
  }

  async listKeys(prefix: string, revision = 0): Promise<{ revision: number; items: RawKey[] }> {
    return this.op('list', async () => {
      const etcdPrefix = Buffer.from(this.keys.toEtcdPrefix(prefix));
      const res = await this.t(this.client.kv.range({ key: etcdPrefix, range_end: prefixRangeEnd(etcdPrefix), revision }));
      const cut = this.keys.toEtcdPrefix(prefix).length;
      const items = res.kvs.map((kv) => ({ key: prefix.replace(/\/?$/, '/') + kv.key.toString('utf8').slice(cut), value: kv.value.toString('utf8'), modRevision: Number(kv.mod_revision) }));
      return { revision: Number(res.header.revision), items };
    });
  }

  async writeKey(key: string, value: string | null, cond: { modRevision: number; whileKey?: { key: string; modRevision: number } }): Promise<boolean> {
    return this.op(value === null ? 'delete' : 'update', async () => {
      const k = Buffer.from(this.keys.toEtcd(key));
      const compare = [{ key: k, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: cond.modRevision }];
      if (cond.whileKey) compare.push({ key: Buffer.from(this.keys.toEtcd(cond.whileKey.key)), target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: cond.whileKey.modRevision });
      const res = await this.writes.txn({
        compare,
        success: [value === null ? { request_delete_range: { key: k } } : { request_put: { key: k, value: Buffer.from(value) } }],
        failure: [],
      });
      return res.succeeded;
    });
  }

  private failureCurrent(responses: { response_range?: { kvs: IKeyValue[] } }[]): Current | undefined {
    const kv = responses[0]?.response_range?.kvs[0];
    return kv ? this.current(kv) : undefined;
  }

  private conflict(key: string) {
    const d = describeKey(key);
    return errors.conflict(d.resource, d.name, CONFLICT_WHY);
  }

  watch(prefix: string, fromRevision: number, handlers: StorageWatchHandlers): StorageWatcher {
    return this.hub.watch(this.keys.toEtcdPrefix(prefix), fromRevision, handlers);
  }

  async currentRevision(): Promise<number> {
    return this.op('revision', async () => {
      const res = await this.t(this.client.kv.range({ key: Buffer.from(this.keys.prefix + '/'), count_only: true }));
      return Number(res.header.revision);
    });
  }

  async compact(revision: number): Promise<void> {
    return this.op('compact', async () => {
      try {
        await this.t(this.client.kv.compact({ revision, physical: true }));
      } catch (err) {
        if (isCompactedError(err)) return; // already compacted that far
        throw err;
      }
    });
  }

  async healthy(): Promise<boolean> {
    try {
      await withTimeout(this.client.kv.range({ key: Buffer.from(this.keys.prefix + '/'), count_only: true }, { deadline: Date.now() + 2000 }), 2500);
      return true;
    } catch {
      return false;
    }
  }

  /** Number of live shared etcd watches and subscribers (for tests and metrics). */
  watchStats(): { feeds: number; subscribers: number; dedicated: number } {
    return this.hub.stats();
  }

  /** etcd leases granted for objects with a time to live (for tests and metrics). */
  leasesGranted(): number {
    return this.writes.leases.granted;
  }

  /** How many times the etcd3 watch guard stepped in (etcd-watch-guard.ts). */
  containedWatchErrors(): number {
    return this.watchGuard.contained;
  }

  /**
   * Re-creates every etcd watch (each resumes exactly after what it delivered), to bring
   * the etcd client's watch bookkeeping back in step with etcd after an error escaped it.
   */
  resetWatchStream(reason: Error): void {
    if (!this.closed) this.watchGuard.resetStream(reason);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.hub.close();
    this.client.close();
  }
}

function withRevision(obj: KubeObject, rev: string | number): KubeObject {
  return { ...obj, metadata: { ...(obj.metadata ?? {}), resourceVersion: String(rev) } };
}

/** An error from the caller's callbacks: handed back untouched, not mapped to a Status. */
class CallerError {
  constructor(readonly err: unknown) {}
}

async function caller<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new CallerError(err);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function createEtcdStorage(opts: EtcdStorageOptions): Promise<EtcdStorage> {
  return new EtcdStorage(opts);
}
