// Names of the cluster zone (Kubernetes' DNS specification,
// https://github.com/kubernetes/dns/blob/master/docs/specification.md) and of the reverse
// zones, as pure functions. Every name here is lowercase without the trailing dot: DNS
// compares names case-insensitively, so the zone keys and the lookups are lowercased once.

import { isIP } from 'node:net';
import { formatIp, parseIp } from '../../api/net/cidr.js';

/** Lowercase, no trailing dot: the form every zone key has. */
export function canonicalName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** True when name is domain itself or below it. */
export function inDomain(name: string, domain: string): boolean {
  return name === domain || name.endsWith(`.${domain}`);
}

export function serviceName(svc: string, ns: string, domain: string): string {
  return `${svc}.${ns}.svc.${domain}`.toLowerCase();
}

export function srvName(port: string, protocol: string, svc: string, ns: string, domain: string): string {
  return `_${port}._${protocol}.${serviceName(svc, ns, domain)}`.toLowerCase();
}

/**
 * The label that stands for an address in a name: `10-1-2-3` for 10.1.2.3 and, as CoreDNS
 * writes it, the colons of the IPv6 text form as dashes (`fd00--5` for fd00::5). Headless
 * endpoints without a hostname get it as their hostname; pod records are made of it.
 */
export function dashedIp(ip: string): string {
  return ip.toLowerCase().replace(/[.:]/g, '-');
}

/** The address a dashed label stands for, or undefined (a pod name like `10-1-2-300` is no address). */
export function ipFromDashed(label: string): { family: 4 | 6; ip: string } | undefined {
  if (/^\d{1,3}(-\d{1,3}){3}$/.test(label)) {
    const ip = label.replace(/-/g, '.');
    return isIP(ip) === 4 ? { family: 4, ip } : undefined;
  }
  const v6 = label.replace(/-/g, ':');
  const parsed = isIP(v6) === 6 ? parseIp(v6) : undefined;
  return parsed ? { family: 6, ip: formatIp(6, parsed.value) } : undefined;
}

/** The PTR owner of an address: `3.2.1.10.in-addr.arpa`, nibbles for IPv6. */
export function reverseName(ip: string): string | undefined {
  const p = parseIp(ip);
  if (!p) return undefined;
  if (p.family === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const hex = p.value.toString(16).padStart(32, '0');
  return `${[...hex].reverse().join('.')}.ip6.arpa`;
}

export function isReverseName(name: string): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa');
}

/** `a-b-c-d.<ns>.pod.<domain>` → the address and namespace; undefined for any other name. */
export function parsePodName(name: string, domain: string): { ns: string; ip: string; family: 4 | 6 } | undefined {
  const suffix = `.pod.${domain}`;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length !== 2) return undefined;
  const addr = ipFromDashed(labels[0]!);
  return addr ? { ns: labels[1]!, ...addr } : undefined;
}

/** The parents of name strictly below domain, nearest first: a.b.svc.d → b.svc.d, svc.d. */
export function ancestorsBelow(name: string, domain: string): string[] {
  const out: string[] = [];
  let n = name;
  for (;;) {
    const dot = n.indexOf('.');
    if (dot < 0) return out;
    n = n.slice(dot + 1);
    if (n === domain || !inDomain(n, domain)) return out;
    out.push(n);
  }
}
