// The node range allocator's decisions, as pure functions over the stored record
// (api/net/pod-network.ts): which ranges a node gets, which ones a node already holds,
// and what is freed when a node goes. The controller does the I/O around them.

import { cidrsOverlap, formatCidr, mustParseCidr, parseCidr, subnetAt, subnetCount, subnetIndex, type Cidr } from '../../api/net/cidr.js';
import type { PodNetworkRecord } from '../../api/net/pod-network.js';

export type Allocation =
  | { kind: 'allocated'; record: PodNetworkRecord; cidrs: string[] }
  | { kind: 'exhausted'; clusterCIDR: string };

function used(record: PodNetworkRecord, family: number): Set<bigint> {
  const cluster = mustParseCidr(record.clusterCIDRs[family]!);
  const mask = record.nodeMaskSizes[family]!;
  const out = new Set<bigint>();
  for (const cidrs of Object.values(record.allocations)) {
    const c = cidrs[family] ? parseCidr(cidrs[family]!) : undefined;
    const idx = c?.ok ? subnetIndex(cluster, mask, c.cidr) : undefined;
    if (idx !== undefined) out.add(idx);
  }
  return out;
}

/**
 * Ranges for `node`: its reservation when it has one (a crash between reserving and
 * writing the Node is repaired by the next attempt), else the first free block of each
 * family from the roving cursor on.
 */
export function allocateFor(record: PodNetworkRecord, node: string): Allocation {
  const held = record.allocations[node];
  if (held && held.length === record.clusterCIDRs.length) return { kind: 'allocated', record, cidrs: held };
  const cidrs: string[] = [];
  const next = [...record.next];
  for (let f = 0; f < record.clusterCIDRs.length; f++) {
    const cluster = mustParseCidr(record.clusterCIDRs[f]!);
    const mask = record.nodeMaskSizes[f]!;
    const count = subnetCount(cluster, mask);
    const taken = used(record, f);
    let found: Cidr | undefined;
    const start = BigInt(next[f] ?? 0) % count;
    for (let i = 0n; i < count; i++) {
      const idx = (start + i) % count;
      if (taken.has(idx)) continue;
      found = subnetAt(cluster, mask, idx);
      next[f] = Number((idx + 1n) % count);
      break;
    }
    if (!found) return { kind: 'exhausted', clusterCIDR: record.clusterCIDRs[f]! };
    cidrs.push(formatCidr(found));
  }
  return { kind: 'allocated', record: { ...record, allocations: { ...record.allocations, [node]: cidrs }, next }, cidrs };
}

export type Adoption =
  | { kind: 'recorded'; record: PodNetworkRecord }
  | { kind: 'unchanged' }
  | { kind: 'conflict'; cidr: string; holder: string }
  | { kind: 'outside'; cidr: string; reason: string };

/**
 * A Node that already carries ranges (set by an earlier allocation, or by hand at
 * create time as Kubernetes allows): record them, unless another node holds them or they
 * are not blocks of the cluster CIDR.
 */
export function adoptExisting(record: PodNetworkRecord, node: string, cidrs: string[]): Adoption {
  const mine = record.allocations[node];
  if (mine && mine.length === cidrs.length && mine.every((c, i) => c === cidrs[i])) return { kind: 'unchanged' };
  if (cidrs.length !== record.clusterCIDRs.length) {
    return { kind: 'outside', cidr: cidrs.join(','), reason: `the node has ${cidrs.length} range(s), the cluster CIDR ${record.clusterCIDRs.join(',')} needs one per family` };
  }
  for (let f = 0; f < cidrs.length; f++) {
    const c = parseCidr(cidrs[f]!);
    const cluster = mustParseCidr(record.clusterCIDRs[f]!);
    if (!c.ok || subnetIndex(cluster, record.nodeMaskSizes[f]!, c.cidr) === undefined) {
      return { kind: 'outside', cidr: cidrs[f]!, reason: `not a /${record.nodeMaskSizes[f]} block of ${record.clusterCIDRs[f]}` };
    }
    for (const [other, theirs] of Object.entries(record.allocations)) {
      if (other === node || !theirs[f]) continue;
      const t = parseCidr(theirs[f]!);
      if (t.ok && cidrsOverlap(t.cidr, c.cidr)) return { kind: 'conflict', cidr: cidrs[f]!, holder: other };
    }
  }
  return { kind: 'recorded', record: { ...record, allocations: { ...record.allocations, [node]: cidrs } } };
}

/** The record without `node`'s reservation (its Node is gone); undefined when it held none. */
export function releaseFor(record: PodNetworkRecord, node: string): PodNetworkRecord | undefined {
  if (!(node in record.allocations)) return undefined;
  const allocations = { ...record.allocations };
  delete allocations[node];
  return { ...record, allocations };
}
