// The revision a proxy reports on its Node (orch.io/proxy-synced-revision), and what it
// promises: "every EndpointSlice change up to this etcd revision is in my kernel rules,
// and so is the Service of every slice up to it". Agents compare it with the
// resourceVersion of the slices a pod is in (agent/endpoint-drain/), so it must never run
// ahead of what was programmed.
//
// Why not the highest resourceVersion of any Service or EndpointSlice event (what the proxy
// reported before): Services and slices come on two watches that can lag each other. A
// Service event at revision 200 seen before the slice event at 180 (which marks a pod
// terminating) would claim 180 is in the rules when it is not.
//
// So the number is the EndpointSlice informer's own position (lastSyncResourceVersion:
// the list, the last event or bookmark; the informer has every slice event up to it).
// Services have no such position that keeps up in a quiet cluster (a bookmark carries the
// last revision of the resource, not etcd's), so they are covered another way: a slice
// whose owning Service (ownerReference, by uid) this proxy has not seen yet holds the
// number below the moment the slice appeared, until the Service arrives (a new Service: its
// slices are written after it, so only the Service watch lagging makes this happen). A
// slice whose Service is known to be deleted, or has no Service owner (hand-written
// slices), holds nothing; nor does a slice still orphaned after ORPHAN_HOLD_MS (a Service
// deleted before this proxy started, whose slices the garbage collector has not removed
// yet): waiting longer would make every drain of the cluster wait for its bound.
// Service-only changes (ports, type) are not covered by the number: they never make a
// terminating endpoint routable again, and a new pod's slice comes after its Service.

import type { EndpointSlice, Service } from '../api/types.js';
import { objectKey } from '../api/resources.js';
import type { Clock } from '../foundation/clock.js';
import { sliceServiceKey } from './rules/service-model.js';

/** How long a slice without its Service may hold the reported revision back. */
export const ORPHAN_HOLD_MS = 10_000;

/** The smaller of two resourceVersions (decimal strings of etcd revisions; '' is 0). */
export function minRevision(a: string, b: string): string {
  const x = a || '0';
  const y = b || '0';
  return x.length !== y.length ? (x.length < y.length ? x : y) : x < y ? x : y;
}

/** resourceVersion minus one ('' and '0' stay '0'). */
function before(rv: string | undefined): string {
  const n = BigInt(rv || '0');
  return n > 0n ? String(n - 1n) : '0';
}

function serviceOwnerUid(slice: EndpointSlice): string | undefined {
  return slice.metadata.ownerReferences?.find((r) => r.kind === 'Service' && r.controller === true)?.uid;
}

export class SyncedRevision {
  /** Slice key → the revision it holds the report to, and since when (ms). */
  private readonly orphans = new Map<string, { floor: string; since: number; service: string; uid: string }>();
  /** Uids of Services seen deleted, and when (kept a while: their slices hold nothing). */
  private readonly deleted = new Map<string, number>();

  constructor(
    private readonly o: {
      /** The slice informer's position (every slice event up to it is in its cache). */
      slicePosition(): string;
      /** The Service of this key in the proxy's cache. */
      service(key: string): Service | undefined;
      clock: Clock;
    },
  ) {}

  /** A slice was added or updated (call from the informer's handler, before the sync sees it). */
  sliceSeen(slice: EndpointSlice): void {
    const key = objectKey(slice);
    const svcKey = sliceServiceKey(slice);
    const uid = serviceOwnerUid(slice);
    if (!svcKey || !uid || this.deleted.has(uid) || this.o.service(svcKey)?.metadata.uid === uid) {
      this.orphans.delete(key);
      return;
    }
    if (this.orphans.has(key)) return;
    // Inside a watch event handler the informer's position is still the previous event's:
    // every slice change up to it is in the cache, this slice's is not (yet routable).
    this.orphans.set(key, { floor: minRevision(this.o.slicePosition(), before(slice.metadata.resourceVersion)), since: this.o.clock.now(), service: svcKey, uid });
  }

  sliceDeleted(slice: EndpointSlice): void {
    this.orphans.delete(objectKey(slice));
  }

  /** A Service was added or updated: its slices hold nothing any more. */
  serviceSeen(svc: Service): void {
    for (const [k, o] of this.orphans) if (o.uid === svc.metadata.uid) this.orphans.delete(k);
  }

  /** A Service was deleted: its slices (until the garbage collector removes them) hold nothing. */
  serviceDeleted(svc: Service): void {
    if (svc.metadata.uid) this.deleted.set(svc.metadata.uid, this.o.clock.now());
    this.serviceSeen(svc);
  }

  /** What the rules reflect, if the syncer has programmed everything the caches hold now. */
  current(): string {
    let rev = this.o.slicePosition();
    const now = this.o.clock.now();
    for (const [k, o] of this.orphans) {
      if (now - o.since >= ORPHAN_HOLD_MS) this.orphans.delete(k);
      else rev = minRevision(rev, o.floor);
    }
    // Past the hold, a leftover slice of a deleted Service holds nothing anyway.
    for (const [uid, at] of this.deleted) if (now - at >= ORPHAN_HOLD_MS) this.deleted.delete(uid);
    return rev;
  }
}
