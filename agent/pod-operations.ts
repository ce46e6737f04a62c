// Long operations on a pod's containers, running while the sync workers do other work:
// today container stops, which last as long as the grace period when the process ignores
// SIGTERM (as `sleep` does). A reconcile starts one and returns "look again when it ends"
// (client/reconcile-loop.ts requeueWhen); the next plan sees it in flight and leaves the
// container alone, so a pod is never acted on twice. Image pulls are tracked the same way
// per image by image-puller.ts (one pull serves every pod).

/** delete: the pod goes; replace: a new attempt follows at once; restart: a new attempt after restart backoff (a liveness/startup probe failed, a postStart failed). */
export type StopPurpose = 'delete' | 'replace' | 'restart';

interface Stop {
  uid: string;
  /** When the grace period ends (ms): a later deletion with a shorter grace stops again. */
  graceEndsAt: number;
  done: Promise<void>;
}

export class PodOperations {
  private readonly stops = new Map<string, Stop>();
  /** Containers stopped to be replaced (container id → pod uid), until they are gone. */
  private readonly replaced = new Map<string, string>();

  /**
   * Starts `stop` for a container of pod `uid`. The returned promise settles when it ends
   * (rejects when it failed); it is what the reconcile hands to the loop.
   */
  stop(uid: string, id: string, graceEndsAt: number, purpose: StopPurpose, stop: () => Promise<void>): Promise<void> {
    const entry: Stop = { uid, graceEndsAt, done: Promise.resolve() };
    entry.done = stop().then(
      () => {
        if (this.stops.get(id) === entry) this.stops.delete(id);
        if (purpose === 'replace') this.replaced.set(id, uid);
      },
      (err: unknown) => {
        if (this.stops.get(id) === entry) this.stops.delete(id);
        throw err;
      },
    );
    // A stop started again with a shorter grace supersedes this entry; its own promise still settles.
    this.stops.set(id, entry);
    // Nobody may be listening when it fails (the agent stopping): never an unhandled rejection.
    entry.done.catch(() => undefined);
    return entry.done;
  }

  /** The stop in flight for this container, if any. */
  inFlight(id: string): Promise<void> | undefined {
    return this.stops.get(id)?.done;
  }

  /** Stops in flight for the pod: container id → when the grace period ends. */
  stoppingOf(uid: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, s] of this.stops) if (s.uid === uid) out.set(id, s.graceEndsAt);
    return out;
  }

  /** Containers of the pod stopped to be replaced; forgets those no longer among `present`. */
  replacedOf(uid: string, present: Iterable<string>): Set<string> {
    const ids = new Set(present);
    const out = new Set<string>();
    for (const [id, u] of this.replaced) {
      if (u !== uid) continue;
      if (ids.has(id)) out.add(id);
      else this.replaced.delete(id);
    }
    return out;
  }

  /** The pod's containers are gone (stops in flight finish on their own). */
  forget(uid: string): void {
    for (const [id, u] of this.replaced) if (u === uid) this.replaced.delete(id);
  }

  /** Every pod uid something is remembered for. */
  uids(): Set<string> {
    return new Set([...[...this.stops.values()].map((s) => s.uid), ...this.replaced.values()]);
  }
}
