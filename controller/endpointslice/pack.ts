// From the slices a Service has to the slices it should have, with as few writes as
// possible (Kubernetes' endpointslice reconciler): every endpoint stays in the slice it is
// in while it exists, new endpoints first fill slices that are being written anyway, full
// slices of new endpoints are created, and a remainder goes into an unchanged slice only
// if it fits there whole. A slice left empty is deleted, unless a slice of the same
// address type is about to be created: then it is rewritten instead (one write, no
// create + delete). A Service without any endpoint keeps one empty placeholder slice, so
// consumers can tell "no endpoints" from "not synced yet".

import type { Endpoint, EndpointSlice } from '../../api/types.js';
import { deepEqual } from '../shared/objects.js';
import type { AddressType } from '../shared/service-pods.js';
import { groupKey, type SliceGroup } from './desired.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

export interface PlanInput {
  existing: readonly EndpointSlice[];
  groups: readonly SliceGroup[];
  /** A new slice (generateName, labels, owner) for an address type and ports, no endpoints. */
  newSlice(group: Pick<SliceGroup, 'addressType' | 'ports'>): EndpointSlice;
  /** Labels and owner references every slice must carry (rewritten where they differ). */
  meta: Pick<EndpointSlice['metadata'], 'labels' | 'ownerReferences'>;
  /** Address type of the placeholder when there is no endpoint at all. */
  placeholderType: AddressType;
  maxEndpoints?: number;
}

/** Identity of an endpoint across syncs: its pod, else its first address. */
export function endpointKey(ep: Endpoint): string {
  return ep.targetRef?.uid ? `uid:${ep.targetRef.uid}` : `addr:${ep.addresses?.[0] ?? ''}`;
}

function withMeta(s: EndpointSlice, meta: PlanInput['meta']): EndpointSlice {
  return { ...s, metadata: { ...s.metadata, labels: meta.labels, ownerReferences: meta.ownerReferences } };
}

function metaDiffers(s: EndpointSlice, meta: PlanInput['meta']): boolean {
  return !deepEqual(s.metadata.labels ?? {}, meta.labels ?? {}) || !deepEqual(s.metadata.ownerReferences ?? [], meta.ownerReferences ?? []);
}

export function planSlices(input: PlanInput): SlicePlan {
  const max = input.maxEndpoints ?? MAX_ENDPOINTS_PER_SLICE;
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const byKey = new Map<string, EndpointSlice[]>();
  for (const s of input.existing) {
    const k = groupKey(s.addressType, s.ports);
    byKey.set(k, [...(byKey.get(k) ?? []), s]);
  }
  const groups = [...input.groups];
  const total = groups.reduce((n, g) => n + g.endpoints.length, 0);
  if (total === 0) groups.splice(0, groups.length, { addressType: input.placeholderType, ports: [], endpoints: [] });

  for (const g of groups) {
    const k = groupKey(g.addressType, g.ports);
    const slices = byKey.get(k) ?? [];
    byKey.delete(k);
    if (g.endpoints.length === 0) {
      // The placeholder: keep one empty slice of this mapping, drop any others.
      const [keep, ...rest] = slices;
      if (keep && keep.endpoints?.length === 0) {
        if (metaDiffers(keep, input.meta)) plan.update.push(withMeta(keep, input.meta));
        plan.delete.push(...rest);
      } else {
        plan.delete.push(...slices);
        plan.create.push(input.newSlice(g));
      }
      continue;
    }
    const want = new Map<string, Endpoint>(g.endpoints.map((e) => [endpointKey(e), e]));
    const updating: EndpointSlice[] = [];
    const unchanged: EndpointSlice[] = [];
    for (const s of slices) {
      const kept: Endpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const k2 = endpointKey(e);
        const desired = want.get(k2);
        if (!desired) continue;
        kept.push(desired);
        want.delete(k2);
      }
      if (kept.length === 0) plan.delete.push(s);
      else if (!deepEqual(kept, s.endpoints) || metaDiffers(s, input.meta)) updating.push({ ...withMeta(s, input.meta), endpoints: kept });
      else unchanged.push(s);
    }
    let remaining = [...want.values()];
    for (const s of updating) {
      const room = max - s.endpoints.length;
      if (room <= 0 || remaining.length === 0) continue;
      s.endpoints = [...s.endpoints, ...remaining.slice(0, room)];
      remaining = remaining.slice(room);
    }
    while (remaining.length >= max) {
      plan.create.push({ ...input.newSlice(g), endpoints: remaining.slice(0, max) });
      remaining = remaining.slice(max);
    }
    if (remaining.length > 0) {
      // The fullest unchanged slice that takes the whole remainder: one update instead of a create.
      const size = (s: EndpointSlice) => (s.endpoints ?? []).length;
      const fit = unchanged.filter((s) => max - size(s) >= remaining.length).sort((a, b) => size(b) - size(a))[0];
      if (fit) {
        unchanged.splice(unchanged.indexOf(fit), 1);
        updating.push({ ...withMeta(fit, input.meta), endpoints: [...(fit.endpoints ?? []), ...remaining] });
      } else plan.create.push({ ...input.newSlice(g), endpoints: remaining });
    }
    plan.update.push(...updating);
  }
  // Port mappings or address types no longer wanted.
  for (const rest of byKey.values()) plan.delete.push(...rest);
  return recycleDeletes(plan);
}

/** Turns a create plus a delete of the same address type into one update of the slice that would go. */
function recycleDeletes(plan: SlicePlan): SlicePlan {
  const create: EndpointSlice[] = [];
  for (const c of plan.create) {
    const i = plan.delete.findIndex((d) => d.addressType === c.addressType);
    if (i < 0) {
      create.push(c);
      continue;
    }
    const [old] = plan.delete.splice(i, 1);
    plan.update.push({ ...c, metadata: { ...c.metadata, name: old!.metadata.name, generateName: old!.metadata.generateName, resourceVersion: old!.metadata.resourceVersion, uid: old!.metadata.uid, creationTimestamp: old!.metadata.creationTimestamp } });
  }
  return { create, update: plan.update, delete: plan.delete };
}
