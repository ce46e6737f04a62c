// The node's kernel side of the pod network: the VXLAN device, its tunnel addresses, and
// the routes / neighbours / FDB entries planned by route-plan.ts. Reads what is there,
// writes the difference with `ip -batch` / `bridge -batch` (one process however many
// nodes), and touches only orch's own entries (routes marked with ROUTE_PROTO, entries
// on orch's device) — and, given the cluster's CIDRs as its scope, only those of its own
// cluster: another cluster sharing this host (and orch.1) keeps its entries.

import { cidrContains, cidrsOverlap, parseCidr, parseIp } from '../../api/net/cidr.js';
import type { HostCommands } from './host-commands.js';
import { afterDiff, diffKernel, isEmptyDiff, ROUTE_PROTO, VXLAN_DEVICE, type FdbEntry, type KernelDiff, type KernelPlan, type Neighbor, type Route } from './route-plan.js';

export interface VxlanSpec {
  vni: number;
  port: number;
  localIP: string;
  uplink: string;
  mac: string;
  /** The tunnel addresses to hold: one per pod range (its network address). */
  addresses: string[];
  /** Other addresses are removed only inside these (the cluster CIDRs); undefined: every one. */
  scope?: string[];
}

interface LinkInfo {
  ifname: string;
  address?: string;
  mtu?: number;
  flags?: string[];
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number; link?: string; learning?: boolean } };
}

interface RouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  flags?: string[];
}

const json = <T>(text: string): T[] => (text.trim() ? (JSON.parse(text) as T[]) : []);

/** The cluster CIDRs an agent may change entries in; undefined: every one of orch's (cleanup). */
export type Scope = string[] | undefined;

/** Whether an address or a range lies in the scope. */
export function inScope(scope: Scope, addressOrCidr: string): boolean {
  if (!scope) return true;
  const cidrs = scope.flatMap((c) => {
    const r = parseCidr(c);
    return r.ok ? [r.cidr] : [];
  });
  if (addressOrCidr.includes('/')) {
    const r = parseCidr(addressOrCidr);
    return r.ok && cidrs.some((c) => c.family === r.cidr.family && cidrsOverlap(c, r.cidr));
  }
  const ip = parseIp(addressOrCidr);
  return !!ip && cidrs.some((c) => c.family === ip.family && cidrContains(c, ip));
}

/**
 * Narrows what the kernel holds to one cluster's entries: routes and neighbours inside its
 * CIDRs, and FDB entries except those of a VTEP MAC another cluster's neighbours use too
 * (the same host has the same MAC in every cluster: such an entry is shared, and stays).
 */
