// `orch proxy --cleanup`: removes this proxy instance's chains and the jumps into them
// (both families, both tables). The instance id needs the cluster identity (kube-system's
// uid), so the API server must answer. Nobody else's rule is touched.

import type { Client } from '../client/types.js';
import type { HostCommands } from '../foundation/host-commands.js';
import { instanceChains, instanceId } from './rules/names.js';
import { removeInstance } from './sync/kernel-rules.js';

export async function cleanupProxy(o: { client: Client; commands: HostCommands; nodeName: string }): Promise<string[]> {
  const ns = await o.client.namespaces.get('kube-system');
  if (!ns.metadata.uid) throw new Error('kube-system has no uid: cannot tell which rules are this proxy\'s');
  return removeInstance(o.commands, instanceChains(instanceId(ns.metadata.uid, o.nodeName)));
}
