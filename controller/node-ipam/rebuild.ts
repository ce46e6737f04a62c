// The record rebuilt from the Nodes, on start and whenever it is missing, was edited or
// disagrees with a Node: the Nodes' spec.podCIDRs are the truth (routes and pod
// addresses already depend on them), the stored reservations of nodes that have no
// ranges yet are kept where they do not collide with a Node's range. Pure: the
// controller decides separately which reservations of unknown nodes to keep (a live
// GET, since an informer may not have seen a node another manager reserved for).

import { emptyRecord, type PodNetworkRecord } from '../../api/net/pod-network.js';
import type { Node } from '../../api/types.js';
import { adoptExisting } from './allocator.js';
import type { PodNetworkPlan } from './config.js';

export interface Rebuild {
  record: PodNetworkRecord;
  /** Nodes whose ranges could not be recorded (overlapping another node's, outside the cluster CIDR). */
  problems: Array<{ node: string; message: string }>;
  /** Reserved for nodes not in the list given: keep only those that still exist. */
  unknown: Array<{ node: string; cidrs: string[] }>;
  /** Nodes without ranges whose reservation was dropped (it collided with a Node's range): allocate again. */
  dropped: string[];
}

export function nodePodCIDRs(n: Node): string[] {
  const list = n.spec?.podCIDRs?.length ? n.spec.podCIDRs : n.spec?.podCIDR ? [n.spec.podCIDR] : [];
  return list.filter(Boolean);
}

function samePlan(r: PodNetworkRecord, plan: PodNetworkPlan): boolean {
  return r.clusterCIDRs.join(',') === plan.clusterCIDRs.join(',') && r.nodeMaskSizes.join(',') === plan.nodeMaskSizes.join(',');
}

export function rebuildRecord(stored: PodNetworkRecord | undefined, plan: PodNetworkPlan, nodes: Node[]): Rebuild {
  const same = stored !== undefined && samePlan(stored, plan);
  let record = emptyRecord(plan.clusterCIDRs, plan.nodeMaskSizes);
  if (same) record.next = [...stored.next];
  const problems: Rebuild['problems'] = [];
  const dropped: string[] = [];
  // Oldest first, so of two Nodes claiming one range the one that had it first keeps it.
  const sorted = [...nodes].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
  const names = new Set(sorted.map((n) => n.metadata.name!));
  for (const n of sorted) {
    const cidrs = nodePodCIDRs(n);
    if (cidrs.length === 0) continue;
    const a = adoptExisting(record, n.metadata.name!, cidrs);
    if (a.kind === 'recorded') record = a.record;
    else if (a.kind === 'conflict') problems.push({ node: n.metadata.name!, message: `pod CIDR ${a.cidr} is also node ${a.holder}'s` });
    else if (a.kind === 'outside') problems.push({ node: n.metadata.name!, message: `pod CIDR ${a.cidr}: ${a.reason}` });
  }
  const unknown: Rebuild['unknown'] = [];
  if (same) {
    for (const [node, cidrs] of Object.entries(stored.allocations)) {
      if (node in record.allocations) continue;
      const n = sorted.find((x) => x.metadata.name === node);
      if (n && nodePodCIDRs(n).length > 0) continue; // it holds other ranges, recorded above (or a problem)
      if (!names.has(node)) {
        unknown.push({ node, cidrs });
        continue;
      }
      const a = adoptExisting(record, node, cidrs);
      if (a.kind === 'recorded') record = a.record;
      else dropped.push(node);
    }
  }
  return { record, problems, unknown, dropped };
}

/** Adds back the reservations of `keep` (nodes that exist after all) where they still fit. */
export function keepReservations(record: PodNetworkRecord, keep: Array<{ node: string; cidrs: string[] }>): PodNetworkRecord {
  let out = record;
  for (const { node, cidrs } of keep) {
    const a = adoptExisting(out, node, cidrs);
    if (a.kind === 'recorded') out = a.record;
  }
  return out;
}
