// What the proxy has programmed, on its own Node: a merge patch of two annotations, read
// by every agent before a pod of its gets SIGTERM and before a new pod counts as
// available (agent/endpoint-drain/, docs/services.md "Zero-downtime endpoints").
//
//   orch.io/proxy-synced-at         when the proxy last confirmed (RFC 3339, ms)
//   orch.io/proxy-synced-revision   every EndpointSlice change up to this etcd revision is
//                                   in the kernel rules (synced-revision.ts)
//
// Written soon after each successful sync, at most one write per minIntervalMs (200 ms: a
// burst of syncs is reported once, with the latest), and every heartbeatMs (10 s) when
// nothing else was written, so agents can tell a live proxy from a dead one (silent for 3
// heartbeats). The heartbeat carries the revision the rules reflect at that moment
// (Syncer.idleRevision: the caches may have moved on without a change to program), or the
// last sync's when something is still waiting to be programmed or the sync is failing (a
// live proxy that cannot program is one the agents must wait for, and name). Writes are
// per node, never per endpoint. A failed write (API server gone) is logged and the latest
// value tried again after the interval.

import { PROXY_HEARTBEAT_MS, PROXY_SYNCED_AT_ANNOTATION, PROXY_SYNCED_REVISION_ANNOTATION } from '../api/proxy-sync.js';
import { realClock, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';

export const SYNCED_AT_ANNOTATION = PROXY_SYNCED_AT_ANNOTATION;
export const SYNCED_REVISION_ANNOTATION = PROXY_SYNCED_REVISION_ANNOTATION;

/** Default minimum time between two writes. */
export const REPORT_INTERVAL_MS = 200;

export interface NodeReportOptions {
  client: Client;
  nodeName: string;
  logger: Logger;
  clock?: Clock;
  /** Minimum time between two writes (default 200 ms). */
  minIntervalMs?: number;
  /** A write at least this often (default 10 s); 0: no heartbeat. */
  heartbeatMs?: number;
  /** The revision the rules reflect now if nothing waits to be programmed (Syncer.idleRevision). */
  idleRevision?: () => string | undefined;
}

export class NodeReport {
  private pending?: { at: number; revision: string };
  /** The last revision a sync reported (what a heartbeat repeats when the syncer is busy). */
  private last?: string;
  private wake?: () => void;
  private readonly clock: Clock;

  constructor(private readonly o: NodeReportOptions) {
    this.clock = o.clock ?? realClock;
  }

  /** A sync succeeded: report it (soon, rate-limited). */
  synced(info: { at: number; revision: string }): void {
    this.pending = info;
    this.last = info.revision;
    this.wake?.();
  }

  async run(signal: AbortSignal): Promise<void> {
    const onAbort = () => this.wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await this.loop(signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const heartbeat = this.o.heartbeatMs ?? PROXY_HEARTBEAT_MS;
    while (!signal.aborted) {
      if (!this.pending) {
        await this.idle(heartbeat, signal);
        if (signal.aborted) return;
        if (!this.pending && this.last !== undefined) this.pending = { at: this.clock.now(), revision: this.o.idleRevision?.() ?? this.last };
        continue;
      }
      const { at, revision } = this.pending;
      this.pending = undefined;
      try {
        await this.o.client.nodes.patch(this.o.nodeName, undefined, { metadata: { annotations: { [SYNCED_AT_ANNOTATION]: new Date(at).toISOString(), [SYNCED_REVISION_ANNOTATION]: revision } } }, 'merge');
      } catch (err) {
        if (signal.aborted) return;
        this.o.logger.warn({ err }, 'cannot report the proxy sync on the Node; retrying');
        this.pending ??= { at, revision };
      }
      await this.clock.sleep(this.o.minIntervalMs ?? REPORT_INTERVAL_MS, signal).catch(() => undefined);
    }
  }

  /** Until a sync is reported, the heartbeat is due (0: no heartbeat), or the signal aborts. */
  private async idle(heartbeatMs: number, signal: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const onAbort = () => ac.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.wake = () => ac.abort();
    try {
      if (heartbeatMs > 0) await this.clock.sleep(heartbeatMs, ac.signal);
      else await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
    } catch {
      // woken by a sync, or stopping
    } finally {
      this.wake = undefined;
      signal.removeEventListener('abort', onAbort);
    }
  }
}
