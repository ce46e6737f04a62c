// The harness link itself, before any pod network: two hosts exchange real TCP and UDP
// traffic (≥ 1 MB, over IPv4 and IPv6), a VXLAN tunnel between them on UDP 8472 carries a
// megabyte at the 1500-byte link MTU, each host forwards packets (IPv4 and IPv6), a cut
// host is really cut off, and the control plane in the root namespace still reaches every
// host. No orch components: only the namespaces and the bridge of network.ts.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRIDGE_IP, LINK_MTU, createBridge, createHostNetwork, cutHost, healHost, hostIP, hostIP6, netnsName, netnsPath, networkExists, removeNetwork } from './network.js';
import { tcpConnects, transfer } from './host-traffic.js';
import { exec, run } from './sh.js';

const MB = 1024 * 1024;
const VXLAN_PORT = 8472;
const tunnelIP = (i: number) => `10.251.0.${i}`;

function readSysctl(i: number, key: string): Promise<string> {
  return run('nsenter', [`--net=${netnsPath(i)}`, 'cat', `/proc/sys/${key.replace(/\./g, '/')}`]).then((s) => s.trim());
}

async function vxlanBetween(i: number, peer: number): Promise<void> {
  const ns = netnsName(i);
  await run('ip', ['-n', ns, 'link', 'add', 'vxtest', 'type', 'vxlan', 'id', '42', 'dstport', String(VXLAN_PORT), 'local', hostIP(i), 'dev', 'eth0', 'nolearning']);
  await run('ip', ['-n', ns, 'addr', 'add', `${tunnelIP(i)}/24`, 'dev', 'vxtest']);
  await run('ip', ['-n', ns, 'link', 'set', 'vxtest', 'up']);
  // Flood entry: every frame for the overlay goes to the peer's host address.
  await run('bridge', ['-n', ns, 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'vxtest', 'dst', hostIP(peer)]);
}

describe('harness host network', () => {
  beforeAll(async () => {
    await removeNetwork();
    await createBridge();
    for (const i of [1, 2]) await createHostNetwork(i);
  });
  afterAll(async () => {
    await removeNetwork();
  });

  it('carries 1 MB of TCP and UDP between two hosts, both ways and over IPv6, the server seeing the client address', async () => {
    const tcp = await transfer('tcp', 1, 2, hostIP(2), MB);
    expect(tcp.received).toEqual({ bytes: MB, sha256: tcp.sentSha256, peer: hostIP(1) });
    const back = await transfer('tcp', 2, 1, hostIP(1), 2 * MB);
    expect(back.received).toEqual({ bytes: 2 * MB, sha256: back.sentSha256, peer: hostIP(2) });
    const udp = await transfer('udp', 1, 2, hostIP(2), MB);
    expect(udp.received).toEqual({ bytes: MB, sha256: udp.sentSha256, peer: hostIP(1) });
    const tcp6 = await transfer('tcp', 1, 2, hostIP6(2), MB);
    expect(tcp6.received).toEqual({ bytes: MB, sha256: tcp6.sentSha256, peer: hostIP6(1) });
    const udp6 = await transfer('udp', 2, 1, hostIP6(1), MB);
    expect(udp6.received).toEqual({ bytes: MB, sha256: udp6.sentSha256, peer: hostIP6(2) });
  });

  it('has forwarding on in every host and a 1500-byte link', async () => {
    for (const i of [1, 2]) {
      expect(await readSysctl(i, 'net.ipv4.ip_forward')).toBe('1');
      expect(await readSysctl(i, 'net.ipv6.conf.all.forwarding')).toBe('1');
      expect(await readSysctl(i, 'net.ipv6.conf.eth0.forwarding')).toBe('1');
      const link = await run('ip', ['-n', netnsName(i), '-j', 'link', 'show', 'eth0']);
      expect((JSON.parse(link) as Array<{ mtu: number }>)[0]?.mtu).toBe(LINK_MTU);
    }
  });

  it('carries a VXLAN tunnel on UDP 8472 between hosts: 1 MB at the 1450-byte inner MTU', async () => {
    await vxlanBetween(1, 2);
    await vxlanBetween(2, 1);
    try {
      const link = await run('ip', ['-n', netnsName(1), '-j', '-d', 'link', 'show', 'vxtest']);
      const info = (JSON.parse(link) as Array<{ mtu: number; linkinfo: { info_data: { port: number } } }>)[0]!;
      expect(info.mtu).toBe(LINK_MTU - 50);
      expect(info.linkinfo.info_data.port).toBe(VXLAN_PORT);
      const tcp = await transfer('tcp', 1, 2, tunnelIP(2), MB);
      expect(tcp.received).toEqual({ bytes: MB, sha256: tcp.sentSha256, peer: tunnelIP(1) });
      const udp = await transfer('udp', 2, 1, tunnelIP(1), MB);
      expect(udp.received).toEqual({ bytes: MB, sha256: udp.sentSha256, peer: tunnelIP(2) });
    } finally {
      for (const i of [1, 2]) await exec('ip', ['-n', netnsName(i), 'link', 'del', 'vxtest']);
    }
  });

  it('a cut host exchanges nothing with the other host or the control plane until healed', async () => {
    // A listener in the root namespace on the control plane's address, as the apiserver.
    const net = await import('node:net');
    const cp = net.createServer((s) => s.end());
    await new Promise<void>((r) => cp.listen(0, BRIDGE_IP, () => r()));
    const cpPort = (cp.address() as import('node:net').AddressInfo).port;
    try {
      expect(await tcpConnects(2, BRIDGE_IP, cpPort)).toBe(true);
      await cutHost(2);
      await expect(transfer('tcp', 1, 2, hostIP(2), MB, { timeoutMs: 3000 })).rejects.toThrow(/client in h1/);
      await expect(transfer('udp', 2, 1, hostIP(1), MB, { timeoutMs: 3000 })).rejects.toThrow(/client in h2/);
      expect(await tcpConnects(2, BRIDGE_IP, cpPort)).toBe(false);
      await healHost(2);
      expect(await tcpConnects(2, BRIDGE_IP, cpPort)).toBe(true);
      const tcp = await transfer('tcp', 1, 2, hostIP(2), MB);
      expect(tcp.received.sha256).toBe(tcp.sentSha256);
    } finally {
      cp.close();
      await healHost(2).catch(() => undefined);
    }
  });

  it('removes the bridge namespace, the hosts and the root leg on teardown', async () => {
    await removeNetwork();
    expect(networkExists()).toBe(false);
    expect(fs.existsSync(netnsPath(1))).toBe(false);
    expect((await exec('ip', ['link', 'show', 'orchv0'])).code).not.toBe(0);
    // Built again for afterAll's idempotent removal to have something to remove.
    await createBridge();
  });
});
