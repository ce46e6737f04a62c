// The node's Docker bridge network: one per node, named `orch-pods-<node>`, carrying the
// node's pod ranges, so Docker's IPAM hands out the pod IPs and plugs the sandboxes into a
// Linux bridge whose gateway address is the first of the range. Docker's masquerade is
// off for it (orch's ORCH-POSTROUTING masquerades pod → outside only, so the receiver of
// pod → pod traffic sees the sender's pod IP), and the MTU leaves room for the VXLAN
// header. The Linux bridge gets a short stable name (interface names stop at 15 bytes).

import crypto from 'node:crypto';
import { cidrsOverlap, mustParseCidr, nthAddress, parseCidr } from '../../api/net/cidr.js';
import type { ContainerRuntime, NetworkInfo, NetworkSpec } from '../runtime/types.js';
import type { Backend } from './route-plan.js';

export const POD_NETWORK_PREFIX = 'orch-pods-';
/** Label on the network: which node it belongs to (cleanup finds them by it). */
export const LABEL_NETWORK_NODE = 'orch.io/node';
/** Outer IPv4 + UDP + VXLAN + inner Ethernet headers. */
export const VXLAN_OVERHEAD = 50;

export const OPT_BRIDGE_NAME = 'com.docker.network.bridge.name';
export const OPT_MASQUERADE = 'com.docker.network.bridge.enable_ip_masquerade';
export const OPT_MTU = 'com.docker.network.driver.mtu';

export function podNetworkName(nodeName: string): string {
  return `${POD_NETWORK_PREFIX}${nodeName}`;
}

export function bridgeNameFor(nodeName: string): string {
  return `orch${crypto.createHash('sha1').update(nodeName).digest('hex').slice(0, 8)}`;
}

export function podMtu(backend: Backend, uplinkMtu: number): number {
  return backend === 'vxlan' ? uplinkMtu - VXLAN_OVERHEAD : uplinkMtu;
}

export function podBridgeSpec(nodeName: string, podCIDRs: string[], mtu: number): NetworkSpec {
  return {
    name: podNetworkName(nodeName),
    labels: { [LABEL_NETWORK_NODE]: nodeName },
    subnets: podCIDRs.map((c) => ({ subnet: c, gateway: nthAddress(mustParseCidr(c), 1) })),
    ipv6: podCIDRs.some((c) => c.includes(':')),
    options: { [OPT_BRIDGE_NAME]: bridgeNameFor(nodeName), [OPT_MASQUERADE]: 'false', [OPT_MTU]: String(mtu) },
  };
}

export type BridgeDecision =
  | { action: 'create' }
  | { action: 'keep'; note?: string }
  | { action: 'recreate'; why: string }
  | { action: 'conflict'; why: string };

const subnetsOf = (s: Pick<NetworkSpec, 'subnets'>) => s.subnets.map((x) => x.subnet).sort().join(',');

/**
 * What to do with the network found under the node's name. Only a wrong subnet is worth
 * recreating (pods would get addresses nobody routes to), and only while no container
 * uses it: running pods keep their addresses, so an existing network is otherwise reused
 * as it is (an agent restart changes nothing for them). A differing MTU or option is
 * reported, not fixed: Docker cannot change a network's options in place.
 */
export function decideBridge(have: NetworkInfo | undefined, want: NetworkSpec): BridgeDecision {
  if (!have) return { action: 'create' };
  if (subnetsOf(have) !== subnetsOf(want)) {
    const why = `Docker network ${want.name} has subnet ${subnetsOf(have) || 'none'}, the node's pod range is ${subnetsOf(want)}`;
    if (have.containers > 0) return { action: 'conflict', why: `${why}, and ${have.containers} container(s) still use it: remove them (or the network) to let orch recreate it` };
    return { action: 'recreate', why };
  }
  const differs = Object.entries(want.options).filter(([k, v]) => have.options[k] !== v).map(([k, v]) => `${k}=${have.options[k] ?? '(unset)'} (want ${v})`);
  return differs.length ? { action: 'keep', note: `Docker network ${want.name} kept with ${differs.join(', ')}; remove it while no pod runs to recreate it` } : { action: 'keep' };
}

/**
 * Other nodes' orch-pods-* networks on this engine whose subnets overlap `want` and that
 * no container uses while `isStale` says their node no longer owns that range: left over
 * by an earlier cluster (`rm -rf` of its state, a node renamed or gone). Docker refuses
 * two bridge networks with overlapping subnets, so such a leftover would keep this node's
 * pods from ever starting. A network still in use, or whose node still owns the range, is
 * never chosen.
 */
export function staleOverlapping(networks: NetworkInfo[], want: NetworkSpec, isStale: (node: string, subnets: string[]) => boolean): NetworkInfo[] {
  const wanted = want.subnets.map((s) => mustParseCidr(s.subnet));
  return networks.filter((n) => {
    const node = n.labels[LABEL_NETWORK_NODE];
    if (!node || n.name === want.name || !n.name.startsWith(POD_NETWORK_PREFIX) || n.containers > 0) return false;
    const subnets = n.subnets.map((x) => x.subnet);
    const overlaps = subnets.some((x) => {
      const c = parseCidr(x);
      return c.ok && wanted.some((w) => w.family === c.cidr.family && cidrsOverlap(w, c.cidr));
    });
    return overlaps && isStale(node, subnets);
  });
}

export interface EnsureOptions {
  /** Whether a node's network with these subnets is a leftover (see staleOverlapping); default: never. */
  isStale?: (node: string, subnets: string[]) => boolean;
  /** Told about every leftover network removed. */
  onStaleRemoved?: (network: NetworkInfo) => void;
}

/** Makes sure the network exists with the right subnets; returns the decision taken (a conflict is left as it is). */
export async function ensurePodBridge(runtime: ContainerRuntime, want: NetworkSpec, opts: EnsureOptions = {}): Promise<BridgeDecision> {
  const d = decideBridge(await runtime.inspectNetwork(want.name), want);
  if (d.action === 'recreate') await runtime.removeNetwork(want.name);
  if (d.action === 'create' || d.action === 'recreate') {
    if (opts.isStale) {
      for (const n of staleOverlapping(await runtime.listNetworks({}), want, opts.isStale)) {
        await runtime.removeNetwork(n.name);
        opts.onStaleRemoved?.(n);
      }
    }
    await runtime.createNetwork(want);
  }
  return d;
}
