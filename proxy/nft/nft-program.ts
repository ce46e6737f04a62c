// The nftables program of one service (pure): the same semantics as ../rules/service-rules.ts
// (kube-proxy's iptables design), in the shape kube-proxy's nftables mode uses, with one
// change this kernel forced. One table per proxy instance and family holds:
//
//   service-ips        verdict map  <daddr> . <proto> . <port> → goto the service port's chain
//                      (ClusterIP → svc or svcl; external and load-balancer IPs → svcx)
//   service-nodeports  verdict map  <proto> . <nodePort> → goto svcx (local destinations only)
//   no-endpoint-*      sets: REJECT (tcp reset / port unreachable) — "connection refused" at once
//   no-local-*         sets: DROP (Local external traffic where this node has no endpoint)
//   hairpin            set <ip> . <ip> of every endpoint: an endpoint reaching its own service
//                      is masqueraded (postrouting, after DNAT: source = destination)
//   svc-<h>            masquerade mark for ClusterIP traffic from outside the pod ranges,
//                      ClientIP affinity, then one rule per endpoint:
//                      `numgen random mod k == 0 … dnat to <ep>` with k = n, n-1, …, 1
//   svcl-<h>           the same over this node's endpoints
//   svcx-<h>           external traffic (as ORCH-SVCX)
//   aff-<h>            per endpoint with ClientIP affinity: a dynamic set of client addresses
//                      with the affinity timeout, refreshed on each new connection
//
// Why no per-endpoint chains (kube-proxy has them): on this kernel every jump/goto rule in a
// transaction costs time proportional to the table (40,000 endpoint jumps at 10,000
// services: 21 s), while DNAT rules and map elements stay linear (the whole 10,000 in
// 1.1 s). The DNAT sits in the service chain and the hairpin mark becomes a set lookup.
// Per-rule `numgen` draws are independent, so rule i taken with probability 1/(n-i) gives
// each endpoint 1/n, as iptables' statistic rules do.

import { shortHash } from '../rules/names.js';
import type { EndpointModel, NodeModel, ServicePortModel } from '../rules/service-model.js';
import { MASQ_MARK } from '../rules/service-rules.js';

export type NftFamily = 'ip' | 'ip6';
export const nftFamily = (f: 4 | 6): NftFamily => (f === 4 ? 'ip' : 'ip6');

/** Named sets and maps of the table that services put elements in. */
export type ElementSet = 'service-ips' | 'service-nodeports' | 'no-endpoint-services' | 'no-endpoint-nodeports' | 'no-local-services' | 'no-local-nodeports' | 'hairpin';

export interface Element {
  set: ElementSet;
  key: string;
  /** Verdict of a map element (`goto svc-…`); none for set elements. */
  value?: string;
}

export interface NftProgram {
  /** Chain name → its rules (the text after `add rule <family> <table> <chain> `). */
  chains: Map<string, string[]>;
  elements: Element[];
  /** Affinity set name → timeout in seconds. */
  affinitySets: Map<string, number>;
}

const addrKey = (f: 4 | 6) => (f === 4 ? 'ip' : 'ip6');
const addrType = (f: 4 | 6) => (f === 4 ? 'ipv4_addr' : 'ipv6_addr');
const to = (p: ServicePortModel, e: EndpointModel) => (p.family === 4 ? `${e.ip}:${e.port}` : `[${e.ip}]:${e.port}`);
const portKey = (ip: string, p: ServicePortModel, port: number) => `${ip} . ${p.protocol} . ${port}`;

export function serviceChainNames(p: ServicePortModel): { svc: string; local: string; ext: string } {
  const h = shortHash(`${p.name}/${p.protocol}/${p.family}`).toLowerCase();
  return { svc: `svc-${h}`, local: `svcl-${h}`, ext: `svcx-${h}` };
}

export const affinitySetName = (p: ServicePortModel, e: EndpointModel) => `aff-${shortHash(`${p.name}/${p.protocol}/${p.family}/${e.ip}/${e.port}`).toLowerCase()}`;

