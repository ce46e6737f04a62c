// `orch proxy --cleanup`: removes this proxy instance's chains and the jumps into them
// (both families, both tables). The instance id needs the cluster identity (kube-system's
// uid): given (--cluster-uid, as `orch down --purge` does once the cluster is stopped) or
// read from the API server. Nobody else's rule is touched.

import type { Client } from '../client/types.js';
import { readClusterUid } from '../client/cluster-identity.js';
import type { HostCommands } from '../foundation/host-commands.js';
import { instanceChains, instanceId } from './rules/names.js';
import { removeInstance } from './sync/kernel-rules.js';

export async function cleanupProxy(o: { client: Client; commands: HostCommands; nodeName: string; clusterUid?: string }): Promise<string[]> {
  const uid = o.clusterUid ?? (await readClusterUid(o.client));
  return removeInstance(o.commands, instanceChains(instanceId(uid, o.nodeName)));
}
