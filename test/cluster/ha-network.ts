// The HA control plane's etcd members on the harness network: each member runs in a
// namespace of its own (`orch-eM`, 10.250.0.2M) joined to the bridge like a host, so one
// member can be partitioned from the others and from the apiservers by taking the bridge
// side of its veth down — the same cut the hosts get (network.ts), without cutting an
// agent too. Members listen on the standard ports (2379 clients, 2380 peers, 2381 plain
// /health and /metrics): each namespace has its own port space, so nothing collides with
// other etcds on the machine.

import fs from 'node:fs';
import { BRIDGE, LINK_MTU, NET_NS } from './network.js';
import { exec, run } from './sh.js';

export const ETCD_MEMBERS = 3;
/** The most members cleanup looks for. */
const MAX_MEMBERS = 5;

export const etcdNsName = (m: number): string => `orch-e${m}`;
export const etcdNsPath = (m: number): string => `/var/run/netns/${etcdNsName(m)}`;
export const etcdIP = (m: number): string => `10.250.0.${20 + m}`;
export const etcdClientURL = (m: number, tls = false): string => `${tls ? 'https' : 'http'}://${etcdIP(m)}:2379`;
export const etcdPeerURL = (m: number): string => `http://${etcdIP(m)}:2380`;
export const etcdMemberName = (m: number): string => `e${m}`;
const vethBridge = (m: number): string => `orchve${m}`;

export async function createEtcdMemberNetwork(m: number): Promise<void> {
  const ns = etcdNsName(m);
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['-n', NET_NS, 'link', 'add', vethBridge(m), 'mtu', String(LINK_MTU), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(m), 'master', BRIDGE, 'up']);
  await run('ip', ['-n', ns, 'addr', 'add', `${etcdIP(m)}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
}

/** Partitions member m from everything (its peers and the apiservers). */
export async function cutEtcdMember(m: number): Promise<void> {
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(m), 'down']);
}

export async function healEtcdMember(m: number): Promise<void> {
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(m), 'up']);
}

/** Removes the members' namespaces (their veths go with them). Idempotent. */
export async function removeEtcdMemberNetworks(): Promise<void> {
  for (let m = 1; m <= MAX_MEMBERS; m++) {
    if (fs.existsSync(etcdNsPath(m))) await exec('ip', ['netns', 'del', etcdNsName(m)]);
  }
}
