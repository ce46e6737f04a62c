// The inspect answers behind a detailed container list, kept while Docker's event stream
// says the container has not changed. Every pod resyncs every 10 s (pod-sync.ts), and a
// detailed list inspects each container (the list lacks exit codes and times): with 100
// pods that was 10 lists and 20 inspects a second on an idle node, most of the agent's CPU
// at rest (docs/performance.md, "Probe cost"). The kubelet avoids the same cost with its
// PLEG cache; this is the smallest cache that stays exact:
// - an entry is used only while an event subscription whose label filter covers the
//   container is connected (the agent always has one: agent.ts), so no change can go
//   unseen: every change of a container (start, die, restart, pause, update, rename,
//   destroy...) is an event, and each event drops that container's entry;
// - the list entry must still agree with it (state, addresses: a network connect is a
//   network event, not a container one);
// - an answer is stored only if nothing was dropped while it was being fetched (a global
//   change counter: an event racing an inspect can never leave the older answer behind);
// - a subscription that drops (or starts: events before it were not seen) empties it.
// Pure bookkeeping: docker-runtime.ts feeds it.

import type { ContainerInfo } from './types.js';

/** What a list entry (ListOptions.details false) says of a container, to check an entry against. */
export type ListedContainer = Pick<ContainerInfo, 'id' | 'state' | 'labels' | 'ipAddresses'>;

const MAX_ENTRIES = 10_000;

export class InspectCache {
  private readonly entries = new Map<string, ContainerInfo>();
  /** The label filters of the connected event subscriptions. */
  private readonly watched = new Set<Record<string, string>>();
  private changes = 0;

  /** A subscription with this label filter is connected; call the returned function when it is not. */
  watching(labels: Record<string, string>): () => void {
    const filter = { ...labels };
    this.forget();
    this.watched.add(filter);
    return () => {
      this.watched.delete(filter);
      this.forget();
    };
  }

  /** Something happened to this container (an event, or one of our own calls on it). */
  invalidate(id: string): void {
    this.changes++;
    this.entries.delete(id);
  }

  /** Taken before an inspect; `put` stores its answer only if nothing changed since. */
  begin(): number {
    return this.changes;
  }

  put(info: ContainerInfo, since: number): void {
    if (since !== this.changes || !this.covered(info.labels)) return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(info.id, info);
  }

  /** The stored answer for this listed container, if it is still exact. */
  get(listed: ListedContainer): ContainerInfo | undefined {
    const c = this.entries.get(listed.id);
    if (!c || !this.covered(listed.labels)) return undefined;
    if (c.state !== listed.state || !sameSet(c.ipAddresses ?? [], listed.ipAddresses ?? [])) return undefined;
    return { ...c };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops everything (an event that could not be read). */
  forget(): void {
    this.changes++;
    this.entries.clear();
  }

  private covered(labels: Record<string, string>): boolean {
    for (const f of this.watched) if (Object.entries(f).every(([k, v]) => labels[k] === v)) return true;
    return false;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
