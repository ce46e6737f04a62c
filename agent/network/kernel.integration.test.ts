// The kernel side against a real kernel: two network namespaces joined by a veth pair
// play two hosts; each gets orch.1 and the plan for the other; traffic between their pod
// gateway addresses crosses the tunnel. Root only (as the agent is).

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostCommands } from './host-commands.js';
import { Kernel } from './kernel.js';
import { planRoutes, tunnelAddress, vtepMacFor, type NetworkPeer } from './route-plan.js';

const NS = ['orchkt-a', 'orchkt-b'];
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
const inNs = (ns: string) => hostCommands(['nsenter', `--net=/var/run/netns/${ns}`]);

const hosts = [
  { name: 'a', ip: '10.255.0.1', podCIDRs: ['10.244.1.0/24', 'fd00:10:244:1::/64'] },
  { name: 'b', ip: '10.255.0.2', podCIDRs: ['10.244.2.0/24', 'fd00:10:244:2::/64'] },
];
const peers: NetworkPeer[] = hosts.map((h) => ({ name: h.name, podCIDRs: h.podCIDRs, nodeIP: h.ip, vtepMac: vtepMacFor(h.ip) }));

function cleanup(): void {
  for (const ns of NS) sh(`ip netns del ${ns} 2>/dev/null || true`);
}

