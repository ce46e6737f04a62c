// The routes, neighbours and FDB entries towards the other nodes (step 7 of
// node-network.ts), written in two ways:
//
//   full   part of the node's whole pass: lists orch's entries in the kernel and writes the
//          difference (an entry deleted by hand comes back at the next recheck);
//   light  when only other nodes changed (a node joined, got its range, published its VTEP
//          MAC, left): the difference against the entries as the last pass saw them plus
//          what was written since — no listing, one `bridge -batch` and one `ip -batch`.
//
// Why the light pass exists: every Node change of any node used to run the whole pass on
// every other node (uplink, Docker network, sysctls, firewall, VXLAN device, hairpin ports:
// about a dozen processes). bench/network (d) measured ~400 ms of CPU per peer per node
// join on the 4-node harness, much of it while the new node started its first pod on the
// same two cores. The light pass needs the context of a full pass that reached this step
// (uplink, scope, the VXLAN addresses of agents sharing this host); without it, or when
// agents sharing this host changed ranges (their tunnel addresses live on our device), it
// asks for the full pass.

import type { Kernel, Scope } from './kernel.js';
import { planRoutes, type Backend, type KernelDiff, type KernelPlan, type NetworkPeer } from './route-plan.js';

export interface RouteContext {
  name: string;
  nodeIP: string;
  backend: Backend;
  uplink: string;
  scope: Scope;
}

export interface RoutesWritten {
  plan: KernelPlan;
  diff: KernelDiff;
}

/** The ranges of the other agents on this host (their tunnel addresses sit on our orch.1). */
function sameHostKey(self: Pick<RouteContext, 'name' | 'nodeIP'>, peers: NetworkPeer[]): string {
  return JSON.stringify(peers.filter((p) => p.nodeIP === self.nodeIP && p.name !== self.name).flatMap((p) => p.podCIDRs).sort());
}

export class PeerRoutes {
  private last: { ctx: RouteContext; sameHost: string } | undefined;

  constructor(private readonly kernel: Kernel) {}

  /** A full pass started: until it reaches this step again, light passes defer to it. */
  forget(): void {
    this.last = undefined;
  }

  /** The full pass's step: lists the kernel's entries and writes the difference. */
  async full(ctx: RouteContext, peers: NetworkPeer[]): Promise<RoutesWritten> {
    const plan = planRoutes(ctx, peers);
    const diff = await this.kernel.apply(plan, ctx.scope);
    this.last = { ctx, sameHost: sameHostKey(ctx, peers) };
    return { plan, diff };
  }

  /** The light pass; undefined when only a full pass can do it (see the header). */
  async light(peers: NetworkPeer[]): Promise<RoutesWritten | undefined> {
    const last = this.last;
    if (!last || (last.ctx.backend === 'vxlan' && sameHostKey(last.ctx, peers) !== last.sameHost)) return undefined;
    const plan = planRoutes(last.ctx, peers);
    try {
      return { plan, diff: await this.kernel.apply(plan, last.ctx.scope, true) };
    } catch (err) {
      this.last = undefined;
      throw err;
    }
  }
}
