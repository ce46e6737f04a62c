// The rules of one service (pure), kube-proxy's iptables design. For each service port:
//
//   bucket of the ClusterIP    -d <clusterIP> -p P --dport <port> → ORCH-SVC (or ORCH-SVCL:
//                              internalTrafficPolicy Local)
//   bucket of each external/LB IP, and the NodePort block
//                              → ORCH-SVCX (external traffic)
//   ORCH-SVC-<id>-<h>          masquerade mark for ClusterIP traffic from outside this
//                              node's pod ranges; ClientIP affinity (-m recent --rcheck);
//                              random jumps: endpoint i of n with probability 1/(n-i)
//   ORCH-SVCL-<id>-<h>         the same over this node's endpoints only
//   ORCH-SVCX-<id>-<h>         Cluster policy: mark, → ORCH-SVC. Local policy: pods and the
//                              node itself → ORCH-SVC (the node masqueraded), anyone
//                              else → ORCH-SVCL, unmasqueraded: the client's address kept
//   ORCH-SEP-<id>-<h>          hairpin mark (an endpoint reaching its own service), DNAT
//   filter                     no endpoint → REJECT (tcp-reset / icmp port unreachable:
//                              "connection refused" at once); Local external traffic
//                              without a local endpoint → DROP
//
// Chain names hash the service port (and the endpoint) with the instance id, so they are
// stable across restarts and never the same for two proxies.

import { shortHash, type InstanceChains } from './names.js';
import type { EndpointModel, NodeModel, ServicePortModel } from './service-model.js';

/** Marks a packet for masquerade (ORCH-MARK-<id>); kube-proxy's 0x4000 is left to kube-proxy. */
export const MASQ_MARK = '0x2000';

/**
 * Rules as iptables-restore text: `-A <chain> …` lines joined by newlines, one string per
 * chain (kept as they are and compared as they are: no copy per sync).
 */
export interface ServiceRules {
  /** The service's own nat chains → their rules. */
  nat: Map<string, string>;
  /** Dispatch rules by bucket chain (ClusterIP, external and LB IPs). */
  buckets: Map<string, string>;
  /** Dispatch rules by NodePort block chain. */
  nodePorts: Map<string, string>;
  /** Rules of the filter chain (REJECT / DROP). */
  filter: string[];
  /** Bucket chain → its dispatch match in the entry chain (-d <prefix>). */
  matches: Map<string, string>;
}

export interface Bucket {
  chain: string;
  /** The dispatch rule's match in the entry chain. */
  match: string;
}

const hostMask = (ip: string) => (ip.includes(':') ? '128' : '32');

/** IPv4: the /24 of the address (hex); IPv6: the /120, hashed to 6 characters. */
export function ipBucket(c: InstanceChains, ip: string): Bucket {
  if (!ip.includes(':')) {
    const o = ip.split('.').map(Number);
    const hex = o.slice(0, 3).map((x) => x.toString(16).padStart(2, '0')).join('');
    return { chain: `${c.services}-${hex}`, match: `-d ${o[0]}.${o[1]}.${o[2]}.0/24` };
  }
  const prefix = expandIPv6(ip).slice(0, 30); // 15 of 16 bytes: the /120
  return { chain: `${c.services}-${shortHash(prefix).slice(0, 6).toLowerCase()}`, match: `-d ${compactIPv6(`${prefix}00`)}/120` };
}

/** NodePorts in blocks of 100 per protocol. */
export function nodePortBlock(c: InstanceChains, protocol: 'tcp' | 'udp', port: number): Bucket {
  const block = Math.floor(port / 100);
  return { chain: `${c.nodePorts}-${protocol[0]}${block}`, match: `-p ${protocol} -m ${protocol} --dport ${block * 100}:${block * 100 + 99}` };
}

