// The pod network's shared record: ConfigMap kube-system/orch-pod-network, written by the
// controller manager's node IPAM controller and read by every agent.
//
// It holds the cluster CIDRs (agents need them for their firewall rules: what is "inside
// the cluster" is not masqueraded) and every node's reserved ranges. The reservation is
// written here, with a compare-and-swap on the ConfigMap's resourceVersion, BEFORE the
// range goes into the Node's spec: two controller managers choosing at once cannot both
// win (one gets 409 and chooses again), and a crash between reserving and writing the
// Node leaves a reservation that the next attempt for that node reuses. Kubernetes keeps
// the same state in memory behind leader election (its range allocator); orch wants it to
// hold without a leader too, hence a stored record.

import type { ConfigMap, NodeSpec } from '../types.js';
import { mustParseCidr, nthAddress, parseCidr } from './cidr.js';

export const POD_NETWORK_NAMESPACE = 'kube-system';
export const POD_NETWORK_CONFIGMAP = 'orch-pod-network';

export interface PodNetworkRecord {
  /** One per family, IPv4 first when both: "10.244.0.0/16", "fd00:10:244::/56". */
  clusterCIDRs: string[];
  /** Node block sizes, same order as clusterCIDRs. */
  nodeMaskSizes: number[];
  /** node name → its ranges (one per family, same order as clusterCIDRs). */
  allocations: Record<string, string[]>;
  /** Per family, the block index to try first (roving, so a freed range is not handed out again at once). */
  next: number[];
}

export function emptyRecord(clusterCIDRs: string[], nodeMaskSizes: number[]): PodNetworkRecord {
  return { clusterCIDRs, nodeMaskSizes, allocations: {}, next: clusterCIDRs.map(() => 0) };
}

/** The ConfigMap's data for a record (ConfigMap values are strings). */
export function recordToData(r: PodNetworkRecord): Record<string, string> {
  const sorted = Object.fromEntries(Object.entries(r.allocations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    clusterCIDRs: r.clusterCIDRs.join(','),
    nodeMaskSizes: r.nodeMaskSizes.join(','),
    allocations: JSON.stringify(sorted),
    next: r.next.join(','),
  };
}

/** Reads a record back; undefined when the ConfigMap is missing or not one of ours. */
export function recordFromConfigMap(cm: ConfigMap | undefined): PodNetworkRecord | undefined {
  const d = cm?.data;
  if (!d?.clusterCIDRs) return undefined;
  const clusterCIDRs = d.clusterCIDRs.split(',').map((s) => s.trim()).filter(Boolean);
  const nums = (s: string | undefined) => (s ?? '').split(',').filter(Boolean).map(Number);
  let allocations: Record<string, string[]> = {};
  try {
    const parsed: unknown = JSON.parse(d.allocations ?? '{}');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      allocations = Object.fromEntries(
        Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string[]] => Array.isArray(e[1]) && e[1].every((x) => typeof x === 'string')),
      );
    }
  } catch {
    /* an edited, broken record: start the map again from the Nodes (they are the truth) */
  }
  const next = nums(d.next);
  return {
    clusterCIDRs,
    nodeMaskSizes: nums(d.nodeMaskSizes),
    allocations,
    next: clusterCIDRs.map((_, i) => (Number.isInteger(next[i]) && next[i]! >= 0 ? next[i]! : 0)),
  };
}

/**
 * The node's pod gateway addresses: the first address of each of its pod CIDRs (the
 * bridge's address, IPv4 first as the ranges are ordered). Pods reach them without any
 * NAT, which is why the cluster DNS listens there and pods use the first as nameserver.
 */
export function podGatewayAddresses(spec: Pick<NodeSpec, 'podCIDR' | 'podCIDRs'> | undefined): string[] {
  const cidrs = spec?.podCIDRs?.length ? spec.podCIDRs : spec?.podCIDR ? [spec.podCIDR] : [];
  return cidrs.filter((c) => parseCidr(c).ok).map((c) => nthAddress(mustParseCidr(c), 1));
}
