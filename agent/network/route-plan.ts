// What the kernel of one node must hold so that its pods reach every other node's pods,
// computed from the Node objects (pure; kernel.ts reads and writes the real tables).
//
// VXLAN (default, as flannel's vxlan backend): one device `orch.1` per host carrying
// the node's tunnel address (the network address of its pod range, /32 or /128), and
// for every other node one route ("that node's pod range via its tunnel address, on
// the device, onlink"), one permanent neighbour entry (tunnel address → the other
// VTEP's MAC) and one permanent FDB entry (that MAC → the other node's IP). No
// learning, no multicast: the control plane writes every entry.
// host-gw: for every other node one route "its pod range via its node IP" on the
// uplink; only works when the hosts share an L2 segment.
//
// Nodes that share this host's IP (several agents on one Docker engine, as `orch up
// --nodes 3` runs them) need nothing: their bridges are on this very kernel.

import crypto from 'node:crypto';
import { mustParseCidr, nthAddress, parseIp } from '../../api/net/cidr.js';

export type Backend = 'vxlan' | 'host-gw';

export const VXLAN_DEVICE = 'orch.1';
/** Marks the routes orch writes (`ip route ... proto 184`), so it only ever removes its own. */
export const ROUTE_PROTO = 184;

export interface NetworkPeer {
  name: string;
  /** The pod ranges of the node (spec.podCIDRs). */
  podCIDRs: string[];
  /** The address other nodes tunnel to / route via (the node's published public IP). */
  nodeIP: string;
  /** The node's VTEP MAC (vxlan), from its annotation. */
  vtepMac?: string;
}

export interface Route {
  dst: string;
  via: string;
  dev: string;
  onlink: boolean;
}

export interface Neighbor {
  ip: string;
  mac: string;
  dev: string;
}

export interface FdbEntry {
  mac: string;
  dst: string;
  dev: string;
}

export interface KernelPlan {
  routes: Route[];
  neighbors: Neighbor[];
  fdb: FdbEntry[];
  /** Peers that could not be programmed yet, with why (e.g. no VTEP MAC published yet). */
  skipped: Array<{ node: string; reason: string }>;
}

/** The tunnel address of a pod range: its network address (flannel uses the same). */
export function tunnelAddress(podCIDR: string): string {
  return nthAddress(mustParseCidr(podCIDR), 0);
}

export function planRoutes(self: { name: string; nodeIP: string; backend: Backend; uplink: string }, peers: NetworkPeer[]): KernelPlan {
  const plan: KernelPlan = { routes: [], neighbors: [], fdb: [], skipped: [] };
  for (const p of [...peers].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (p.name === self.name || p.podCIDRs.length === 0) continue;
    if (p.nodeIP === self.nodeIP) continue;
    if (self.backend === 'host-gw') {
      for (const c of p.podCIDRs) {
        // An IPv6 range cannot be routed via an IPv4 node address (and the reverse).
        if (c.includes(':') !== p.nodeIP.includes(':')) {
          plan.skipped.push({ node: p.name, reason: `host-gw cannot route ${c} via ${p.nodeIP} (another IP family)` });
          continue;
        }
        plan.routes.push({ dst: c, via: p.nodeIP, dev: self.uplink, onlink: false });
      }
      continue;
    }
    if (!p.vtepMac) {
      plan.skipped.push({ node: p.name, reason: 'its VTEP MAC is not published yet' });
      continue;
    }
    for (const c of p.podCIDRs) {
      const via = tunnelAddress(c);
      plan.routes.push({ dst: c, via, dev: VXLAN_DEVICE, onlink: true });
      plan.neighbors.push({ ip: via, mac: p.vtepMac, dev: VXLAN_DEVICE });
    }
    plan.fdb.push({ mac: p.vtepMac, dst: p.nodeIP, dev: VXLAN_DEVICE });
  }
  return plan;
}

export interface KernelDiff {
  addRoutes: Route[];
  delRoutes: Route[];
  addNeighbors: Neighbor[];
  delNeighbors: Neighbor[];
  addFdb: FdbEntry[];
  delFdb: FdbEntry[];
}

const routeKey = (r: Route) => `${r.dst}|${r.via}|${r.dev}`;
const neighKey = (n: Neighbor) => `${n.ip}|${n.mac.toLowerCase()}|${n.dev}`;
const fdbKey = (f: FdbEntry) => `${f.mac.toLowerCase()}|${f.dst}|${f.dev}`;

function diff<T>(want: T[], have: T[], key: (t: T) => string): { add: T[]; del: T[] } {
  const w = new Map(want.map((t) => [key(t), t]));
  const h = new Map(have.map((t) => [key(t), t]));
  return { add: [...w].filter(([k]) => !h.has(k)).map(([, t]) => t), del: [...h].filter(([k]) => !w.has(k)).map(([, t]) => t) };
}

/**
 * What to change, given what the kernel shows of orch's own entries (routes with
 * ROUTE_PROTO, permanent neighbours and FDB entries with a destination on the VXLAN
 * device). Removals come first when applied: a route to a range that moved to another
 * node must go before the new one is added.
 */
export function diffKernel(want: KernelPlan, have: Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'>): KernelDiff {
  const r = diff(want.routes, have.routes, routeKey);
  const n = diff(want.neighbors, have.neighbors, neighKey);
  const f = diff(want.fdb, have.fdb, fdbKey);
  return { addRoutes: r.add, delRoutes: r.del, addNeighbors: n.add, delNeighbors: n.del, addFdb: f.add, delFdb: f.del };
}

/** The state after a diff was written into `have` (the light pass keeps it instead of listing the kernel again). */
export function afterDiff(have: Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'>, d: KernelDiff): Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'> {
  const apply = <T>(list: T[], del: T[], add: T[], key: (t: T) => string): T[] => {
    const gone = new Set([...del, ...add].map(key));
    return [...list.filter((t) => !gone.has(key(t))), ...add];
  };
  return {
    routes: apply(have.routes, d.delRoutes, d.addRoutes, routeKey),
    neighbors: apply(have.neighbors, d.delNeighbors, d.addNeighbors, neighKey),
    fdb: apply(have.fdb, d.delFdb, d.addFdb, fdbKey),
  };
}

export function isEmptyDiff(d: KernelDiff): boolean {
  return Object.values(d).every((l) => (l as unknown[]).length === 0);
}

/**
 * A VTEP MAC that stays the same across restarts and reboots (locally administered,
 * unicast), derived from the tunnel endpoint's IP: peers keep valid entries while an
 * agent restarts, and several agents sharing one host agree on their shared device. An
 * IPv4 endpoint is embedded whole (unique per host); an IPv6 one is hashed.
 */
export function vtepMacFor(nodeIP: string): string {
  const ip = parseIp(nodeIP);
  if (!ip) throw new Error(`not an IP address: ${nodeIP}`);
  const tail = ip.family === 4 ? ip.value : BigInt('0x' + crypto.createHash('sha256').update(nodeIP).digest('hex').slice(0, 8));
  const bytes = [0x0e, 0x6f, ...[24n, 16n, 8n, 0n].map((s) => Number((tail >> s) & 0xffn))];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