/** The endpoint rules of a balancing chain: affinity hits first, then the random draws. */
function balance(p: ServicePortModel, eps: EndpointModel[], rules: string[], sets: Map<string, number>): void {
  const a = addrKey(p.family);
  const remember = (e: EndpointModel) => {
    if (p.affinitySeconds === undefined) return '';
    const set = affinitySetName(p, e);
    sets.set(set, p.affinitySeconds);
    return ` update @${set} { ${a} saddr }`;
  };
  if (p.affinitySeconds !== undefined) {
    for (const e of eps) rules.push(`${a} saddr @${affinitySetName(p, e)} meta l4proto ${p.protocol}${remember(e)} dnat to ${to(p, e)}`);
  }
  eps.forEach((e, i) => {
    const n = eps.length - i;
    rules.push(`${n === 1 ? '' : `numgen random mod ${n} == 0 `}meta l4proto ${p.protocol}${remember(e)} dnat to ${to(p, e)}`);
  });
}

/** The program of one service's ports (one family). */
export function serviceProgram(node: NodeModel, ports: readonly ServicePortModel[]): NftProgram {
  const out: NftProgram = { chains: new Map(), elements: [], affinitySets: new Map() };
  for (const p of ports) {
    const a = addrKey(p.family);
    const ch = serviceChainNames(p);
    const podCIDR = node.podCIDRs.find((x) => x.includes(':') === (p.family === 6));
    const all = p.endpoints;
    const local = all.filter((e) => e.local);
    const externalIPs = [...p.externalIPs, ...p.loadBalancerIPs];
    const hasExternal = externalIPs.length > 0 || p.nodePort !== undefined;

    for (const e of all) out.elements.push({ set: 'hairpin', key: `${e.ip} . ${e.ip}` });

    // ClusterIP.
    const clusterEps = p.internalLocal ? local : all;
    if (clusterEps.length === 0) out.elements.push({ set: 'no-endpoint-services', key: portKey(p.clusterIP, p, p.port) });
    else out.elements.push({ set: 'service-ips', key: portKey(p.clusterIP, p, p.port), value: `goto ${p.internalLocal ? ch.local : ch.svc}` });
    if (all.length > 0) {
      const rules: string[] = [];
      if (podCIDR) rules.push(`${a} saddr != ${podCIDR} ${a} daddr ${p.clusterIP} meta l4proto ${p.protocol} th dport ${p.port} meta mark set meta mark or ${MASQ_MARK}`);
      balance(p, all, rules, out.affinitySets);
      out.chains.set(ch.svc, rules);
    }
    if (local.length > 0 && (p.internalLocal || (p.externalLocal && hasExternal))) {
      const rules: string[] = [];
      balance(p, local, rules, out.affinitySets);
      out.chains.set(ch.local, rules);
    }

    // External traffic: NodePort, external IPs, load-balancer IPs.
    if (!hasExternal) continue;
    const reachable = p.externalLocal ? local.length > 0 : all.length > 0;
    if (all.length > 0) {
      const rules: string[] = [];
      if (!p.externalLocal) {
        rules.push(`meta mark set meta mark or ${MASQ_MARK} goto ${ch.svc}`);
      } else {
        if (podCIDR) rules.push(`${a} saddr ${podCIDR} goto ${ch.svc}`);
        rules.push(`fib saddr type local meta mark set meta mark or ${MASQ_MARK} goto ${ch.svc}`);
        if (local.length > 0) rules.push(`goto ${ch.local}`);
      }
      out.chains.set(ch.ext, rules);
      for (const ip of externalIPs) out.elements.push({ set: 'service-ips', key: portKey(ip, p, p.port), value: `goto ${ch.ext}` });
      if (p.nodePort !== undefined) out.elements.push({ set: 'service-nodeports', key: `${p.protocol} . ${p.nodePort}`, value: `goto ${ch.ext}` });
    }
    if (!reachable) {
      const none = all.length === 0;
      for (const ip of externalIPs) out.elements.push({ set: none ? 'no-endpoint-services' : 'no-local-services', key: portKey(ip, p, p.port) });
      if (p.nodePort !== undefined) out.elements.push({ set: none ? 'no-endpoint-nodeports' : 'no-local-nodeports', key: `${p.protocol} . ${p.nodePort}` });
    }
  }
  return out;
}

