// Parsing of the agent's flag values (pure, unit-tested). Durations use the one parser
// every component shares (foundation/duration.ts).

import { formatCidr, parseCidr, parseIp } from '../api/net/cidr.js';
import { isDns1123Subdomain } from '../api/validation/names.js';
import { cpuToMillis, parseQuantity } from '../api/quantity.js';

/** "a=b,c=d" → { a: 'b', c: 'd' } */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`invalid label "${part}": expected key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export function parseCpuMillis(text: string): number {
  return cpuToMillis(text);
}

export function parseBytes(text: string): number {
  return Math.floor(parseQuantity(text));
}

/** --network-backend: 'none' turns the pod network off (pods on Docker's default bridge). */
export function parseNetworkBackend(text: string): 'vxlan' | 'host-gw' | 'none' {
  if (text === 'vxlan' || text === 'host-gw' || text === 'none') return text;
  throw new Error(`--network-backend: "${text}" is not one of vxlan, host-gw, none`);
}

/** --pod-cidr "10.244.1.0/24[,fd00:10:244:1::/64]": at most one range per family, IPv4 first. */
export function parsePodCIDRs(text: string | undefined): string[] {
  const out = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const c of out) {
    const p = parseCidr(c);
    if (!p.ok) throw new Error(`--pod-cidr: "${c}": ${p.reason}`);
    if (p.hostBitsSet) throw new Error(`--pod-cidr: "${c}" has host bits set (did you mean ${formatCidr(p.cidr)}?)`);
  }
  if (out.length > 2 || (out.length === 2 && out[0]!.includes(':') === out[1]!.includes(':'))) throw new Error('--pod-cidr: give at most one IPv4 and one IPv6 range');
  return out.sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')));
}

/** --vxlan-port / --vxlan-vni: an integer in range. */
export function parseIntFlag(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag}: "${text}" is not an integer from ${min} to ${max}`);
  return n;
}

/** --cluster-dns "10.96.0.10[,fd00::a]": IP addresses (undefined: the node's pod gateway). */
export function parseClusterDns(text: string | undefined): string[] | undefined {
  const out = (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const ip of out) if (!parseIp(ip)) throw new Error(`--cluster-dns: "${ip}" is not an IP address`);
  return out.length ? out : undefined;
}

/** --cluster-domain: a DNS subdomain (a trailing dot is dropped). */
export function parseClusterDomain(text: string): string {
  const d = text.replace(/\.$/, '').toLowerCase();
  const errs = isDns1123Subdomain(d);
  if (errs.length) throw new Error(`--cluster-domain: "${text}": ${errs[0]}`);
  return d;
}

/** --container-log-max-size: a positive quantity of bytes ("10Mi", as the kubelet's containerLogMaxSize). */
export function parseContainerLogMaxSize(text: string): number {
  let bytes: number;
  try {
    bytes = parseQuantity(text);
  } catch {
    throw new Error(`--container-log-max-size: "${text}" is not a quantity of bytes (e.g. 10Mi, 500Ki, 1G)`);
  }
  if (!Number.isInteger(bytes) || bytes < 1024 || bytes > Number.MAX_SAFE_INTEGER) throw new Error(`--container-log-max-size: "${text}" must be a whole number of bytes, at least 1Ki`);
  return bytes;
}

/** --container-log-max-files: at least 2 (the file being written and one rotated), as the kubelet's containerLogMaxFiles. */
export function parseContainerLogMaxFiles(text: string): number {
  return parseIntFlag(text, '--container-log-max-files', 2, 1000);
}
