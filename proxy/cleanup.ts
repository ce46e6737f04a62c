// `orch proxy --cleanup`: removes this proxy instance's iptables chains and the jumps into
// them (both families, both tables) and its nftables tables (either mode may have run).
// The instance id needs the cluster identity (kube-system's uid): given (--cluster-uid, as `orch down --purge` does once the cluster is stopped) or
// read from the API server. Nobody else's rule is touched.

import type { Client } from '../client/types.js';
import { readClusterUid } from '../client/cluster-identity.js';
import type { HostCommands } from '../foundation/host-commands.js';
import { instanceChains, instanceId } from './rules/names.js';
import { removeInstance } from './sync/kernel-rules.js';
import { removeNftTables } from './nft/nft-backend.js';

export async function cleanupProxy(o: { client: Client; commands: HostCommands; nodeName: string; clusterUid?: string }): Promise<string[]> {
  const uid = o.clusterUid ?? (await readClusterUid(o.client));
  const id = instanceId(uid, o.nodeName);
  return [...(await removeInstance(o.commands, instanceChains(id))), ...(await removeNftTables(o.commands, id))];
}