/** The table's fixed objects: sets, maps and base chains (declarations; `add` is idempotent). */
export function baseDeclarations(family: NftFamily, table: string): string[] {
  const f = family === 'ip' ? 4 : 6;
  const t = `${family} ${table}`;
  const addr = addrType(f);
  return [
    `add map ${t} service-ips { type ${addr} . inet_proto . inet_service : verdict ; }`,
    `add map ${t} service-nodeports { type inet_proto . inet_service : verdict ; }`,
    `add set ${t} no-endpoint-services { type ${addr} . inet_proto . inet_service ; }`,
    `add set ${t} no-endpoint-nodeports { type inet_proto . inet_service ; }`,
    `add set ${t} no-local-services { type ${addr} . inet_proto . inet_service ; }`,
    `add set ${t} no-local-nodeports { type inet_proto . inet_service ; }`,
    `add set ${t} hairpin { type ${addr} . ${addr} ; }`,
    `add set ${t} canary { type inet_service ; }`,
    `add chain ${t} services`,
    `add chain ${t} firewall`,
    `add chain ${t} nat-prerouting { type nat hook prerouting priority dstnat ; }`,
    `add chain ${t} nat-output { type nat hook output priority -100 ; }`,
    `add chain ${t} nat-postrouting { type nat hook postrouting priority srcnat ; }`,
    // Before iptables' filter chains (priority 0): Docker's DOCKER-USER accepts pod traffic
    // there, and an accept in another base chain does not end ours, but ours must run.
    `add chain ${t} filter-input { type filter hook input priority -10 ; }`,
    `add chain ${t} filter-forward { type filter hook forward priority -10 ; }`,
    `add chain ${t} filter-output { type filter hook output priority -10 ; }`,
  ];
}

/** The base chains' rules (chain → rules), and the canary element. */
export function baseRules(family: NftFamily): Map<string, string[]> {
  const a = family;
  const reject = (match: string) => [`meta l4proto tcp ${match} reject with tcp reset`, `${match} reject`];
  return new Map([
    ['services', [`${a} daddr . meta l4proto . th dport vmap @service-ips`, 'fib daddr type local meta l4proto . th dport vmap @service-nodeports']],
    ['nat-prerouting', ['jump services']],
    ['nat-output', ['jump services']],
    [
      'nat-postrouting',
      [
        `meta mark & ${MASQ_MARK} == ${MASQ_MARK} meta mark set meta mark xor ${MASQ_MARK} masquerade fully-random`,
        `ct status dnat ${a} saddr . ${a} daddr @hairpin masquerade fully-random`,
      ],
    ],
    [
      'firewall',
      [
        ...reject(`${a} daddr . meta l4proto . th dport @no-endpoint-services`),
        ...reject('fib daddr type local meta l4proto . th dport @no-endpoint-nodeports'),
        `${a} daddr . meta l4proto . th dport @no-local-services drop`,
        'fib daddr type local meta l4proto . th dport @no-local-nodeports drop',
      ],
    ],
    ['filter-input', ['ct state new jump firewall']],
    ['filter-forward', ['ct state new jump firewall']],
    ['filter-output', ['ct state new jump firewall']],
  ]);
}

/** The affinity set's declaration. */
export function affinitySetDeclaration(family: NftFamily, table: string, name: string, seconds: number): string {
  return `add set ${family} ${table} ${name} { type ${addrType(family === 'ip' ? 4 : 6)} ; flags dynamic,timeout ; timeout ${seconds}s ; }`;
}
