// Leader election over a coordination.k8s.io/v1 Lease, with client-go's rules:
// - acquire when the lease has no holder, or when it has not been renewed for its
//   leaseDuration as observed LOCALLY (the time we first saw the current record, not the
//   remote renewTime, so clock skew between hosts cannot cause two leaders);
// - every write carries the resourceVersion read: a 409 means someone else won;
// - leaseTransitions++ whenever the holder changes;
// - the leader renews every retryPeriod; if it cannot renew for renewDeadline it aborts
//   the leading signal at once and steps down;
// - a graceful stop releases the lease (holder cleared) so a standby takes over at once.
// Like Kubernetes components, run() RESOLVES after stepping down: the caller (the
// process) should exit and be restarted, so no state from the lost term survives.

import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Lease } from '../api/types.js';
import { raceClock, realClock, type Clock } from '../foundation/clock.js';
import { silentLogger, type Logger } from '../foundation/logger.js';
import type { Client } from './types.js';

export interface LeaderElectorOptions {
  client: Client;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** Injected for deterministic tests; returns [0, 1). */
  random?: () => number;
  /** Called once leadership is acquired; the signal aborts the moment it is lost. Not awaited. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

type LeaseSpec = Lease['spec'];

export class LeaderElector {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leader = false;
  /** The lease as last read or written, and when we (locally) first saw that record. */
  private observed?: Lease;
  private observedKey = '';
  private observedAt = 0;
  private reportedLeader?: string;

  constructor(private readonly opts: LeaderElectorOptions) {
    this.clock = opts.clock ?? realClock;
    this.logger = opts.logger ?? silentLogger();
    this.random = opts.random ?? Math.random;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** Identity of the current holder as last observed ('' if none). */
  getLeader(): string {
    return this.observed?.spec?.holderIdentity ?? '';
  }

  /**
   * Campaign until leading, lead until the lease is lost or signal aborts, then return.
   * Resolves without leading if signal aborts first.
   */
  async run(signal?: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    this.leader = true;
    this.logger.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became leader');
    try {
      const started = this.opts.onStartedLeading(leading.signal);
      if (started && typeof (started as Promise<void>).catch === 'function') {
        (started as Promise<void>).catch((err) => this.logger.error({ err }, 'onStartedLeading failed'));
      }
    } catch (err) {
      this.logger.error({ err }, 'onStartedLeading threw');
    }
    const graceful = await this.renewLoop(signal);
    this.leader = false;
    leading.abort(new Error('leadership lost'));
    if (graceful) await this.release();
    else this.logger.warn({ lease: `${this.opts.namespace}/${this.opts.name}` }, 'failed to renew the lease; stepping down');
    try {
      this.opts.onStoppedLeading?.();
    } catch (err) {
      this.logger.error({ err }, 'onStoppedLeading threw');
    }
  }

  /** Try every retryPeriod (jittered) until we hold the lease. false when aborted. */
  private async acquire(signal?: AbortSignal): Promise<boolean> {
    let loggedWaiting = false;
    while (!signal?.aborted) {
      if (await this.tryAcquireOrRenew()) return true;
      if (!loggedWaiting) {
        this.logger.info({ lease: `${this.opts.namespace}/${this.opts.name}`, holder: this.getLeader() }, 'waiting to acquire the lease');
        loggedWaiting = true;
      }
      if (!(await this.sleep(this.retryPeriodMs * (1 + 0.2 * this.random()), signal))) return false;
    }
    return false;
  }

  /**
   * Renew every retryPeriod. Returns true when stopped by the signal (graceful), false
   * when renewals kept failing for renewDeadline (lost).
   */
  private async renewLoop(signal?: AbortSignal): Promise<boolean> {
    let lastRenew = this.clock.now();
    for (;;) {
      if (!(await this.sleep(this.retryPeriodMs, signal))) return true;
      let renewedAt: number;
      for (;;) {
        renewedAt = this.clock.now();
        const left = this.renewDeadlineMs - (renewedAt - lastRenew);
        if (left <= 0) return false;
        // A hung request must not keep us "leading" past the deadline: race it.
        if (await this.attemptWithin(left)) break;
        if (signal?.aborted) return true;
        // Someone else holds it now: no point retrying until the deadline.
        const holder = this.getLeader();
        if (holder && holder !== this.opts.identity) return false;
        const remaining = this.renewDeadlineMs - (this.clock.now() - lastRenew);
        if (remaining <= 0) return false;
        if (!(await this.sleep(Math.min(this.retryPeriodMs, remaining), signal))) return true;
      }
      // Count from when the attempt started: standbys time expiry from when they observe
      // the write, which is later, so they cannot take over while we still think we lead.
      lastRenew = renewedAt;
    }
  }

  /** tryAcquireOrRenew, but false if it has not succeeded within ms. */
  private attemptWithin(ms: number): Promise<boolean> {
    return raceClock(this.clock, this.tryAcquireOrRenew(), ms, () => false);
  }

  private async sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  private observe(lease: Lease): void {
    const s = lease.spec ?? {};
    // The record's identity: any change of holder or renewTime restarts our local expiry clock.
    const key = `${s.holderIdentity ?? ''}|${s.renewTime ?? ''}|${s.leaseTransitions ?? 0}|${lease.metadata.resourceVersion ?? ''}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.clock.now();
    }
    this.observed = lease;
    const holder = s.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.opts.onNewLeader?.(holder);
      } catch (err) {
        this.logger.error({ err }, 'onNewLeader threw');
      }
    }
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** One attempt; true when we hold the lease afterwards. Never throws. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { client, namespace, name, identity } = this.opts;
    const leaseSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    try {
      let current: Lease;
      try {
        current = await client.leases.get(name, namespace);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const now = this.now();
        const created = await client.leases.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: { holderIdentity: identity, leaseDurationSeconds: leaseSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
        this.observe(created);
        return true;
      }
      this.observe(current);
      const spec: LeaseSpec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const durationMs = spec.leaseDurationSeconds ? spec.leaseDurationSeconds * 1000 : this.leaseDurationMs;
      if (holder && holder !== identity && this.observedAt + durationMs > this.clock.now()) return false;

      const now = this.now();
      const next: LeaseSpec =
        holder === identity
          ? { ...spec, renewTime: now, leaseDurationSeconds: leaseSeconds }
          : {
              ...spec,
              holderIdentity: identity,
              leaseDurationSeconds: leaseSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
            };
      const updated = await client.leases.update({ ...current, spec: next });
      this.observe(updated);
      return true;
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) {
        this.logger.debug({ err }, 'lost a lease race');
      } else {
        this.logger.debug({ err }, 'lease read/write failed');
      }
      return false;
    }
  }

  /** Clear the holder so a standby takes over without waiting for expiry. Best effort. */
  private async release(): Promise<void> {
    const { client, namespace, name, identity } = this.opts;
    try {
      const current = await client.leases.get(name, namespace);
      if ((current.spec?.holderIdentity ?? '') !== identity) return;
      const spec: LeaseSpec = { ...current.spec, renewTime: this.now(), leaseDurationSeconds: 1 };
      delete spec.holderIdentity;
      delete spec.acquireTime;
      await client.leases.update({ ...current, spec });
      this.logger.info({ lease: `${namespace}/${name}` }, 'released the lease');
    } catch (err) {
      this.logger.warn({ err }, 'could not release the lease; standbys take over after it expires');
    }
  }
}
