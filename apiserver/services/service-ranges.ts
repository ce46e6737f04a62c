// The apiserver's Service address ranges: --service-cluster-ip-range (one CIDR, or an
// IPv4 and an IPv6 one for dual stack) and --service-node-port-range ("30000-32767").
// Checked once at start; a bad value is an error naming the flag.

import { formatCidr, familyBits, lastAddress, nthAddress, parseCidr, parseIp, type Cidr, type IpFamily } from '../../api/net/cidr.js';

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

export interface ClusterIPRange {
  cidr: Cidr;
  /** As given, e.g. 10.96.0.0/12 (for messages). */
  text: string;
  family: IpFamily;
  /** Offsets of the addresses handed out: first..last (0 = network address, never). */
  first: bigint;
  last: bigint;
}

export interface NodePortRange {
  base: number;
  /** Inclusive. */
  max: number;
  text: string;
}

export interface ServiceRanges {
  /** One per family; [0] is the primary family (a Service's default). */
  clusterIPs: ClusterIPRange[];
  nodePorts: NodePortRange;
}

/** Fewest host bits: the network address, the `kubernetes` Service and a few Services. */
const MIN_HOST_BITS = 3;
/** Most host bits of an IPv6 range (Kubernetes caps it at a /108 too: 2^20 addresses). */
const MAX_HOST_BITS_V6 = 20;

export function parseClusterIPRanges(value: string, flag = '--service-cluster-ip-range'): ClusterIPRange[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`invalid ${flag} "${value}": one CIDR, or an IPv4 and an IPv6 CIDR separated by a comma`);
  const out = parts.map((p) => {
    const r = parseCidr(p);
    if (!r.ok) throw new Error(`invalid ${flag} "${p}": ${r.reason}`);
    if (r.hostBitsSet) throw new Error(`invalid ${flag} "${p}": host bits set; did you mean ${formatCidr(r.cidr)}?`);
    const c = r.cidr;
    const hostBits = familyBits(c.family) - c.prefix;
    if (hostBits < MIN_HOST_BITS) throw new Error(`invalid ${flag} "${p}": too small; the prefix length must be at most ${familyBits(c.family) - MIN_HOST_BITS}`);
    if (c.family === 6 && hostBits > MAX_HOST_BITS_V6) throw new Error(`invalid ${flag} "${p}": too large; for IPv6 the prefix length must be at least ${128 - MAX_HOST_BITS_V6}`);
    const size = lastAddress(c) - c.base + 1n;
    // IPv4: neither the network nor the broadcast address (as Kubernetes); IPv6: no broadcast.
    return { cidr: c, text: formatCidr(c), family: c.family, first: 1n, last: c.family === 4 ? size - 2n : size - 1n };
  });
  if (out.length === 2 && out[0]!.family === out[1]!.family) throw new Error(`invalid ${flag} "${value}": a dual-stack range needs one IPv4 and one IPv6 CIDR`);
  return out;
}

export function parseNodePortRange(value: string, flag = '--service-node-port-range'): NodePortRange {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(value);
  if (!m) throw new Error(`invalid ${flag} "${value}": a port range like 30000-32767`);
  const base = Number(m[1]);
  const max = Number(m[2]);
  if (base < 1 || max > 65535 || base > max) throw new Error(`invalid ${flag} "${value}": ports must satisfy 1 <= first <= last <= 65535`);
  return { base, max, text: `${base}-${max}` };
}

export function parseServiceRanges(clusterIPRange = DEFAULT_SERVICE_CLUSTER_IP_RANGE, nodePortRange = DEFAULT_SERVICE_NODE_PORT_RANGE): ServiceRanges {
  return { clusterIPs: parseClusterIPRanges(clusterIPRange), nodePorts: parseNodePortRange(nodePortRange) };
}

/** The first usable address: the `kubernetes` Service's, never handed out otherwise. */
export function kubernetesServiceIP(r: ClusterIPRange): string {
  return nthAddress(r.cidr, 1);
}

export function ipAt(r: ClusterIPRange, offset: bigint): string {
  return nthAddress(r.cidr, offset);
}

/** The offset of `ip` in the range when it is one of its usable addresses. */
export function offsetOf(r: ClusterIPRange, ip: string): bigint | undefined {
  const p = parseIp(ip);
  if (!p || p.family !== r.family) return undefined;
  const off = p.value - r.cidr.base;
  return off >= r.first && off <= r.last ? off : undefined;
}

export function rangeFor(ranges: ServiceRanges, family: IpFamily): ClusterIPRange | undefined {
  return ranges.clusterIPs.find((r) => r.family === family);
}

/** How many addresses a range hands out (the kubernetes Service's included). */
export function ipRangeSize(r: ClusterIPRange): bigint {
  return r.last - r.first + 1n;
}
