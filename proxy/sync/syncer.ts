// The sync loop of one proxy instance (kube-proxy's syncProxyRules), the same for both
// kernel backends (backend.ts: iptables, nftables); described here for iptables:
//
//   partial  the services marked changed since the last sync: their rules recomputed,
//            only the chains they touch rewritten (rules/rule-state.ts). At most one sync
//            per --min-sync-period: a change after a quiet period goes out at once, a
//            burst is gathered into the next one.
//   full     every chain rewritten from memory and the jumps from the built-in chains
//            checked, every --sync-period; after a failure or when a canary chain is gone
//            (someone flushed: a firewall reload, a Docker restart) also the names of the
//            instance's chains are read first, so leftovers are deleted.
//   canary   every few seconds `iptables -t nat|filter -S <canary>`: cheap, and nothing
//            else is read back from the kernel.
//
// A failing iptables-restore is logged, counted, shown on /readyz and retried (as a full
// sync) with backoff; the rules in the kernel stay as they were. An API server that is
// gone changes nothing here: the informers retry, the rules stay. After each successful
// sync onSynced reports the revision it reflects (the source's, read before the caches
// were: ../synced-revision.ts); idleRevision() tells the heartbeat what holds meanwhile.

import type { EndpointSlice, Node, Service } from '../../api/types.js';
import { Backoff } from '../../foundation/backoff.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import type { HostCommands } from '../../foundation/host-commands.js';
import type { Logger } from '../../foundation/logger.js';
import { nodeModel, servicePorts, type NodeModel, type ServicePortModel } from '../rules/service-model.js';
import type { InstanceChains } from '../rules/names.js';
import type { KernelBackend } from './backend.js';
import { IptablesBackend } from './iptables-backend.js';
import { Conntrack, firstEndpointFlows, staleFlows } from './conntrack.js';
import type { ProxyMetrics } from './metrics.js';

/** What the syncer reads: the informers' caches (or, in tests and benchmarks, plain maps). */
export interface ServiceSource {
  serviceKeys(): Iterable<string>;
  service(key: string): Service | undefined;
  slices(key: string): readonly EndpointSlice[];
  node(): Node | undefined;
  /** The cluster's pod ranges, when known (else the node's count as pod traffic). */
  clusterCIDRs?(): readonly string[] | undefined;
  /** The revision the caches reflect (../synced-revision.ts): reported once the rules are written. */
  revision(): string;
}

export interface SyncerOptions {
  /** Where the rules go (nftables: ../nft/nft-backend.ts); default iptables with `chains`. */
  backend?: KernelBackend;
  /** The iptables instance chains (when no backend is given). */
  chains?: InstanceChains;
  /** Lines per iptables-restore transaction (rules/rule-state.ts plan; default 5,000). */
  maxTransactionLines?: number;
  nodeName: string;
  source: ServiceSource;
  commands: HostCommands;
  logger: Logger;
  metrics?: ProxyMetrics;
  clock?: Clock;
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  /** How often the canaries are looked at (default min(5 s, sync period)). */
  canaryPeriodMs?: number;
  onSynced?: (info: { at: number; revision: string }) => void;
}

export interface SyncResult {
  mode: 'full' | 'partial';
  written: number;
  deleted: number;
  bytes: number;
}

export class Syncer {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly backend: KernelBackend;
  /** UDP service ports as last programmed (for conntrack), by service key. */
  private readonly udp = new Map<string, ServicePortModel[]>();
  private readonly dirty = new Set<string>();
  private node: NodeModel;
  private fullWanted = true;
  private recoverWanted = true;
  private recomputeAll = true;
  private lastSyncAt = -Infinity;
  private nextFullAt = 0;
  private nextCanaryAt = 0;
  private wake?: () => void;
  private readonly retry: Backoff;
  private readonly conntrack: Conntrack;
  private failing?: string;
  private synced = false;
  /** A sync is between reading the caches and writing the rules. */
  private syncing = false;

