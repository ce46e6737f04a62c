// `orch agent --cleanup-network`: removes what orch's pod network created on this host —
// its routes (proto 184), neighbour and FDB entries, the VXLAN device orch.1, its firewall
// chains and the jumps into them, the service proxies' nftables tables (orch-proxy-*, as
// the proxy's own --cleanup would; matched by name: the agent does not import the proxy),
// and the orch-pods-* Docker networks of this host's nodes
// that no container uses any more (a network still in use is kept and reported). Nothing
// that is not orch's is touched (a foreign rule in DOCKER-USER stays).

import type { ContainerRuntime } from '../runtime/types.js';
import { Firewall } from './firewall.js';
import type { HostCommands } from './host-commands.js';
import { Kernel } from './kernel.js';
import { LABEL_NETWORK_NODE, POD_NETWORK_PREFIX } from './pod-bridge.js';

export interface CleanupResult {
  removed: string[];
  kept: string[];
}

export async function cleanupNetwork(o: {
  commands: HostCommands;
  runtime: ContainerRuntime;
  /** Which nodes' Docker networks may go (default: every orch-pods-* network of this engine). */
  nodeFilter?: (nodeName: string) => boolean;
}): Promise<CleanupResult> {
  const kernel = new Kernel(o.commands);
  const removed: string[] = [];
  const kept: string[] = [];
  const entries = await kernel.readOwned();
  await kernel.removeOwned();
  removed.push(...entries.routes.map((r) => `route ${r.dst} via ${r.via} dev ${r.dev}`));
  removed.push(...entries.neighbors.map((n) => `neighbour ${n.ip} lladdr ${n.mac} dev ${n.dev}`));
  removed.push(...entries.fdb.map((f) => `fdb ${f.mac} dst ${f.dst} dev ${f.dev}`));
  if (await kernel.removeVxlan()) removed.push('device orch.1');
  const firewall = await new Firewall(o.commands).remove();
  removed.push(...firewall.removed);
  removed.push(...(await removeProxyTables(o.commands)));
  kept.push(...firewall.kept);
  for (const n of await o.runtime.listNetworks({})) {
    const node = n.labels[LABEL_NETWORK_NODE];
    if (!node || !n.name.startsWith(POD_NETWORK_PREFIX) || !(o.nodeFilter?.(node) ?? true)) continue;
    if (n.containers > 0) {
      kept.push(`Docker network ${n.name}: ${n.containers} container(s) still attached`);
      continue;
    }
    await o.runtime.removeNetwork(n.name);
    removed.push(`Docker network ${n.name}`);
  }
  return { removed, kept };
}

/** Every `orch-proxy-<id>` nftables table (`orch proxy --proxy-mode nftables`); none without nft. */
async function removeProxyTables(commands: HostCommands): Promise<string[]> {
  let listing: string;
  try {
    listing = await commands.run('nft', ['list', 'tables']);
  } catch {
    return []; // no nft on this host: no nftables tables of orch either
  }
  const removed: string[] = [];
  for (const m of listing.matchAll(/^table (ip6?) (orch-proxy-[0-9a-f]{6})$/gm)) {
    await commands.run('nft', ['delete', 'table', m[1]!, m[2]!]);
    removed.push(`nft table ${m[1]} ${m[2]}`);
  }
  return removed;
}