describe('pod network kernel state (real kernel, network namespaces)', () => {
  beforeAll(() => {
    cleanup();
    sh(`ip netns add ${NS[0]} && ip netns add ${NS[1]}`);
    sh(`ip -n ${NS[0]} link add eth0 type veth peer name eth0 netns ${NS[1]}`);
    hosts.forEach((h, i) => {
      const n = NS[i];
      sh(`ip -n ${n} addr add ${h.ip}/24 dev eth0 && ip -n ${n} link set eth0 up && ip -n ${n} link set lo up`);
      // The pod bridge with its gateway addresses (what Docker's network gives a node).
      sh(`ip -n ${n} link add cbr0 type bridge && ip -n ${n} addr add ${h.podCIDRs[0]!.replace('.0/24', '.1/24')} dev cbr0`);
      sh(`ip -n ${n} addr add ${h.podCIDRs[1]!.replace('::/64', '::1/64')} dev cbr0 nodad && ip -n ${n} link set cbr0 up`);
      sh(`ip netns exec ${n} sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1`);
    });
  });
  afterAll(cleanup);

  const setUp = async (i: number) => {
    const k = new Kernel(inNs(NS[i]!));
    const h = hosts[i]!;
    const up = await k.uplinkOf(h.ip);
    await k.ensureVxlan({ vni: 1, port: 8472, localIP: h.ip, uplink: up.name, mac: vtepMacFor(h.ip), addresses: h.podCIDRs.map(tunnelAddress) });
    return { k, plan: planRoutes({ name: h.name, nodeIP: h.ip, backend: 'vxlan', uplink: up.name }, peers) };
  };

  it('programs the tunnel both ways; IPv4 and IPv6 cross it; a second apply changes nothing', async () => {
    for (const i of [0, 1]) {
      const { k, plan } = await setUp(i);
      const d = await k.apply(plan);
      expect(d.addRoutes).toHaveLength(2);
      expect(d.addFdb).toHaveLength(1);
      expect((await k.apply(plan)).addRoutes).toHaveLength(0);
      // Re-running ensureVxlan on a good device keeps it.
      expect((await setUp(i)).plan).toEqual(plan);
    }
    expect(sh(`ip netns exec ${NS[0]} busybox ping -c 2 -W 2 -I 10.244.1.1 10.244.2.1`)).toMatch(/2 packets received/);
    expect(sh(`ip netns exec ${NS[0]} busybox ping -6 -c 2 -W 2 -I fd00:10:244:1::1 fd00:10:244:2::1`)).toMatch(/2 packets received/);
    expect(sh(`ip -n ${NS[0]} -d link show orch.1`)).toMatch(/vxlan id 1 local 10.255.0.1 dev eth0 .*dstport 8472 nolearning/);
  });

  it('puts back an entry deleted by hand, and removes the entries of a node that is gone', async () => {
    const { k, plan } = await setUp(0);
    sh(`ip -n ${NS[0]} route del 10.244.2.0/24`);
    sh(`bridge -n ${NS[0]} fdb del ${vtepMacFor(hosts[1]!.ip)} dev orch.1 dst ${hosts[1]!.ip}`);
    const d = await k.apply(plan);
    expect(d.addRoutes.map((r) => r.dst)).toEqual(['10.244.2.0/24']);
    expect(d.addFdb).toHaveLength(1);
    expect(sh(`ip netns exec ${NS[0]} busybox ping -c 1 -W 2 -I 10.244.1.1 10.244.2.1`)).toMatch(/1 packets received/);

    const withoutB = planRoutes({ name: 'a', nodeIP: hosts[0]!.ip, backend: 'vxlan', uplink: 'eth0' }, peers.filter((p) => p.name !== 'b'));
    const gone = await k.apply(withoutB);
    expect(gone.delRoutes).toHaveLength(2);
    expect(await k.readOwned()).toEqual({ routes: [], neighbors: [], fdb: [] });
    expect(sh(`ip -n ${NS[0]} route show 10.244.2.0/24`).trim()).toBe('');
    expect(await k.removeVxlan()).toBe(true);
    expect(await k.readOwned()).toEqual({ routes: [], neighbors: [], fdb: [] });
  });

  it("two clusters sharing the host's orch.1: each changes only its own entries and addresses", async () => {
    // Cluster A (10.244.0.0/16) and cluster B (10.233.0.0/16) both have a node on host b.
    const k = new Kernel(inNs(NS[0]!));
    const up = await k.uplinkOf(hosts[0]!.ip);
    const scopeA = ['10.244.0.0/16', 'fd00:10:244::/56'];
    const scopeB = ['10.233.0.0/16'];
    const peerB: NetworkPeer = { name: 'b2', podCIDRs: ['10.233.2.0/24'], nodeIP: hosts[1]!.ip, vtepMac: vtepMacFor(hosts[1]!.ip) };
    const planA = planRoutes({ name: 'a', nodeIP: hosts[0]!.ip, backend: 'vxlan', uplink: up.name }, peers);
    const planB = planRoutes({ name: 'a2', nodeIP: hosts[0]!.ip, backend: 'vxlan', uplink: up.name }, [peerB]);
    const vxlan = (addresses: string[], scope: string[]) => k.ensureVxlan({ vni: 1, port: 8472, localIP: hosts[0]!.ip, uplink: up.name, mac: vtepMacFor(hosts[0]!.ip), addresses, scope });
    await vxlan(hosts[0]!.podCIDRs.map(tunnelAddress), scopeA);
    await vxlan(['10.233.1.0'], scopeB);
    await k.apply(planA, scopeA);
    await k.apply(planB, scopeB);
    // Each cluster's recheck: nothing of the other's is taken away.
    expect(await k.apply(planA, scopeA)).toMatchObject({ delRoutes: [], delNeighbors: [], delFdb: [] });
    expect(await k.apply(planB, scopeB)).toMatchObject({ delRoutes: [], delNeighbors: [], delFdb: [] });
    await vxlan(hosts[0]!.podCIDRs.map(tunnelAddress), scopeA);
    const addrs = sh(`ip -n ${NS[0]} addr show dev orch.1`);
    expect(addrs).toContain('10.233.1.0/32');
    expect(addrs).toContain('10.244.1.0/32');
    expect(sh(`ip -n ${NS[0]} route show proto 184`)).toMatch(/10.233.2.0\/24 via 10.233.2.0 dev orch.1 onlink[\s\S]*10.244.2.0\/24/);
    // Both clusters use host b's one VTEP: one FDB entry, kept while either needs it.
    expect(sh(`bridge -n ${NS[0]} fdb show dev orch.1`).match(new RegExp(`dst ${hosts[1]!.ip}`, 'g'))).toHaveLength(1);
    // Cluster B's node on host b goes: only B's route and neighbour go; A's traffic still flows.
    const goneB = await k.apply(planRoutes({ name: 'a2', nodeIP: hosts[0]!.ip, backend: 'vxlan', uplink: up.name }, []), scopeB);
    expect(goneB.delRoutes.map((r) => r.dst)).toEqual(['10.233.2.0/24']);
    expect(goneB.delFdb).toEqual([]);
    expect(sh(`ip netns exec ${NS[0]} busybox ping -c 1 -W 2 -I 10.244.1.1 10.244.2.1`)).toMatch(/1 packets received/);
    await k.removeOwned();
  });

  it('turns hairpin mode on for the bridge ports that lack it (a pod balanced to itself through its Service), and only on that bridge', async () => {
    const n = NS[0]!;
    sh(`ip -n ${n} link add p1 type veth peer name p1b && ip -n ${n} link set p1 master cbr0`);
    sh(`ip -n ${n} link add p2 type veth peer name p2b && ip -n ${n} link set p2 master cbr0 && ip netns exec ${n} bridge link set dev p2 hairpin on`);
    sh(`ip -n ${n} link add other0 type bridge && ip -n ${n} link add p3 type veth peer name p3b && ip -n ${n} link set p3 master other0`);
    sh(`ip -n ${n} link add p4 type veth peer name p4b && ip -n ${n} link set p4 master cbr0`);
    const k = new Kernel(inNs(n));
    // Both in one batch.
    expect((await k.ensureHairpin('cbr0')).sort()).toEqual(['p1', 'p4']);
    const hairpin = (dev: string) => (JSON.parse(sh(`ip netns exec ${n} bridge -j -d link show dev ${dev}`)) as Array<{ hairpin: boolean }>)[0]!.hairpin;
    expect([hairpin('p1'), hairpin('p2'), hairpin('p3'), hairpin('p4')]).toEqual([true, true, false, true]);
    expect(await k.ensureHairpin('cbr0')).toEqual([]);
  });

  it('recreates a device whose settings differ (another VNI)', async () => {
    sh(`ip -n ${NS[1]} link del orch.1 && ip -n ${NS[1]} link add orch.1 type vxlan id 7 local 10.255.0.2 dev eth0 dstport 8472`);
    const { k } = await setUp(1);
    expect(sh(`ip -n ${NS[1]} -d link show orch.1`)).toMatch(/vxlan id 1 /);
    expect(sh(`ip -n ${NS[1]} addr show dev orch.1`)).toContain('10.244.2.0/32');
    await k.removeOwned();
  });
});
