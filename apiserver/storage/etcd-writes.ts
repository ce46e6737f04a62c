// How a write reaches etcd: every transaction that changes a key goes through here, so
// no API path (create, update, patch, status, scale, binding, finalizers, deletion)
// escapes the three rules:
//   - size: a put etcd would refuse as too large is 413 before it is sent (etcd answered
//     "request is too large", a 500, and gRPC refused bigger messages, a 503 with
//     Retry-After that retrying clients repeated forever);
//   - time to live: keys under a TTL prefix (Events) are written with a shared etcd
//     lease (lease-manager.ts), so etcd deletes them and watchers see DELETED;
//   - outcome: a write that may have reached etcd and got no answer is
//     WriteOutcomeUnknownError (504), never "unavailable" (503, only when etcd certainly
//     never saw it). We stop waiting after timeoutMs but do not retract the call for
//     WRITE_GRACE_MS more (its gRPC deadline): a cancellation racing the write made a
//     frozen etcd apply some timed-out writes and drop others; this way it applies what
//     it received.

import type { Etcd3, IPutRequest, ITxnRequest, ITxnResponse } from 'etcd3';
import { classifyWriteFailure, isLeaseNotFoundError, tooLargeToStore, withTimeout } from './etcd-errors.js';
import { LeaseManager } from './lease-manager.js';

/**
 * What a txn adds to its key and value: protobuf framing of the compare, the put and the
 * failure read, and etcd's raft request header (well under 100 bytes).
 */
const TXN_OVERHEAD_BYTES = 128;
/** How long a write we stopped waiting for may still reach etcd. */
const WRITE_GRACE_MS = 10_000;

export interface TtlRule {
  /** Logical key prefix, e.g. '/registry/events/'. */
  prefix: string;
  ttlSeconds: number;
}

export interface EtcdWritesOptions {
  timeoutMs: number;
  maxRequestBytes: number;
  ttl: TtlRule[];
  /** Bounds a call that is not a write (the lease grant). */
  bound<T>(p: Promise<T>): Promise<T>;
}

export class EtcdWrites {
  readonly leases: LeaseManager;

  constructor(
    private readonly client: Etcd3,
    private readonly opts: EtcdWritesOptions,
  ) {
    this.leases = new LeaseManager({
      grant: async (ttlSeconds) => {
        const res = await opts.bound(client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: 0 }));
        return { id: String(res.ID), ttlSeconds: Number(res.TTL) };
      },
    });
  }

  /**
   * A txn whose success branch puts `value` at `etcdKey` (`key` is the logical key, for
   * the TTL rules): `build` gets the put and returns the whole transaction.
   */
  async putTxn(key: string, etcdKey: Buffer, value: string | Buffer, build: (put: IPutRequest) => ITxnRequest): Promise<ITxnResponse> {
    const bytes = typeof value === 'string' ? Buffer.from(value) : value;
    // The key travels up to three times: in the compare, the put and the failure read.
    if (bytes.length + 3 * etcdKey.length + TXN_OVERHEAD_BYTES > this.opts.maxRequestBytes) throw tooLargeToStore(bytes.length, this.opts.maxRequestBytes);
    const ttl = this.opts.ttl.find((r) => key.startsWith(r.prefix));
    if (!ttl) return this.txn(build({ key: etcdKey, value: bytes }));
    for (let attempt = 0; ; attempt++) {
      const lease = await this.leases.leaseFor(ttl.ttlSeconds * 1000);
      try {
        return await this.txn(build({ key: etcdKey, value: bytes, lease }));
      } catch (err) {
        // The lease is gone (revoked, or etcd lost it with a restored snapshot): etcd
        // refused the put, so trying once more with a fresh lease cannot apply it twice.
        if (attempt > 0 || !isLeaseNotFoundError(err)) throw err;
        this.leases.forget(lease);
      }
    }
  }

  /** Any other transaction that writes (deletions). */
  async txn(req: ITxnRequest): Promise<ITxnResponse> {
    try {
      const deadline = Date.now() + this.opts.timeoutMs + WRITE_GRACE_MS;
      return await withTimeout(this.client.kv.txn(req, { deadline }), this.opts.timeoutMs);
    } catch (err) {
      throw classifyWriteFailure(err);
    }
  }
}
