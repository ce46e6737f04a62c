// The pod network component against the real parts: the shared dockerd for the per-node
// bridge network, and two network namespaces (joined by a veth pair) for two hosts'
// kernels and netfilter, driven by Node objects in a FakeClient. Root only (as the agent).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyRecord, POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordToData } from '../../api/net/pod-network.js';
import type { ConfigMap, Node } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { eventually } from '../../test/helpers/eventually.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { hostCommands } from './host-commands.js';
import { clusterChains } from './firewall-rules.js';
import { cleanupNetwork } from './network-cleanup.js';
import { NodeNetwork } from './node-network.js';
import { bridgeNameFor, ensurePodBridge, podBridgeSpec } from './pod-bridge.js';

const NS = ['h14na-a', 'h14na-b'];
// h14na-c runs on host a too, as `orch up --nodes N` runs several agents on one host.
const hosts = [
  { name: 'h14na-a', ip: '10.255.14.1', podCIDRs: ['10.251.141.0/24'], ns: 0 },
  { name: 'h14na-b', ip: '10.255.14.2', podCIDRs: ['10.251.142.0/24'], ns: 1 },
  { name: 'h14na-c', ip: '10.255.14.1', podCIDRs: ['10.251.144.0/24'], ns: 0 },
];
const POD = 'h14na-pod';
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
const inNs = (ns: string) => hostCommands(['nsenter', `--net=/var/run/netns/${ns}`]);
const runtime = new DockerRuntime({ logger: silentLogger() });

function cleanup(): void {
  sh(`docker rm -f ${POD} >/dev/null 2>&1 || true`);
  for (const n of [...hosts.map((h) => h.name), 'h14na-ds', 'h14na-old', 'h14na-new']) sh(`docker network rm orch-pods-${n} >/dev/null 2>&1 || true`);
  for (const ns of NS) sh(`ip netns del ${ns} 2>/dev/null || true`);
}

const nodeObject = (h: (typeof hosts)[number]): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: h.name },
  spec: { podCIDR: h.podCIDRs[0], podCIDRs: h.podCIDRs },
  status: { addresses: [{ type: 'InternalIP', address: h.ip }], conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady' }] },
});

