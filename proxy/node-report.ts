// What the proxy has programmed, on its own Node (the node health work reads it): a merge
// patch of two annotations after successful syncs, at most one write per second (a burst
// of syncs is reported once, with the latest). A failed write (API server gone) is logged
// and the latest value tried again a second later.
//
//   orch.io/proxy-synced-at         when the last successful sync finished (RFC 3339, ms)
//   orch.io/proxy-synced-revision   the highest Service/EndpointSlice resourceVersion it reflects

import { realClock, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';

export const SYNCED_AT_ANNOTATION = 'orch.io/proxy-synced-at';
export const SYNCED_REVISION_ANNOTATION = 'orch.io/proxy-synced-revision';

export class NodeReport {
  private pending?: { at: number; revision: string };
  private wake?: () => void;
  private readonly clock: Clock;

  constructor(
    private readonly o: { client: Client; nodeName: string; logger: Logger; clock?: Clock; minIntervalMs?: number },
  ) {
    this.clock = o.clock ?? realClock;
  }

  /** A sync succeeded: report it (soon, rate-limited). */
  synced(info: { at: number; revision: string }): void {
    this.pending = info;
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
    while (!signal.aborted) {
      if (!this.pending) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
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
      await this.clock.sleep(this.o.minIntervalMs ?? 1000, signal).catch(() => undefined);
    }
  }
}

/** The larger of two resourceVersions (decimal strings of etcd revisions). */
export function maxRevision(a: string, b: string | undefined): string {
  if (!b) return a;
  if (!a) return b;
  return a.length !== b.length ? (a.length > b.length ? a : b) : a > b ? a : b;
}
