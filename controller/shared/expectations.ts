// Expectations: how a controller avoids acting twice on a cache that lags behind its own
// writes (Kubernetes' ControllerExpectations). Before creating n pods a controller
// records "expect n adds"; each pod the informer then observes lowers the count. While
// counts are above zero the cache is known to be stale, so reconcile must not create or
// delete again. Records expire (5 minutes, as in Kubernetes) so a lost watch event can
// only delay a controller, never wedge it.

export const EXPECTATIONS_TTL_MS = 5 * 60 * 1000;

interface Record_ {
  adds: number;
  /** Keys (ns/name) of the objects we expect to see deleted. */
  dels: Set<string>;
  timestamp: number;
}

export class Expectations {
  private readonly records = new Map<string, Record_>();
  constructor(
    private readonly now: () => number,
    private readonly ttlMs = EXPECTATIONS_TTL_MS,
  ) {}

  /** True when the controller may trust its cache for `key`. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.dels.size === 0) return true;
    return this.now() - r.timestamp > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.records.set(key, { adds: n, dels: new Set(), timestamp: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, dels: new Set(podKeys), timestamp: this.now() });
  }

  /** Creations and deletions in one batch (a DaemonSet sync may do both). */
  expect(key: string, adds: number, podKeys: string[]): void {
    this.records.set(key, { adds, dels: new Set(podKeys), timestamp: this.now() });
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r && r.adds > 0) r.adds--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.dels.delete(podKey);
  }

  /** Forget a controller key (its object was deleted). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** For tests and debugging. */
  pending(key: string): { adds: number; dels: number } | undefined {
    const r = this.records.get(key);
    return r ? { adds: r.adds, dels: r.dels.size } : undefined;
  }
}
