// Which proxies are alive, and what each reports, from the Nodes' annotations
// (proxy/node-report.ts): `orch.io/proxy-synced-revision` and `orch.io/proxy-synced-at`.
//
// Live = its report was confirmed within 3 heartbeats (30 s) AND its Node is not
// NotReady/Unknown. "Confirmed" is measured on this agent's own clock: the first time a
// Node is seen, its synced-at (the proxy's clock) is taken at face value, capped at now;
// after that, the moment this agent saw the annotations change. So clock skew between
// hosts cannot make a dead proxy look alive for longer than one first look, nor a live one
// look dead. A Node without the annotations runs no proxy and is not waited for. A dead
// proxy is never waited for beyond the gate's bound either way.

import { PROXY_HEARTBEAT_MS, PROXY_SYNCED_AT_ANNOTATION, PROXY_SYNCED_REVISION_ANNOTATION } from '../../api/proxy-sync.js';
import type { Node } from '../../api/types.js';

export interface LiveProxy {
  node: string;
  revision: string;
}

/** A proxy silent this long is dead. */
export const PROXY_DEAD_AFTER_MS = 3 * PROXY_HEARTBEAT_MS;

interface Seen {
  syncedAt: string;
  revision: string;
  /** When this agent last saw the report change (its own clock), or the report's time at first sight. */
  confirmedAt: number;
  ready: boolean;
}

export class ProxyReports {
  private readonly nodes = new Map<string, Seen>();

  /** A Node was added or changed (call from the Node informer's handlers). */
  update(node: Node, now: number): void {
    const name = node.metadata.name ?? '';
    const a = node.metadata.annotations ?? {};
    const syncedAt = a[PROXY_SYNCED_AT_ANNOTATION];
    const revision = a[PROXY_SYNCED_REVISION_ANNOTATION];
    if (!syncedAt || revision === undefined) {
      this.nodes.delete(name);
      return;
    }
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const prev = this.nodes.get(name);
    let confirmedAt: number;
    if (prev && prev.syncedAt === syncedAt && prev.revision === revision) confirmedAt = prev.confirmedAt;
    else if (prev) confirmedAt = now;
    else {
      const t = Date.parse(syncedAt);
      confirmedAt = Number.isNaN(t) ? now - PROXY_DEAD_AFTER_MS : Math.min(t, now);
    }
    // No Ready condition yet (a Node just registered) counts as ready: only NotReady/Unknown excludes.
    this.nodes.set(name, { syncedAt, revision, confirmedAt, ready: ready === undefined || ready === 'True' });
  }

  delete(node: Node): void {
    this.nodes.delete(node.metadata.name ?? '');
  }

  /** The proxies alive at `now`, sorted by node name. */
  live(now: number): LiveProxy[] {
    const out: LiveProxy[] = [];
    for (const [node, s] of this.nodes) if (s.ready && now - s.confirmedAt < PROXY_DEAD_AFTER_MS) out.push({ node, revision: s.revision });
    return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }
}
