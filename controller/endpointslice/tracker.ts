// What this controller wrote recently, per Service, so it never acts on a cache that does
// not show its own writes yet (Kubernetes' EndpointSliceTracker): slices are created with
// generateName, so a sync on a lagging cache would create a second slice for the same
// endpoints. A Service whose cache is stale is looked at again shortly; the informer's
// events bring it back as soon as the cache catches up.

import type { EndpointSlice } from '../../api/types.js';

/** After this long an expectation is dropped (its event was lost, or someone else deleted the slice meanwhile). */
export const EXPECTATION_TTL_MS = 10_000;

type Expect = { rv: string; at: number } | { deleted: true; at: number };

export class SliceTracker {
  private readonly byService = new Map<string, Map<string, Expect>>();

  constructor(private readonly now: () => number) {}

  private entries(svcKey: string): Map<string, Expect> {
    let m = this.byService.get(svcKey);
    if (!m) this.byService.set(svcKey, (m = new Map()));
    return m;
  }

  /** A create or update returned this slice. */
  wrote(svcKey: string, slice: EndpointSlice): void {
    this.entries(svcKey).set(slice.metadata.name!, { rv: slice.metadata.resourceVersion ?? '0', at: this.now() });
  }

  deleted(svcKey: string, name: string): void {
    this.entries(svcKey).set(name, { deleted: true, at: this.now() });
  }

  /** Someone deleted the slice: nothing to wait for. */
  gone(svcKey: string, name: string): void {
    this.byService.get(svcKey)?.delete(name);
  }

  forget(svcKey: string): void {
    this.byService.delete(svcKey);
  }

  /** Whether the cached slices (all of the Service's, by name) still miss one of our writes. */
  stale(svcKey: string, cached: ReadonlyMap<string, EndpointSlice>): boolean {
    const m = this.byService.get(svcKey);
    if (!m) return false;
    const now = this.now();
    for (const [name, e] of [...m]) {
      const c = cached.get(name);
      const seen = 'deleted' in e ? !c : !!c && Number(c.metadata.resourceVersion ?? 0) >= Number(e.rv);
      if (seen || now - e.at > EXPECTATION_TTL_MS) m.delete(name);
    }
    if (m.size === 0) this.byService.delete(svcKey);
    return m.size > 0;
  }
}