function expandIPv6(ip: string): string {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function compactIPv6(hex32: string): string {
  const groups = hex32.match(/.{4}/g)!.map((g) => g.replace(/^0+(?=.)/, ''));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function svcChains(c: InstanceChains, p: ServicePortModel): { svc: string; local: string; ext: string } {
  const h = shortHash(`${c.id}/${p.name}/${p.protocol}/${p.family}`);
  return { svc: `ORCH-SVC-${c.id}-${h}`, local: `ORCH-SVCL-${c.id}-${h}`, ext: `ORCH-SVCX-${c.id}-${h}` };
}

export function sepChain(c: InstanceChains, p: ServicePortModel, e: EndpointModel): string {
  return `ORCH-SEP-${c.id}-${shortHash(`${c.id}/${p.name}/${p.protocol}/${e.ip}/${e.port}`)}`;
}

const dest = (ip: string, p: ServicePortModel, port: number) => `-d ${ip}/${hostMask(ip)} -p ${p.protocol} -m ${p.protocol} --dport ${port}`;
const comment = (text: string) => `-m comment --comment "${text}"`;

/** Random jumps over the endpoints' chains (with affinity checks first), into `chain`. */
function balance(chain: string, p: ServicePortModel, seps: string[], rules: string[]): void {
  if (p.affinitySeconds !== undefined) {
    for (const s of seps) rules.push(`-A ${chain} -m recent --name ${s} --mask ${p.family === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'} --rsource --rcheck --seconds ${p.affinitySeconds} --reap -j ${s}`);
  }
  seps.forEach((s, i) => {
    const n = seps.length - i;
    rules.push(n === 1 ? `-A ${chain} -j ${s}` : `-A ${chain} -m statistic --mode random --probability ${(1 / n).toFixed(10)} -j ${s}`);
  });
}

function sepRules(chain: string, c: InstanceChains, p: ServicePortModel, e: EndpointModel): string[] {
  const to = p.family === 4 ? `${e.ip}:${e.port}` : `[${e.ip}]:${e.port}`;
  const recent = p.affinitySeconds !== undefined ? ` -m recent --name ${chain} --mask ${p.family === 4 ? '255.255.255.255' : 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'} --rsource --set` : '';
  return [`-A ${chain} -s ${e.ip}/${hostMask(e.ip)} -j ${c.mark}`, `-A ${chain} -p ${p.protocol} -m ${p.protocol}${recent} -j DNAT --to-destination ${to}`];
}

/** The rules of one service's ports (one family). */
export function serviceRules(c: InstanceChains, node: NodeModel, ports: readonly ServicePortModel[]): ServiceRules {
  const out: ServiceRules = { nat: new Map(), buckets: new Map(), nodePorts: new Map(), filter: [], matches: new Map() };
  const addTo = (m: Map<string, string>, chain: string, line: string) => m.set(chain, m.has(chain) ? `${m.get(chain)}\n${line}` : line);
  for (const p of ports) {
    const ch = svcChains(c, p);
    const podCIDR = node.podCIDRs.find((x) => x.includes(':') === (p.family === 6));
    const all = p.endpoints;
    const local = all.filter((e) => e.local);
    const seps = new Map(all.map((e) => [e, sepChain(c, p, e)]));
    const sepsOf = (eps: EndpointModel[]) => eps.map((e) => seps.get(e)!);
    const reject = `-j REJECT --reject-with ${p.protocol === 'tcp' ? 'tcp-reset' : p.family === 4 ? 'icmp-port-unreachable' : 'icmp6-port-unreachable'}`;
    const externalDests: { bucket?: Bucket; match: string; what: string }[] = [
      ...p.externalIPs.map((ip) => ({ bucket: ipBucket(c, ip), match: dest(ip, p, p.port), what: 'external IP' })),
      ...p.loadBalancerIPs.map((ip) => ({ bucket: ipBucket(c, ip), match: dest(ip, p, p.port), what: 'loadbalancer IP' })),
      ...(p.nodePort ? [{ bucket: undefined, match: `-m addrtype --dst-type LOCAL -p ${p.protocol} -m ${p.protocol} --dport ${p.nodePort}`, what: 'nodePort' }] : []),
    ];

    // ClusterIP.
    const clusterEps = p.internalLocal ? local : all;
    const cip = ipBucket(c, p.clusterIP);
    if (clusterEps.length === 0) {
      out.filter.push(`-A ${c.filter} ${dest(p.clusterIP, p, p.port)} ${comment(`${p.name} has no endpoints`)} ${reject}`);
    } else {
      addTo(out.buckets, cip.chain, `-A ${cip.chain} ${dest(p.clusterIP, p, p.port)} ${comment(`${p.name} cluster IP`)} -j ${p.internalLocal ? ch.local : ch.svc}`);
      out.matches.set(cip.chain, cip.match);
    }
    if (all.length > 0) {
      const rules: string[] = [];
      if (podCIDR) rules.push(`-A ${ch.svc} ! -s ${podCIDR} ${dest(p.clusterIP, p, p.port)} -j ${c.mark}`);
      balance(ch.svc, p, sepsOf(all), rules);
      out.nat.set(ch.svc, rules.join('\n'));
      for (const e of all) out.nat.set(seps.get(e)!, sepRules(seps.get(e)!, c, p, e).join('\n'));
    }
    if (local.length > 0 && (p.internalLocal || (p.externalLocal && externalDests.length > 0))) {
      const rules: string[] = [];
      balance(ch.local, p, sepsOf(local), rules);
      out.nat.set(ch.local, rules.join('\n'));
    }

    // External traffic: NodePort, external IPs, load-balancer IPs.
    if (externalDests.length === 0) continue;
    const externalReachable = p.externalLocal ? local.length > 0 : all.length > 0;
    if (all.length > 0) {
      const rules: string[] = [];
      if (!p.externalLocal) {
        rules.push(`-A ${ch.ext} -j ${c.mark}`, `-A ${ch.ext} -j ${ch.svc}`);
      } else {
        if (podCIDR) rules.push(`-A ${ch.ext} -s ${podCIDR} ${comment('pod traffic: cluster-wide')} -j ${ch.svc}`);
        rules.push(`-A ${ch.ext} -m addrtype --src-type LOCAL -j ${c.mark}`, `-A ${ch.ext} -m addrtype --src-type LOCAL ${comment('node traffic: cluster-wide')} -j ${ch.svc}`);
        if (local.length > 0) rules.push(`-A ${ch.ext} -j ${ch.local}`);
      }
      out.nat.set(ch.ext, rules.join('\n'));
    }
    for (const d of externalDests) {
      if (all.length > 0) {
        if (d.bucket) {
          addTo(out.buckets, d.bucket.chain, `-A ${d.bucket.chain} ${d.match} ${comment(`${p.name} ${d.what}`)} -j ${ch.ext}`);
          out.matches.set(d.bucket.chain, d.bucket.match);
        } else {
          const b = nodePortBlock(c, p.protocol, p.nodePort!);
          addTo(out.nodePorts, b.chain, `-A ${b.chain} -p ${p.protocol} -m ${p.protocol} --dport ${p.nodePort} ${comment(`${p.name} nodePort`)} -j ${ch.ext}`);
        }
      }
      if (!externalReachable) {
        const why = all.length === 0 ? 'has no endpoints' : 'has no local endpoints';
        out.filter.push(`-A ${c.filter} ${d.match} ${comment(`${p.name} ${d.what} ${why}`)} ${all.length === 0 ? reject : '-j DROP'}`);
      }
    }
  }
  return out;
}

/** The nat chains every instance has besides the services' (mark, masquerade, canary); the canary is in filter too. */
export function baseNatRules(c: InstanceChains): Map<string, string> {
  return new Map([
    [c.mark, `-A ${c.mark} -j MARK --or-mark ${MASQ_MARK}`],
    [
      c.postrouting,
      [
        `-A ${c.postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
        `-A ${c.postrouting} -j MARK --xor-mark ${MASQ_MARK}`,
        `-A ${c.postrouting} ${comment('orch service traffic requiring SNAT')} -j MASQUERADE --random-fully`,
      ].join('\n'),
    ],
    [c.canary, `-A ${c.canary} ${comment('orch proxy canary: gone means flushed')} -j RETURN`],
  ]);
}

