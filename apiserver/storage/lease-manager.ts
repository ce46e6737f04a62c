// etcd leases for objects with a time to live (Events), shared between the objects
// written close together in time, as Kubernetes' apiserver does: one lease per object
// would mean one lease per Event, and etcd's lessor checks and revokes each of them.
//
// A lease is granted for ttl + reuse and handed to every write of the next `reuse`
// (5 % of the ttl, at most 60 s, Kubernetes' values), so each object lives between ttl
// and ttl + reuse. At most `maxObjectsPerLease` objects share one: a revoke deletes all
// of its keys in one etcd transaction, which must stay small. Concurrent writes that
// need a new lease wait for one grant instead of granting one each.

export interface LeaseManagerOptions {
  /** Grants a lease of ttlSeconds in etcd; resolves to its id and the TTL etcd granted. */
  grant(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }>;
  now?: () => number;
  /** Default 60 s. */
  maxReuseMs?: number;
  /** Default 0.05. */
  reuseFraction?: number;
  /** Default 1000. */
  maxObjectsPerLease?: number;
}

interface Current {
  id: string;
  /** Our (early) estimate of when etcd expires it: measured from before the grant. */
  expiresAt: number;
  attached: number;
}

export class LeaseManager {
  private readonly now: () => number;
  private readonly maxReuseMs: number;
  private readonly reuseFraction: number;
  private readonly maxObjects: number;
  /** Per TTL (ms): the lease being handed out, and a grant in flight. */
  private readonly current = new Map<number, Current>();
  private readonly granting = new Map<number, Promise<Current>>();
  /** Leases granted so far (for tests and metrics). */
  granted = 0;

  constructor(private readonly opts: LeaseManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.maxReuseMs = opts.maxReuseMs ?? 60_000;
    this.reuseFraction = opts.reuseFraction ?? 0.05;
    this.maxObjects = opts.maxObjectsPerLease ?? 1000;
  }

  /** The lease id to attach to an object that must live at least ttlMs from now. */
  async leaseFor(ttlMs: number): Promise<string> {
    for (;;) {
      const cur = this.current.get(ttlMs);
      if (cur && this.now() + ttlMs <= cur.expiresAt && cur.attached < this.maxObjects) {
        cur.attached++;
        return cur.id;
      }
      // Someone else is granting the next one: share it (and re-check, it may be full).
      const pending = this.granting.get(ttlMs);
      if (pending) {
        await pending;
        continue;
      }
      const grant = this.grantFor(ttlMs);
      this.granting.set(ttlMs, grant);
      try {
        const lease = await grant;
        lease.attached++;
        return lease.id;
      } finally {
        this.granting.delete(ttlMs);
      }
    }
  }

  /** etcd no longer has this lease (revoked, or expired early): never hand it out again. */
  forget(id: string): void {
    for (const [ttl, cur] of this.current) if (cur.id === id) this.current.delete(ttl);
  }

  private async grantFor(ttlMs: number): Promise<Current> {
    const reuseMs = Math.min(this.maxReuseMs, this.reuseFraction * ttlMs);
    const start = this.now();
    const res = await this.opts.grant(Math.ceil((ttlMs + reuseMs) / 1000));
    this.granted++;
    const lease: Current = { id: res.id, expiresAt: start + res.ttlSeconds * 1000, attached: 0 };
    this.current.set(ttlMs, lease);
    return lease;
  }
}
