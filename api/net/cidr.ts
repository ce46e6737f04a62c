// IP addresses and CIDR ranges as numbers, for the pod network: the controller manager
// carves node ranges out of the cluster CIDR, validation checks Node and Service fields,
// the agent derives its gateway and tunnel addresses. Parsing (IPv4, every IPv6 spelling)
// is ipaddr.js's; the range arithmetic is BigInt so both families share one code path.

import ipaddr from 'ipaddr.js';

export type IpFamily = 4 | 6;

export interface Cidr {
  family: IpFamily;
  /** The network address (host bits zero). */
  base: bigint;
  prefix: number;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };

export function familyBits(family: IpFamily): number {
  return BITS[family];
}

/** Parses an address in any standard spelling; undefined when it is not one. */
export function parseIp(s: string): { family: IpFamily; value: bigint } | undefined {
  if (typeof s !== 'string' || !ipaddr.isValid(s) || s.includes('%')) return undefined;
  // ipaddr accepts '1', '0x7f.1' and other inet_aton forms; Kubernetes accepts dotted quads only.
  if (!s.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined;
  const addr = ipaddr.parse(s);
  const family: IpFamily = addr.kind() === 'ipv4' ? 4 : 6;
  let value = 0n;
  for (const b of addr.toByteArray()) value = (value << 8n) | BigInt(b);
  return { family, value };
}

export function formatIp(family: IpFamily, value: bigint): string {
  const bytes: number[] = [];
  for (let i = BITS[family] / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export type CidrParse = { ok: true; cidr: Cidr; hostBitsSet: boolean } | { ok: false; reason: string };

/** Parses "a.b.c.d/n" or "x::/n". `hostBitsSet` tells "10.244.1.7/16" from "10.244.0.0/16". */
export function parseCidr(s: string): CidrParse {
  if (typeof s !== 'string') return { ok: false, reason: 'must be a string' };
  const slash = s.indexOf('/');
  if (slash < 0) return { ok: false, reason: 'must be a CIDR (address/prefix length), e.g. 10.244.0.0/16' };
  const ip = parseIp(s.slice(0, slash));
  if (!ip) return { ok: false, reason: `"${s.slice(0, slash)}" is not an IP address` };
  const p = s.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
  if (!(prefix >= 0 && prefix <= BITS[ip.family])) return { ok: false, reason: `prefix length must be 0..${BITS[ip.family]} for IPv${ip.family}` };
  const base = ip.value & mask(ip.family, prefix);
  return { ok: true, cidr: { family: ip.family, base, prefix }, hostBitsSet: base !== ip.value };
}

/** parseCidr for values already known to be good (flags checked at start, stored ranges). */
export function mustParseCidr(s: string): Cidr {
  const r = parseCidr(s);
  if (!r.ok) throw new Error(`invalid CIDR "${s}": ${r.reason}`);
  return r.cidr;
}

function mask(family: IpFamily, prefix: number): bigint {
  const bits = BITS[family];
  const all = (1n << BigInt(bits)) - 1n;
  return prefix === 0 ? 0n : all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.family, c.base)}/${c.prefix}`;
}

/** The last address of the range. */
export function lastAddress(c: Cidr): bigint {
  return c.base + (1n << BigInt(BITS[c.family] - c.prefix)) - 1n;
}

export function cidrContains(c: Cidr, ip: { family: IpFamily; value: bigint }): boolean {
  return c.family === ip.family && ip.value >= c.base && ip.value <= lastAddress(c);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

/** The n-th address of a range (0 = the network address). */
export function nthAddress(c: Cidr, n: number | bigint): string {
  return formatIp(c.family, c.base + BigInt(n));
}

/** How many blocks of /maskSize fit in `c` (maskSize ≥ c.prefix). */
export function subnetCount(c: Cidr, maskSize: number): bigint {
  return 1n << BigInt(maskSize - c.prefix);
}

/** The index-th /maskSize block of `c`. */
export function subnetAt(c: Cidr, maskSize: number, index: bigint): Cidr {
  return { family: c.family, base: c.base + (index << BigInt(BITS[c.family] - maskSize)), prefix: maskSize };
}

/** Which block of `c` the range `sub` is, or undefined when it is not one of its /maskSize blocks. */
export function subnetIndex(c: Cidr, maskSize: number, sub: Cidr): bigint | undefined {
  if (sub.family !== c.family || sub.prefix !== maskSize || !cidrContains(c, { family: sub.family, value: sub.base })) return undefined;
  return (sub.base - c.base) >> BigInt(BITS[c.family] - maskSize);
}
