// The cluster's network: one Linux bridge in the root namespace (the control plane
// listens on its address) and, per host, a network namespace joined to the bridge by a
// veth pair. Names are fixed so a later run can find and remove what a crashed run left.
//
// Cutting a host = taking the root side of its veth down: the host cannot reach the
// apiserver (nor anyone), while its dockerd and containers keep running inside the
// namespace, which is what a real partition looks like to the node.

import fs from 'node:fs';
import { exec, run } from './sh.js';

export const BRIDGE = 'orchbr0';
export const BRIDGE_IP = '10.250.0.1';
const PREFIX = 24;
/** The most hosts a run may ask for; cleanup looks for this many leftovers. */
export const MAX_HOSTS = 9;

export const netnsName = (i: number): string => `orch-h${i}`;
export const hostIP = (i: number): string => `10.250.0.${10 + i}`;
const vethRoot = (i: number): string => `orchv${i}`;
const vethPeer = (i: number): string => `orchv${i}p`;
export const netnsPath = (i: number): string => `/var/run/netns/${netnsName(i)}`;

async function linkExists(name: string): Promise<boolean> {
  return (await exec('ip', ['link', 'show', name])).code === 0;
}

export async function createBridge(): Promise<void> {
  await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${BRIDGE_IP}/${PREFIX}`, 'dev', BRIDGE]);
  await run('ip', ['link', 'set', BRIDGE, 'up']);
}

export async function createHostNetwork(i: number): Promise<void> {
  const ns = netnsName(i);
  await run('ip', ['netns', 'add', ns]);
  await run('ip', ['link', 'add', vethRoot(i), 'type', 'veth', 'peer', 'name', vethPeer(i)]);
  await run('ip', ['link', 'set', vethRoot(i), 'master', BRIDGE]);
  await run('ip', ['link', 'set', vethRoot(i), 'up']);
  await run('ip', ['link', 'set', vethPeer(i), 'netns', ns]);
  // `ip -n` only switches the network namespace (no /sys remount), unlike `ip netns exec`.
  await run('ip', ['-n', ns, 'link', 'set', vethPeer(i), 'name', 'eth0']);
  await run('ip', ['-n', ns, 'addr', 'add', `${hostIP(i)}/${PREFIX}`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', BRIDGE_IP]);
}

export async function cutHost(i: number): Promise<void> {
  await run('ip', ['link', 'set', vethRoot(i), 'down']);
}

export async function healHost(i: number): Promise<void> {
  await run('ip', ['link', 'set', vethRoot(i), 'up']);
}

/** Removes every namespace, veth and the bridge this harness could have made. Idempotent. */
export async function removeNetwork(): Promise<void> {
  for (let i = 1; i <= MAX_HOSTS; i++) {
    if (fs.existsSync(netnsPath(i))) await exec('ip', ['netns', 'del', netnsName(i)]);
    // Deleting the namespace destroys the peer and with it the pair; this catches a pair
    // whose peer never made it into the namespace.
    if (await linkExists(vethRoot(i))) await exec('ip', ['link', 'del', vethRoot(i)]);
  }
  if (await linkExists(BRIDGE)) await exec('ip', ['link', 'del', BRIDGE]);
}
