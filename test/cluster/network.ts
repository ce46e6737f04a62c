// The cluster's network: one Linux bridge in a network namespace of its own (`orch-net`),
// one namespace per host joined to that bridge by a veth pair, and one more veth pair that
// joins the root namespace (where the control plane listens on BRIDGE_IP) to the bridge.
//
//   root: orchv0 10.250.0.1 fd00:250::1 ──┐
//   orch-net: bridge orchbr0 ─ orchv0p, orchv1, orchv2, …
//   orch-hN: eth0 10.250.0.1N fd00:250::1N ───┘ (peer of orchvN)
//
// Why the bridge is not in the root namespace: with br_netfilter loaded, frames bridged
// between two ports of a root-namespace bridge traverse the root's FORWARD chain, whose
// policy Docker sets to DROP, so host-to-host traffic vanished. An accept rule in
// DOCKER-USER would work too, but it edits the firewall of the machine every engineer and
// the shared dockerd use, and a crashed run would leave it behind. In a namespace of its
// own the bridge's netfilter hooks see that namespace's (empty, ACCEPT) tables only, and
// we switch bridge-nf-call-* off there as well, so the harness link behaves like a plain
// switch: nothing of the machine's firewall is touched and deleting the namespace removes
// everything. Traffic from a host to the control plane ends in the root namespace's
// INPUT chain (local delivery, not forwarding), so Docker's FORWARD policy never applies.
//
// Each host namespace has IPv4 and IPv6 forwarding on (pod routing needs it, as on a real
// node) and an IPv6 address for dual-stack tests; the link MTU is 1500, so VXLAN between
// hosts (UDP 8472) carries 1450-byte inner packets.
//
// Cutting a host = taking the bridge side of its veth down: the host cannot reach the
// apiserver (nor any other host), while its dockerd and containers keep running inside the
// namespace, which is what a real partition looks like to the node.
//
// Names are fixed so a later run can find and remove what a crashed run left.

import fs from 'node:fs';
import { exec, run } from './sh.js';

/** The namespace holding the bridge (the "switch" of the simulated LAN). */
export const NET_NS = 'orch-net';
export const BRIDGE = 'orchbr0';
export const BRIDGE_IP = '10.250.0.1';
export const BRIDGE_IP6 = 'fd00:250::1';
const PREFIX = 24;
const PREFIX6 = 64;
/** The most hosts a run may ask for; cleanup looks for this many leftovers. */
export const MAX_HOSTS = 9;
/** MTU of every harness link (the uplink MTU a node's agent sees). */
export const LINK_MTU = 1500;

export const netnsName = (i: number): string => `orch-h${i}`;
export const hostIP = (i: number): string => `10.250.0.${10 + i}`;
export const hostIP6 = (i: number): string => `fd00:250::${10 + i}`;
/** Bridge-side end of host i's veth (in NET_NS). */
const vethBridge = (i: number): string => `orchv${i}`;
/** Root end of the control plane's veth; its peer `orchv0p` is a bridge port. */
export const ROOT_VETH = 'orchv0';
const ROOT_VETH_PEER = 'orchv0p';
export const netnsPath = (i: number): string => `/var/run/netns/${netnsName(i)}`;
const netNsPath = `/var/run/netns/${NET_NS}`;

async function linkExists(name: string): Promise<boolean> {
  return (await exec('ip', ['link', 'show', name])).code === 0;
}

/** Writes sysctls of a namespace (nsenter --net: /proc/sys/net follows the net namespace). */
async function sysctl(nsPath: string, settings: string[]): Promise<void> {
  // -e: a key the kernel lacks (br_netfilter not loaded) is not an error.
  await run('nsenter', [`--net=${nsPath}`, 'sysctl', '-q', '-e', '-w', ...settings]);
}

/** The bridge namespace, the bridge, and the root namespace's leg into it. */
export async function createBridge(): Promise<void> {
  await run('ip', ['netns', 'add', NET_NS]);
  await sysctl(netNsPath, ['net.bridge.bridge-nf-call-iptables=0', 'net.bridge.bridge-nf-call-ip6tables=0', 'net.bridge.bridge-nf-call-arptables=0']);
  await run('ip', ['-n', NET_NS, 'link', 'add', BRIDGE, 'type', 'bridge']);
  await run('ip', ['-n', NET_NS, 'link', 'set', BRIDGE, 'up']);
  await run('ip', ['-n', NET_NS, 'link', 'set', 'lo', 'up']);
  await run('ip', ['link', 'add', ROOT_VETH, 'mtu', String(LINK_MTU), 'type', 'veth', 'peer', 'name', ROOT_VETH_PEER, 'netns', NET_NS]);
  await run('ip', ['-n', NET_NS, 'link', 'set', ROOT_VETH_PEER, 'master', BRIDGE, 'up']);
  await run('ip', ['addr', 'add', `${BRIDGE_IP}/${PREFIX}`, 'dev', ROOT_VETH]);
  // nodad: usable at once (duplicate address detection would hold it "tentative" ~1 s).
  await run('ip', ['-6', 'addr', 'add', `${BRIDGE_IP6}/${PREFIX6}`, 'dev', ROOT_VETH, 'nodad']);
  await run('ip', ['link', 'set', ROOT_VETH, 'up']);
}

export async function createHostNetwork(i: number): Promise<void> {
  const ns = netnsName(i);
  await run('ip', ['netns', 'add', ns]);
  // Made in the bridge namespace with its peer born inside the host's, already named eth0.
  await run('ip', ['-n', NET_NS, 'link', 'add', vethBridge(i), 'mtu', String(LINK_MTU), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(i), 'master', BRIDGE, 'up']);
  await sysctl(netnsPath(i), ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv6.conf.default.forwarding=1']);
  // `ip -n` only switches the network namespace (no /sys remount), unlike `ip netns exec`.
  await run('ip', ['-n', ns, 'addr', 'add', `${hostIP(i)}/${PREFIX}`, 'dev', 'eth0']);
  await run('ip', ['-n', ns, '-6', 'addr', 'add', `${hostIP6(i)}/${PREFIX6}`, 'dev', 'eth0', 'nodad']);
  await run('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', ns, 'route', 'add', 'default', 'via', BRIDGE_IP]);
  await run('ip', ['-n', ns, '-6', 'route', 'add', 'default', 'via', BRIDGE_IP6]);
}

export async function cutHost(i: number): Promise<void> {
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(i), 'down']);
}

export async function healHost(i: number): Promise<void> {
  await run('ip', ['-n', NET_NS, 'link', 'set', vethBridge(i), 'up']);
}

/** Removes every namespace, veth and the bridge this harness could have made. Idempotent. */
export async function removeNetwork(): Promise<void> {
  for (let i = 1; i <= MAX_HOSTS; i++) {
    if (fs.existsSync(netnsPath(i))) await exec('ip', ['netns', 'del', netnsName(i)]);
    // Left by a run of the older layout (bridge in the root namespace).
    if (await linkExists(vethBridge(i))) await exec('ip', ['link', 'del', vethBridge(i)]);
  }
  // Deleting the namespace destroys the bridge, every port and their peers (orchv0 too).
  if (fs.existsSync(netNsPath)) await exec('ip', ['netns', 'del', NET_NS]);
  if (await linkExists(ROOT_VETH)) await exec('ip', ['link', 'del', ROOT_VETH]);
  if (await linkExists(BRIDGE)) await exec('ip', ['link', 'del', BRIDGE]);
}

/** Does the bridge namespace (and so the harness network) exist? */
export function networkExists(): boolean {
  return fs.existsSync(netNsPath);
}