export function scoped(have: Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'>, scope: Scope): Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'> {
  if (!scope) return have;
  const foreignMacs = new Set(have.neighbors.filter((n) => !inScope(scope, n.ip)).map((n) => n.mac.toLowerCase()));
  return {
    routes: have.routes.filter((r) => inScope(scope, r.dst)),
    neighbors: have.neighbors.filter((n) => inScope(scope, n.ip)),
    fdb: have.fdb.filter((f) => !foreignMacs.has(f.mac.toLowerCase())),
  };
}
const hostPrefix = (ip: string) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`);

type OwnedEntries = Pick<KernelPlan, 'routes' | 'neighbors' | 'fdb'>;

export class Kernel {
  /** orch's entries as last listed, with what was written since (undefined: list again). */
  private known: OwnedEntries | undefined;

  constructor(private readonly cmd: HostCommands) {}

  /** The device that holds `ip` and its MTU (the uplink of the node IP). */
  async uplinkOf(ip: string): Promise<{ name: string; mtu: number }> {
    const addrs = json<{ ifname: string; mtu: number; addr_info?: Array<{ local: string }> }>(await this.cmd.run('ip', ['-j', 'addr', 'show']));
    const dev = addrs.find((a) => a.addr_info?.some((i) => i.local === ip));
    if (!dev) throw new Error(`no interface holds the node IP ${ip} (set --node-ip to an address of this host)`);
    return { name: dev.ifname, mtu: dev.mtu };
  }

  /** Creates or repairs orch.1; recreated when its VNI, port or local address differ. */
  async ensureVxlan(spec: VxlanSpec): Promise<{ created: boolean; mtu: number }> {
    let link = await this.link(VXLAN_DEVICE);
    const d = link?.linkinfo?.info_data;
    const matches = link?.linkinfo?.info_kind === 'vxlan' && d?.id === spec.vni && d?.local === spec.localIP && d?.port === spec.port && d?.link === spec.uplink && d?.learning === false;
    let created = false;
    if (link && !matches) {
      await this.cmd.run('ip', ['link', 'del', VXLAN_DEVICE]);
      link = undefined;
    }
    if (!link) {
      await this.cmd.run('ip', ['link', 'add', VXLAN_DEVICE, 'type', 'vxlan', 'id', String(spec.vni), 'local', spec.localIP, 'dev', spec.uplink, 'dstport', String(spec.port), 'nolearning']);
      created = true;
      link = await this.link(VXLAN_DEVICE);
    }
    if (link?.address?.toLowerCase() !== spec.mac.toLowerCase()) await this.cmd.run('ip', ['link', 'set', VXLAN_DEVICE, 'address', spec.mac]);
    if (!link?.flags?.includes('UP')) await this.cmd.run('ip', ['link', 'set', VXLAN_DEVICE, 'up']);
    const have = json<{ addr_info?: Array<{ local: string; prefixlen: number }> }>(await this.cmd.run('ip', ['-j', 'addr', 'show', 'dev', VXLAN_DEVICE]))
      .flatMap((a) => a.addr_info ?? [])
      .map((a) => `${a.local}/${a.prefixlen}`);
    for (const a of spec.addresses.map(hostPrefix)) if (!have.includes(a)) await this.cmd.run('ip', ['addr', 'add', a, 'dev', VXLAN_DEVICE]);
    // Addresses of an earlier range (the node got another one) would attract its traffic.
    for (const a of have) if (!a.startsWith('fe80:') && inScope(spec.scope, a.split('/')[0]!) && !spec.addresses.map(hostPrefix).includes(a)) await this.cmd.run('ip', ['addr', 'del', a, 'dev', VXLAN_DEVICE]);
    return { created, mtu: link?.mtu ?? 0 };
  }

  /** Turns hairpin mode on for every port of `bridge` that lacks it; returns the ports changed. */
  async ensureHairpin(bridge: string): Promise<string[]> {
    const ports = json<{ ifname: string; master?: string; hairpin?: boolean }>(await this.cmd.run('bridge', ['-j', '-d', 'link', 'show']));
    const off = ports.filter((p) => p.master === bridge && p.hairpin === false).map((p) => p.ifname.split('@')[0]!);
    if (off.length === 0) return off;
    // One process for all of them (30 pods starting at once: one exec, not 30, beside
    // dockerd's own work). -force goes on past a port that went away between the listing
    // and the change (its container stopped); the exit status then says so, and is ignored.
    await this.cmd.run('bridge', ['-force', '-batch', '-'], off.map((dev) => `link set dev ${dev} hairpin on\n`).join('')).catch(() => undefined);
    return off;
  }

  async removeVxlan(): Promise<boolean> {
    if (!(await this.link(VXLAN_DEVICE))) return false;
    await this.cmd.run('ip', ['link', 'del', VXLAN_DEVICE]);
    return true;
  }

  private async link(name: string): Promise<LinkInfo | undefined> {
    try {
      return json<LinkInfo>(await this.cmd.run('ip', ['-j', '-d', 'link', 'show', 'dev', name]))[0];
    } catch {
      return undefined; // "Device does not exist"
    }
  }

  /** orch's entries as the kernel holds them now. */
  async readOwned(): Promise<OwnedEntries> {
    const routes: Route[] = [];
    for (const family of ['-4', '-6']) {
      for (const r of json<RouteJson>(await this.cmd.run('ip', ['-j', family, 'route', 'show', 'proto', String(ROUTE_PROTO)]))) {
        if (r.gateway && r.dev) routes.push({ dst: r.dst, via: r.gateway, dev: r.dev, onlink: r.flags?.includes('onlink') ?? false });
      }
    }
    const hasDevice = !!(await this.link(VXLAN_DEVICE));
    const neighbors: Neighbor[] = hasDevice
      ? json<{ dst: string; lladdr?: string; state?: string[] }>(await this.cmd.run('ip', ['-j', 'neigh', 'show', 'dev', VXLAN_DEVICE, 'nud', 'permanent']))
          .filter((n) => n.lladdr)
          .map((n) => ({ ip: n.dst, mac: n.lladdr!, dev: VXLAN_DEVICE }))
      : [];
    const fdb: FdbEntry[] = hasDevice
      ? json<{ mac: string; dst?: string }>(await this.cmd.run('bridge', ['-j', 'fdb', 'show', 'dev', VXLAN_DEVICE]))
          .filter((f) => f.dst && f.mac !== '00:00:00:00:00:00')
          .map((f) => ({ mac: f.mac, dst: f.dst!, dev: VXLAN_DEVICE }))
      : [];
    this.known = { routes, neighbors, fdb };
    return this.known;
  }

  /**
   * Makes the kernel match the plan within the scope (the cluster's CIDRs); returns what it
   * changed. `fromLastRead`: diff against the entries as last listed plus what orch wrote
   * since, without listing them again (the light pass; an entry changed by hand meanwhile
   * is found by the next full pass).
   */
  async apply(plan: KernelPlan, scope?: Scope, fromLastRead = false): Promise<KernelDiff> {
    const all = (fromLastRead && this.known) || (await this.readOwned());
    const d = diffKernel(plan, scoped(all, scope));
    // A shared FDB entry is left out of the scope but is there: not added twice.
    d.addFdb = d.addFdb.filter((f) => !all.fdb.some((h) => h.mac.toLowerCase() === f.mac.toLowerCase() && h.dst === f.dst && h.dev === f.dev));
    if (isEmptyDiff(d)) return d;
    const ipLines = [
      ...d.delRoutes.map((r) => `route del ${r.dst} via ${r.via} dev ${r.dev} proto ${ROUTE_PROTO}`),
      ...d.delNeighbors.map((n) => `neigh del ${n.ip} dev ${n.dev}`),
      ...d.addNeighbors.map((n) => `neigh replace ${n.ip} lladdr ${n.mac} dev ${n.dev} nud permanent`),
      // replace: a route to that range left by something else is taken over, not an error.
      ...d.addRoutes.map((r) => `route replace ${r.dst} via ${r.via} dev ${r.dev}${r.onlink ? ' onlink' : ''} proto ${ROUTE_PROTO}`),
    ];
    const bridgeLines = [...d.delFdb.map((f) => `fdb del ${f.mac} dev ${f.dev} dst ${f.dst}`), ...d.addFdb.map((f) => `fdb append ${f.mac} dev ${f.dev} dst ${f.dst}`)];
    // FDB first on additions: a neighbour entry must not point at a MAC the device cannot reach yet.
    // Unknown after a failed batch (-force goes on past a bad line): the next apply lists again.
    this.known = undefined;
    if (bridgeLines.length) await this.cmd.run('bridge', ['-force', '-batch', '-'], bridgeLines.join('\n') + '\n');
    if (ipLines.length) await this.cmd.run('ip', ['-force', '-batch', '-'], ipLines.join('\n') + '\n');
    this.known = afterDiff(all, d);
    return d;
  }

  /** Removes every route, neighbour and FDB entry orch wrote (cleanup). */
  async removeOwned(): Promise<number> {
    const d = await this.apply({ routes: [], neighbors: [], fdb: [], skipped: [] });
    return d.delRoutes.length + d.delNeighbors.length + d.delFdb.length;
  }
}
