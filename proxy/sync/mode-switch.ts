// A node's proxy switched between --proxy-mode iptables and nftables keeps no rules of the
// mode it left: both would see every packet (iptables' nat table and the nftables table
// hook the same points), and stale DNATs of the old mode would win half the time. So
// before its first sync a proxy removes this instance's rules of the other mode, as
// kube-proxy does on start. Both removals already pass over a host without the other
// mode's tool (removeInstance skips a family whose tables are not there; removeNftTables
// a host without nft).

import type { HostCommands } from '../../foundation/host-commands.js';
import type { Logger } from '../../foundation/logger.js';
import { removeNftTables } from '../nft/nft-backend.js';
import { instanceChains } from '../rules/names.js';
import type { ProxyMode } from './backend.js';
import { removeInstance } from './kernel-rules.js';

export async function removeOtherMode(mode: ProxyMode, commands: HostCommands, instanceId: string, log: Logger): Promise<void> {
  try {
    const removed = mode === 'nftables' ? await removeInstance(commands, instanceChains(instanceId)) : await removeNftTables(commands, instanceId);
    if (removed.length > 0) log.info({ removed, mode }, `removed this proxy's rules of the other mode (now ${mode})`);
  } catch (err) {
    log.warn({ err, mode }, "could not remove this proxy's rules of the other mode; remove them with `orch proxy --cleanup`");
  }
}