  constructor(private readonly o: SyncerOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger;
    this.node = nodeModel(o.nodeName, undefined);
    if (!o.backend && !o.chains) throw new Error('Syncer needs a backend or the iptables chains');
    this.backend = o.backend ?? new IptablesBackend(o.chains!, o.commands, o.maxTransactionLines);
    this.retry = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0.2 }, { clock: this.clock });
    this.conntrack = new Conntrack(o.commands, o.logger);
  }

  /** A service (or its slices) changed. */
  serviceChanged(key: string): void {
    this.dirty.add(key);
    this.wake?.();
  }

  /** The Node changed: new pod ranges change every service's rules. */
  nodeChanged(): void {
    const next = nodeModel(this.o.nodeName, this.o.source.node(), this.o.source.clusterCIDRs?.());
    if (next.podCIDRs.join() === this.node.podCIDRs.join()) return;
    this.node = next;
    this.recomputeAll = true;
    this.fullWanted = true;
    this.wake?.();
  }

  /**
   * The revision the kernel rules reflect right now when nothing waits to be programmed
   * (a sync succeeded, none is running or failing, nothing changed since): the sources'
   * current revision, which may have moved on (bookmarks, events of no service) without
   * a sync. Undefined otherwise: the last sync's report stands.
   */
  idleRevision(): string | undefined {
    if (!this.synced || this.syncing || this.failing || this.fullWanted || this.dirty.size > 0) return undefined;
    return this.o.source.revision();
  }

  /** /readyz: undefined once a sync succeeded and the last one did. */
  ready(): string | undefined {
    if (this.failing) return `${this.backend.mode} sync failing: ${this.failing}`;
    return this.synced ? undefined : `no ${this.backend.mode} sync yet`;
  }

  /** Runs until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.node = nodeModel(this.o.nodeName, this.o.source.node(), this.o.source.clusterCIDRs?.());
    while (!signal.aborted) {
      const now = this.clock.now();
      if (this.fullWanted || now >= this.nextFullAt) {
        await this.attempt(signal, () => this.sync(true));
        continue;
      }
      if (this.dirty.size > 0 && now >= this.lastSyncAt + this.o.minSyncPeriodMs) {
        await this.attempt(signal, () => this.sync(false));
        continue;
      }
      if (now >= this.nextCanaryAt) {
        this.nextCanaryAt = now + (this.o.canaryPeriodMs ?? Math.min(5000, this.o.syncPeriodMs));
        if (!(await this.canariesAlive())) {
          this.log.warn({ mode: this.backend.mode }, 'a canary of the service proxy is gone (its rules flushed or deleted?): rewriting every rule');
          this.recoverWanted = this.fullWanted = true;
        }
        continue;
      }
      const until = Math.min(this.nextFullAt, this.nextCanaryAt, this.dirty.size > 0 ? this.lastSyncAt + this.o.minSyncPeriodMs : Infinity);
      await this.sleepUntil(until, signal);
    }
  }

  private async sleepUntil(at: number, signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.wake = () => ac.abort();
    try {
      await this.clock.sleep(Math.max(0, at - this.clock.now()), ac.signal);
    } catch {
      // woken by a change, or stopping
    } finally {
      this.wake = undefined;
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async attempt(signal: AbortSignal, run: () => Promise<SyncResult>): Promise<void> {
    this.syncing = true;
    try {
      await run();
      this.syncing = false;
      this.retry.reset();
      this.failing = undefined;
    } catch (err) {
      this.syncing = false;
      this.failing = (err as Error).message.split('\n')[0];
      this.o.metrics?.failures.inc();
      this.log.error({ err, mode: this.backend.mode }, 'service proxy sync failed; retrying with a full sync');
      this.recoverWanted = this.fullWanted = true;
      await this.retry.wait(signal).catch(() => undefined);
    }
  }

  private canariesAlive(): Promise<boolean> {
    return this.backend.alive();
  }

  /** One sync now: full (every chain) or partial (the dirty services). */
  async sync(full: boolean): Promise<SyncResult> {
    const t0 = this.clock.now();
    const revision = this.o.source.revision();
    const keys = full && this.recomputeAll ? new Set([...this.o.source.serviceKeys(), ...this.allKnownKeys()]) : new Set(this.dirty);
    this.dirty.clear();
    const recover = this.recoverWanted;
    const conntrackFlows: string[][] = [];
    for (const key of keys) {
      const svc = this.o.source.service(key);
      const ports = svc ? servicePorts(svc, this.o.source.slices(key), this.o.nodeName) : [];
      for (const f of [4, 6] as const) this.backend.setService(key, f, ports.filter((p) => p.family === f), this.node);
      const oldUdp = this.udp.get(key) ?? [];
      const nowUdp = ports.filter((p) => p.protocol === 'udp');
      for (const old of oldUdp) conntrackFlows.push(...staleFlows(old, nowUdp.find((n) => n.name === old.name && n.family === old.family)));
      for (const n of nowUdp) conntrackFlows.push(...firstEndpointFlows(oldUdp.find((x) => x.name === n.name && x.family === n.family), n));
      if (nowUdp.length) this.udp.set(key, nowUdp);
      else this.udp.delete(key);
    }
    const written = await this.backend.write({ full, recover });
    const result: SyncResult = { mode: full ? 'full' : 'partial', ...written };
    if (full) {
      this.fullWanted = this.recoverWanted = this.recomputeAll = false;
      this.nextFullAt = this.clock.now() + this.o.syncPeriodMs;
    }
    this.lastSyncAt = this.clock.now();
    this.synced = true;
    await this.conntrack.delete(conntrackFlows);
    const seconds = (this.clock.now() - t0) / 1000;
    this.o.metrics?.observe(result.mode, seconds, this.clock.now(), this.backend.chainCounts());
    this.log.debug({ ...result, services: keys.size, ms: Math.round(seconds * 1000) }, `${this.backend.mode} synced`);
    this.o.onSynced?.({ at: this.clock.now(), revision });
    return result;
  }

  private *allKnownKeys(): Iterable<string> {
    yield* this.udp.keys();
    yield* this.backend.serviceKeys();
  }
}
