// The pod network's address plan from the controller manager's flags, checked at start:
// a bad plan is refused with the flag and the reason, before anything is allocated
// (a cluster CIDR that overlaps the hosts' own network would route the hosts' traffic
// into the pod network; one that overlaps the Service range makes ClusterIPs ambiguous).

import { cidrsOverlap, formatCidr, parseCidr, type Cidr } from '../../api/net/cidr.js';

export interface PodNetworkFlags {
  /** --cluster-cidr: one range, or one IPv4 and one IPv6 range separated by a comma. */
  clusterCidr: string;
  /** --node-cidr-mask-size (applies to the single family when only one is given). */
  nodeCidrMaskSize?: number;
  nodeCidrMaskSizeIpv4?: number;
  nodeCidrMaskSizeIpv6?: number;
  /** --service-cluster-ip-range, to refuse an overlap with it. */
  serviceClusterIpRange?: string;
}

export interface PodNetworkPlan {
  clusterCIDRs: string[];
  nodeMaskSizes: number[];
}

/** Kubernetes' limit: a node block may be at most 16 bits longer than the cluster prefix. */
export const MAX_MASK_DIFF = 16;

export class PodNetworkConfigError extends Error {}

function parseList(flag: string, value: string): Cidr[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new PodNetworkConfigError(`${flag}: must not be empty`);
  return items.map((s) => {
    const r = parseCidr(s);
    if (!r.ok) throw new PodNetworkConfigError(`${flag}: "${s}" ${r.reason}`);
    if (r.hostBitsSet) throw new PodNetworkConfigError(`${flag}: "${s}" has host bits set; did you mean ${formatCidr(r.cidr)}?`);
    return r.cidr;
  });
}

/**
 * Validates the flags against each other and against `hostNetworks` (the CIDRs of this
 * machine's interfaces, excluding orch's own bridges and Docker's), and returns the plan
 * with IPv4 first.
 */
export function podNetworkPlan(flags: PodNetworkFlags, hostNetworks: Array<{ name: string; cidr: string }> = []): PodNetworkPlan {
  const clusters = parseList('--cluster-cidr', flags.clusterCidr);
  if (clusters.length > 2) throw new PodNetworkConfigError(`--cluster-cidr: at most two ranges (one IPv4, one IPv6), got ${clusters.length}`);
  if (clusters.length === 2 && clusters[0]!.family === clusters[1]!.family) {
    throw new PodNetworkConfigError(`--cluster-cidr: two ranges must be one IPv4 and one IPv6 (dual stack), got two IPv${clusters[0]!.family}`);
  }
  clusters.sort((a, b) => a.family - b.family);
  const dual = clusters.length === 2;
  if (dual && flags.nodeCidrMaskSize !== undefined) {
    throw new PodNetworkConfigError('--node-cidr-mask-size: with a dual-stack --cluster-cidr use --node-cidr-mask-size-ipv4 and --node-cidr-mask-size-ipv6');
  }
  const masks = clusters.map((c) => {
    const familyFlag = c.family === 4 ? '--node-cidr-mask-size-ipv4' : '--node-cidr-mask-size-ipv6';
    const given = c.family === 4 ? flags.nodeCidrMaskSizeIpv4 : flags.nodeCidrMaskSizeIpv6;
    const flag = given !== undefined ? familyFlag : flags.nodeCidrMaskSize !== undefined ? '--node-cidr-mask-size' : familyFlag;
    const mask = given ?? flags.nodeCidrMaskSize ?? (c.family === 4 ? 24 : 64);
    const bits = c.family === 4 ? 32 : 128;
    if (!Number.isInteger(mask) || mask < 1 || mask > bits) throw new PodNetworkConfigError(`${flag}: ${mask} is not a prefix length for IPv${c.family} (1..${bits})`);
    if (mask < c.prefix) throw new PodNetworkConfigError(`${flag}: /${mask} blocks do not fit in --cluster-cidr ${formatCidr(c)} (the mask must be at least ${c.prefix})`);
    if (mask - c.prefix > MAX_MASK_DIFF) {
      throw new PodNetworkConfigError(`${flag}: /${mask} is more than ${MAX_MASK_DIFF} bits longer than --cluster-cidr ${formatCidr(c)} (at most ${2 ** MAX_MASK_DIFF} node ranges); use a longer cluster prefix or a shorter mask`);
    }
    if (c.family === 4 && mask > 30) throw new PodNetworkConfigError(`${flag}: a /${mask} leaves no room for pods (a node needs its gateway and pod addresses; use /30 or shorter)`);
    return mask;
  });
  if (flags.serviceClusterIpRange) {
    for (const svc of parseList('--service-cluster-ip-range', flags.serviceClusterIpRange)) {
      for (const c of clusters) {
        if (cidrsOverlap(c, svc)) throw new PodNetworkConfigError(`--cluster-cidr: ${formatCidr(c)} overlaps --service-cluster-ip-range ${formatCidr(svc)}; pod and Service addresses must be distinct`);
      }
    }
  }
  for (const h of hostNetworks) {
    const r = parseCidr(h.cidr);
    if (!r.ok) continue;
    for (const c of clusters) {
      if (cidrsOverlap(c, r.cidr)) {
        throw new PodNetworkConfigError(`--cluster-cidr: ${formatCidr(c)} overlaps this host's network ${h.cidr} (interface ${h.name}); pick a range the hosts do not use`);
      }
    }
  }
  return { clusterCIDRs: clusters.map(formatCidr), nodeMaskSizes: masks };
}
