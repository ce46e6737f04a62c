// The two questions of the termination protocol, answered without I/O from what the
// agent's caches hold (docs/services.md "Zero-downtime endpoints"):
//
//   drain   a pod being deleted: may its containers be stopped? Once the EndpointSlices
//           that list it show it not ready (the controller's write for its
//           deletionTimestamp) or terminating, R = the highest resourceVersion of those
//           slices (and of the other slices of the Services selecting it: a removal from
//           one of them is a change too); then every live proxy must report a revision
//           ≥ R. A pod in no slice and selected by no Service waits for nothing; with no
//           live proxy nobody routes, so nothing either.
//   routed  a pod that just became Ready: does every live proxy route to it? Every
//           Service selecting it lists it ready in one of its slices, and every live proxy
//           reports ≥ R, the highest resourceVersion of those slices.
//
// Both are bounded: past `timeoutMs` since the wait began the answer is "go on", with the
// proxies that did not confirm (or why the slices were not there yet). R is frozen the
// first time the slices are right (`revision` in and out), so slices that keep changing
// afterwards do not make the proxies chase a moving target.

import { compareRevisions } from '../../api/proxy-sync.js';
import type { EndpointSlice, Pod } from '../../api/types.js';
import type { LiveProxy } from './proxy-reports.js';

export interface GateInput {
  pod: Pod;
  /** The slices of the pod's namespace that list the pod (by targetRef uid, else address). */
  listing: readonly EndpointSlice[];
  /** Per Service selecting the pod, its slices. */
  services: ReadonlyMap<string, readonly EndpointSlice[]>;
  /** Proxies alive now, with the revision each reports. */
  proxies: readonly LiveProxy[];
  /** R, when an earlier evaluation fixed it. */
  revision?: string;
  /** When the wait began, and now (ms). */
  startedAt: number;
  now: number;
  timeoutMs: number;
}

export type GateResult =
  | { state: 'waiting'; revision?: string; why: string }
  | { state: 'done'; revision?: string; timedOut?: string };

/** The pod's endpoint in a slice (by targetRef uid, else one of its addresses). */
export function endpointOf(slice: EndpointSlice, pod: Pod): NonNullable<EndpointSlice['endpoints']>[number] | undefined {
  const uid = pod.metadata.uid;
  const ips = new Set([pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter(Boolean));
  return (slice.endpoints ?? []).find((e) =>
    e.targetRef?.uid ? e.targetRef.uid === uid : e.targetRef?.kind === 'Pod' ? e.targetRef.name === pod.metadata.name : (e.addresses ?? []).some((a) => ips.has(a)),
  );
}

function maxRevisionOf(slices: Iterable<EndpointSlice>): string {
  let max = '0';
  for (const s of slices) if (compareRevisions(s.metadata.resourceVersion, max) > 0) max = s.metadata.resourceVersion!;
  return max;
}

/** Waits for the proxies behind R, or ends the wait at the bound. */
function awaitProxies(i: GateInput, revision: string): GateResult {
  const behind = i.proxies.filter((p) => compareRevisions(p.revision, revision) < 0).map((p) => p.node);
  if (behind.length === 0) return { state: 'done', revision };
  const why = `proxies not yet at revision ${revision}: ${behind.join(', ')}`;
  if (i.now - i.startedAt >= i.timeoutMs) return { state: 'done', revision, timedOut: `${behind.length === 1 ? 'proxy' : 'proxies'} on ${behind.join(', ')} did not confirm revision ${revision}` };
  return { state: 'waiting', revision, why };
}

function bound(i: GateInput, why: string): GateResult {
  return i.now - i.startedAt >= i.timeoutMs ? { state: 'done', timedOut: why } : { state: 'waiting', why };
}

/** May the containers of this deleted pod be stopped? */
export function drainGate(i: GateInput): GateResult {
  if (i.proxies.length === 0) return { state: 'done' };
  if (i.revision) return awaitProxies(i, i.revision);
  if (i.listing.length === 0 && i.services.size === 0) return { state: 'done' };
  // The controller's write: ready false (a proxy sends nothing new), or terminating (with
  // publishNotReadyAddresses the endpoint stays ready: the user asked for that).
  const pending = i.listing.filter((s) => {
    const c = endpointOf(s, i.pod)?.conditions;
    return c?.ready !== false && c?.terminating !== true;
  });
  if (pending.length) return bound(i, `the EndpointSlice controller has not marked the endpoint terminating in ${pending.map((s) => s.metadata.name).join(', ')}`);
  return awaitProxies(i, maxRevisionOf([...i.listing, ...[...i.services.values()].flat()]));
}

/** Does every live proxy route to this pod that just became Ready? */
export function routedGate(i: GateInput): GateResult {
  if (i.revision) return awaitProxies(i, i.revision);
  if (i.services.size === 0 || i.proxies.length === 0) return { state: 'done' };
  const ready: EndpointSlice[] = [];
  const missing: string[] = [];
  for (const [svc, slices] of i.services) {
    const mine = slices.filter((s) => endpointOf(s, i.pod)?.conditions?.ready !== false && endpointOf(s, i.pod));
    if (mine.length === 0) missing.push(svc);
    ready.push(...mine);
  }
  if (missing.length) return bound(i, `not listed ready yet in the EndpointSlices of service ${missing.join(', ')}`);
  return awaitProxies(i, maxRevisionOf(ready));
}