describe('node pod network (real Docker, kernels in network namespaces)', () => {
  const client = new FakeClient();
  const clock = new FakeClock();
  const network = (i: number) =>
    new NodeNetwork({ nodeName: hosts[i]!.name, nodeIP: hosts[i]!.ip, client, runtime, logger: silentLogger(), commands: inNs(NS[hosts[i]!.ns]!), clock, backend: 'vxlan', podCIDRs: [], vxlanPort: 8472, vxlanVni: 1, recheckMs: 10_000 });
  const nets = [network(0), network(1), network(2)];

  beforeAll(async () => {
    cleanup();
    sh(`ip netns add ${NS[0]} && ip netns add ${NS[1]}`);
    sh(`ip -n ${NS[0]} link add eth0 type veth peer name eth0 netns ${NS[1]}`);
    hosts.slice(0, 2).forEach((h, i) => {
      sh(`ip -n ${NS[i]} addr add ${h.ip}/24 dev eth0 && ip -n ${NS[i]} link set eth0 up && ip -n ${NS[i]} link set lo up`);
      // What Docker leaves in a host's netfilter, plus someone else's rule.
      sh(`ip netns exec ${NS[i]} sh -c 'iptables -w -N DOCKER-USER && iptables -w -A FORWARD -j DOCKER-USER && iptables -w -A DOCKER-USER -s 192.0.2.0/24 -j DROP'`);
    });
    const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: POD_NETWORK_CONFIGMAP, namespace: POD_NETWORK_NAMESPACE }, data: recordToData(emptyRecord(['10.251.140.0/22'], [24])) };
    client.seed([...hosts.map(nodeObject), cm]);
    for (const n of nets) await n.start();
  });

  afterAll(async () => {
    for (const n of nets) await n.stop();
    cleanup();
  });

  const routes = (i: number) => sh(`ip -n ${NS[i]} route show proto 184`);
  const fdb = (i: number) => sh(`bridge -n ${NS[i]} fdb show dev orch.1 2>/dev/null || true`);

  it('creates the Docker network and programs each kernel for the other node', async () => {
    // Each node needs the other's VTEP MAC annotation: the informer brings it, the loop reconciles.
    await eventually('routes both ways', () => routes(0).includes('10.251.142.0/24') && routes(1).includes('10.251.141.0/24') && routes(1).includes('10.251.144.0/24'), 30_000);
    // Host b reaches both nodes of host a through the one tunnel endpoint; a and c share orch.1 and need no route to each other.
    expect(sh(`ip -n ${NS[1]} route show 10.251.144.0/24`).trim()).toBe('10.251.144.0/24 via 10.251.144.0 dev orch.1 proto 184 onlink');
    expect(fdb(1).match(/dst 10.255.14.1/g)).toHaveLength(1);
    expect(sh(`ip -n ${NS[0]} -br addr show dev orch.1`)).toMatch(/10.251.141.0\/32 10.251.144.0\/32|10.251.144.0\/32 10.251.141.0\/32/);
    expect(sh(`ip -n ${NS[0]} route show 10.251.142.0/24`).trim()).toBe('10.251.142.0/24 via 10.251.142.0 dev orch.1 proto 184 onlink');
    expect(sh(`ip -n ${NS[0]} neigh show dev orch.1`)).toContain('10.251.142.0 lladdr 0e:6f:0a:ff:0e:02 PERMANENT');
    expect(fdb(0)).toContain('0e:6f:0a:ff:0e:02 dst 10.255.14.2 self permanent');
    expect(sh(`ip -n ${NS[0]} -d link show orch.1`)).toMatch(/link\/ether 0e:6f:0a:ff:0e:01 .*vxlan id 1 local 10.255.14.1 dev eth0 .*dstport 8472 nolearning/s);
    const fwd = clusterChains(['10.251.140.0/22']).forward;
    expect(sh(`ip netns exec ${NS[0]} iptables -w -S ${fwd}`)).toContain(`-A ${fwd} -s 10.251.140.0/22`);

    const [inspect] = JSON.parse(sh(`docker network inspect orch-pods-${hosts[0]!.name}`)) as Array<{ IPAM: { Config: unknown[] }; Options: Record<string, string>; Labels: Record<string, string> }>;
    expect(inspect!.IPAM.Config).toEqual([{ Subnet: '10.251.141.0/24', Gateway: '10.251.141.1' }]);
    expect(inspect!.Options).toEqual({
      'com.docker.network.bridge.name': bridgeNameFor(hosts[0]!.name),
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.driver.mtu': '1450',
    });
    expect(inspect!.Labels).toEqual({ 'orch.io/node': hosts[0]!.name });
    expect(nets[0]!.state()).toEqual({ ready: true, dockerNetwork: `orch-pods-${hosts[0]!.name}`, podCIDRs: hosts[0]!.podCIDRs, mtu: 1450 });

    const n = await client.nodes.get(hosts[0]!.name);
    expect(n.metadata.annotations).toMatchObject({ 'orch.io/backend': 'vxlan', 'orch.io/public-ip': '10.255.14.1', 'orch.io/vtep-mac': '0e:6f:0a:ff:0e:01' });
    await eventually('condition', async () => (await client.nodes.get(hosts[0]!.name)).status?.conditions?.find((c) => c.type === 'NetworkUnavailable')?.reason === 'RouteCreated');
    expect((await client.nodes.get(hosts[0]!.name)).status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  });

  it('puts back entries deleted by hand at the next recheck', async () => {
    // Settled first (both conditions written): no Node change is left to trigger a pass.
    for (const h of hosts) await eventually(`${h.name} condition`, async () => (await client.nodes.get(h.name)).status?.conditions?.some((c) => c.reason === 'RouteCreated'));
    sh(`ip -n ${NS[0]} route del 10.251.142.0/24`);
    sh(`bridge -n ${NS[0]} fdb del 0e:6f:0a:ff:0e:02 dev orch.1 dst 10.255.14.2`);
    sh(`ip netns exec ${NS[0]} iptables -w -D DOCKER-USER -m comment --comment "orch: pod network" -j ORCH-FORWARD`);
    expect(routes(0)).toBe('');
    await eventually('the loops wait for their recheck', () => clock.pending() >= 2);
    await clock.advance(10_000);
    await eventually('entries back', () => routes(0).includes('10.251.142.0/24') && fdb(0).includes('dst 10.255.14.2'), 30_000);
    await eventually('jump back', () => sh(`ip netns exec ${NS[0]} iptables -w -S DOCKER-USER`).includes('-j ORCH-FORWARD'), 30_000);
  });

  it('an agent restart reuses the network as it is: a running pod keeps its address', async () => {
    sh(`docker run -d --name ${POD} --label orch.io/test=h14na --network orch-pods-${hosts[0]!.name} orch.local/pause:3.10 >/dev/null`);
    const ipOf = () => sh(`docker inspect -f '{{(index .NetworkSettings.Networks "orch-pods-${hosts[0]!.name}").IPAddress}} {{.State.StartedAt}}' ${POD}`).trim();
    const before = ipOf();
    expect(before).toMatch(/^10\.251\.141\.\d+ /);
    const id = sh(`docker network inspect -f '{{.Id}}' orch-pods-${hosts[0]!.name}`);
    await nets[0]!.stop();
    nets[0] = network(0);
    await nets[0].start();
    await eventually('ready again', () => nets[0]!.state().ready);
    await nets[0].reconcileNow();
    expect(sh(`docker network inspect -f '{{.Id}}' orch-pods-${hosts[0]!.name}`)).toBe(id);
    expect(ipOf()).toBe(before);
    expect(routes(0)).toContain('10.251.142.0/24');
  });

  it("a deleted Node's entries go", async () => {
    await client.nodes.delete(hosts[1]!.name);
    await eventually('entries of b gone', () => routes(0) === '' && !fdb(0).includes('dst 10.255.14.2') && !sh(`ip -n ${NS[0]} neigh show dev orch.1`).includes('10.251.142.0'), 30_000);
  });

  it('dual stack: one Docker network with both ranges, IPv6 on; ensured again it is kept', async () => {
    const want = podBridgeSpec('h14na-ds', ['10.251.143.0/24', 'fd00:14:143::/64'], 1450);
    expect(await ensurePodBridge(runtime, want)).toEqual({ action: 'create' });
    expect(JSON.parse(sh(`docker network inspect -f '{{json .}}' orch-pods-h14na-ds`))).toMatchObject({
      EnableIPv6: true,
      IPAM: { Config: [{ Subnet: '10.251.143.0/24', Gateway: '10.251.143.1' }, { Subnet: 'fd00:14:143::/64', Gateway: 'fd00:14:143::1' }] },
    });
    expect(await ensurePodBridge(runtime, want)).toEqual({ action: 'keep' });
    await runtime.removeNetwork(want.name);
    await runtime.removeNetwork(want.name);
    expect(await runtime.inspectNetwork(want.name)).toBeUndefined();
  });

  it("a leftover network of an earlier cluster on the node's range is removed (Docker refuses overlapping bridges)", async () => {
    sh('docker network create --label orch.io/node=h14na-old --subnet 10.251.145.0/24 orch-pods-h14na-old >/dev/null');
    const want = podBridgeSpec('h14na-new', ['10.251.145.0/24'], 1450);
    // Without knowing what is stale, Docker's own refusal stands: this is what kept pods waiting.
    await expect(ensurePodBridge(runtime, want)).rejects.toThrow(/overlap/i);
    expect(await ensurePodBridge(runtime, want, { isStale: (node) => node === 'h14na-old' })).toEqual({ action: 'create' });
    expect(await runtime.inspectNetwork('orch-pods-h14na-old')).toBeUndefined();
    expect((await runtime.inspectNetwork('orch-pods-h14na-new'))!.subnets[0]!.subnet).toBe('10.251.145.0/24');
    await runtime.removeNetwork(want.name);
  });

  it("cleanup leaves nothing of orch's but a network still in use, and no one else's rule is touched", async () => {
    for (const n of nets) await n.stop();
    const first = await cleanupNetwork({ commands: inNs(NS[0]!), runtime, nodeFilter: (n) => n.startsWith('h14na-') });
    expect(first.removed).toContain('device orch.1');
    expect(first.removed).toContain(`Docker network orch-pods-${hosts[1]!.name}`);
    expect(first.kept).toEqual([`Docker network orch-pods-${hosts[0]!.name}: 1 container(s) still attached`]);
    sh(`docker rm -f ${POD} >/dev/null`);
    const second = await cleanupNetwork({ commands: inNs(NS[0]!), runtime, nodeFilter: (n) => n.startsWith('h14na-') });
    expect(second).toEqual({ removed: [`Docker network orch-pods-${hosts[0]!.name}`], kept: [] });
    expect(sh(`docker network ls -q --filter name=orch-pods-h14na-`).trim()).toBe('');
    expect(sh(`ip -n ${NS[0]} link show`)).not.toContain('orch.1');
    expect(routes(0)).toBe('');
    expect(sh(`ip netns exec ${NS[0]} iptables -w -S`)).not.toContain('ORCH-');
    expect(sh(`ip netns exec ${NS[0]} iptables -w -t nat -S`)).not.toContain('ORCH-');
    expect(sh(`ip netns exec ${NS[0]} iptables -w -S DOCKER-USER`)).toContain('-A DOCKER-USER -s 192.0.2.0/24 -j DROP');
  });
});
