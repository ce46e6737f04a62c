// The pod network component's decisions, on fakes: the Docker network (create, reuse,
// recreate, refuse), the Node's annotations and condition (other conditions kept), the
// state pods wait on, and failures reported and recovered from. The real kernel, netfilter
// and Docker are in node-network.integration.test.ts.
import { describe, expect, it } from 'vitest';
import type { Node } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { eventually } from '../../test/helpers/eventually.js';
import { Agent } from '../agent.js';
import { parseNetworkBackend, parsePodCIDRs } from '../flags.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import type { HostCommands } from './host-commands.js';
import { annotationPatch, peerOf, withNetworkCondition } from './node-peers.js';
import { NodeNetwork, type NodeNetworkOptions } from './node-network.js';
import { bridgeNameFor, decideBridge, ensurePodBridge, podBridgeSpec, staleOverlapping } from './pod-bridge.js';

/** A host whose eth0 holds 192.0.2.10 (MTU 1500), with no orch.1 yet; every call recorded. */
function fakeHost(): HostCommands & { calls: string[]; fail?: RegExp } {
  const host = {
    calls: [] as string[],
    fail: undefined as RegExp | undefined,
    async run(cmd: string, args: string[]) {
      const line = [cmd, ...args].join(' ');
      host.calls.push(line);
      if (host.fail?.test(line)) throw new Error(`${line}: Operation not permitted`);
      if (line === 'ip -j addr show') return JSON.stringify([{ ifname: 'eth0', mtu: 1500, addr_info: [{ local: '192.0.2.10' }] }]);
      if (line.startsWith('ip -j -d link show')) throw new Error('Device "orch.1" does not exist.');
      if (line.startsWith('sysctl -n')) return '1\n';
      return line.startsWith('ip -j') || line.startsWith('bridge -j') ? '[]' : '';
    },
  };
  return host;
}

const node = (name: string, ip: string, podCIDRs: string[], extra: Partial<Node['metadata']> = {}): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...extra },
  spec: podCIDRs.length ? { podCIDR: podCIDRs[0], podCIDRs } : {},
  status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True', reason: 'AgentReady' }] },
});

function setUp(opts: Partial<NodeNetworkOptions> = {}, nodes: Node[] = [node('n1', '192.0.2.10', ['10.244.1.0/24'])]) {
  const client = new FakeClient();
  client.seed(nodes);
  const runtime = new FakeRuntime();
  const host = fakeHost();
  const net = new NodeNetwork({ nodeName: 'n1', nodeIP: '192.0.2.10', client, runtime, logger: silentLogger(), commands: host, backend: 'vxlan', podCIDRs: [], vxlanPort: 8472, vxlanVni: 1, ...opts });
  return { client, runtime, host, net };
}

/** Until no command has run for 50 event-loop turns (the passes queued by our own writes are done; the fake clock stands still). */
async function quiet(host: { calls: string[] }): Promise<void> {
  for (let still = 0, n = host.calls.length; still < 50; still++) {
    await new Promise((r) => setImmediate(r));
    if (host.calls.length !== n) (n = host.calls.length), (still = 0);
  }
}

async function synced(net: NodeNetwork): Promise<void> {
  net.nodes.start();
  await net.nodes.waitForSync();
}

describe('pod bridge network', () => {
  it('carries the pod ranges with the first address as gateway, masquerade off, MTU and a short bridge name', () => {
    const s = podBridgeSpec('worker-with-a-long-name', ['10.244.3.0/24', 'fd00:10:244:3::/64'], 1450);
    expect(s.name).toBe('orch-pods-worker-with-a-long-name');
    expect(s.subnets).toEqual([{ subnet: '10.244.3.0/24', gateway: '10.244.3.1' }, { subnet: 'fd00:10:244:3::/64', gateway: 'fd00:10:244:3::1' }]);
    expect(s.ipv6).toBe(true);
    expect(s.options).toEqual({ 'com.docker.network.bridge.name': bridgeNameFor('worker-with-a-long-name'), 'com.docker.network.bridge.enable_ip_masquerade': 'false', 'com.docker.network.driver.mtu': '1450' });
    expect(bridgeNameFor('worker-with-a-long-name')).toMatch(/^orch[0-9a-f]{8}$/);
  });

  it('reuses a network with the right subnet, recreates one with a wrong subnet only while no container uses it', async () => {
    const want = podBridgeSpec('n1', ['10.244.1.0/24'], 1450);
    const runtime = new FakeRuntime();
    expect(await ensurePodBridge(runtime, want)).toEqual({ action: 'create' });
    const id = runtime.networks.get(want.name)!.id;
    expect(await ensurePodBridge(runtime, want)).toEqual({ action: 'keep' });
    expect(runtime.networks.get(want.name)!.id).toBe(id);
    const moved = podBridgeSpec('n1', ['10.244.9.0/24'], 1450);
    runtime.networks.get(want.name)!.containers = 2;
    const d = await ensurePodBridge(runtime, moved);
    expect(d).toMatchObject({ action: 'conflict' });
    expect(d.action === 'conflict' && d.why).toMatch(/has subnet 10.244.1.0\/24, the node's pod range is 10.244.9.0\/24, and 2 container\(s\) still use it/);
    expect(runtime.networks.get(want.name)!.id).toBe(id);
    runtime.networks.get(want.name)!.containers = 0;
    expect(await ensurePodBridge(runtime, moved)).toMatchObject({ action: 'recreate' });
    expect(runtime.networks.get(want.name)!.subnets[0]!.subnet).toBe('10.244.9.0/24');
  });

  it('leftovers: only unused orch-pods-* networks of other nodes that overlap and whose node no longer owns the range', () => {
    const want = podBridgeSpec('n1', ['10.244.0.0/24'], 1450);
    const net = (node: string, subnet: string, containers = 0, name = `orch-pods-${node}`) => ({ ...podBridgeSpec(node, [subnet], 1450), name, id: node, containers });
    const networks = [
      net('old', '10.244.0.0/24'), // a gone node's network on our range: leftover
      net('n2', '10.244.0.0/23'), // overlaps, but n2 still owns it (isStale says no)
      net('busy', '10.244.0.0/24', 1), // overlaps, unused by nobody: never removed
      net('far', '10.244.7.0/24'), // no overlap
      net('n1', '10.244.0.0/24'), // our own (decideBridge's business)
      { ...net('foreign', '10.244.0.0/24'), name: 'someone-elses' }, // not orch's name
      net('v6', 'fd00::/64'), // another family
    ];
    const stale = (node: string) => node !== 'n2';
    expect(staleOverlapping(networks, want, stale).map((n) => n.name)).toEqual(['orch-pods-old']);
  });

  it('ensure removes a leftover that overlaps before creating, and says which', async () => {
    const runtime = new FakeRuntime();
    await runtime.createNetwork(podBridgeSpec('gone', ['10.244.0.0/24'], 1450));
    const removed: string[] = [];
    const d = await ensurePodBridge(runtime, podBridgeSpec('n1', ['10.244.0.0/24'], 1450), { isStale: () => true, onStaleRemoved: (n) => removed.push(n.name) });
    expect(d).toEqual({ action: 'create' });
    expect(removed).toEqual(['orch-pods-gone']);
    expect([...runtime.networks.keys()]).toEqual(['orch-pods-n1']);
  });

  it('keeps a network whose MTU differs and says so (Docker cannot change it in place)', () => {
    const have = { ...podBridgeSpec('n1', ['10.244.1.0/24'], 1500), id: 'x', containers: 1 };
    expect(decideBridge(have, podBridgeSpec('n1', ['10.244.1.0/24'], 1450))).toEqual({ action: 'keep', note: expect.stringContaining('com.docker.network.driver.mtu=1500 (want 1450)') });
  });
});

describe('node annotations, peers and condition', () => {
  it('annotations: only what differs; host-gw drops the VTEP MAC', () => {
    const n = node('n1', '192.0.2.10', [], { annotations: { 'orch.io/backend': 'vxlan', 'orch.io/public-ip': '192.0.2.10', 'orch.io/vtep-mac': '0e:6f:c0:00:02:0a' } });
    expect(annotationPatch(n, 'vxlan', '192.0.2.10', '0e:6f:c0:00:02:0a')).toBeUndefined();
    expect(annotationPatch(n, 'host-gw', '192.0.2.10', undefined)).toEqual({ 'orch.io/backend': 'host-gw', 'orch.io/vtep-mac': null });
  });

  it('peers: the published public IP wins over the InternalIP', () => {
    expect(peerOf(node('a', '10.0.0.1', ['10.244.1.0/24']))).toEqual({ name: 'a', podCIDRs: ['10.244.1.0/24'], nodeIP: '10.0.0.1', vtepMac: undefined });
    expect(peerOf(node('a', '10.0.0.1', [], { annotations: { 'orch.io/public-ip': '198.51.100.1' } }))?.nodeIP).toBe('198.51.100.1');
  });

  it('condition: set beside the others, transition time kept while the status stays', () => {
    const first = withNetworkCondition([{ type: 'Ready', status: 'True' }], { status: 'True', reason: 'NetworkSetupFailed', message: 'x' }, 't1')!;
    const second = withNetworkCondition(first, { status: 'True', reason: 'NetworkSetupFailed', message: 'y' }, 't2')!;
    expect(second.map((c) => c.type)).toEqual(['Ready', 'NetworkUnavailable']);
    expect(second[1]).toMatchObject({ lastTransitionTime: 't1', message: 'y' });
    expect(withNetworkCondition(second, { status: 'True', reason: 'NetworkSetupFailed', message: 'y' }, 't3')).toBeUndefined();
  });
});

describe('NodeNetwork', () => {
  it('programs the node: Docker network, firewall, orch.1, annotations, condition RouteCreated (Ready kept); state ready', async () => {
    const { client, runtime, host, net } = setUp();
    let changes = 0;
    net.onChange(() => changes++);
    await synced(net);
    expect(net.state()).toMatchObject({ ready: false });
    await net.reconcileNow();
    expect(net.state()).toEqual({ ready: true, dockerNetwork: 'orch-pods-n1', podCIDRs: ['10.244.1.0/24'], mtu: 1450 });
    expect(changes).toBe(1);
    expect(runtime.networks.get('orch-pods-n1')!.options['com.docker.network.driver.mtu']).toBe('1450');
    expect(host.calls).toContain('ip link add orch.1 type vxlan id 1 local 192.0.2.10 dev eth0 dstport 8472 nolearning');
    expect(host.calls).toContain('iptables-restore -w 5 --noflush');
    const n = await client.nodes.get('n1');
    expect(n.metadata.annotations).toMatchObject({ 'orch.io/backend': 'vxlan', 'orch.io/public-ip': '192.0.2.10', 'orch.io/vtep-mac': '0e:6f:c0:00:02:0a' });
    expect(n.status!.conditions!.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'True', 'AgentReady'],
      ['NetworkUnavailable', 'False', 'RouteCreated'],
    ]);
    net.nodes.stop();
  });

  it('without a pod range: not ready, says why, touches nothing; --pod-cidr is used and written to the Node', async () => {
    const a = setUp({}, [node('n1', '192.0.2.10', [])]);
    await synced(a.net);
    await a.net.reconcileNow();
    expect(a.net.state()).toEqual({ ready: false, reason: expect.stringContaining('no pod CIDR assigned') });
    expect(a.runtime.networks.size).toBe(0);
    a.net.nodes.stop();
    const b = setUp({ podCIDRs: ['10.244.7.0/24'] }, [node('n1', '192.0.2.10', [])]);
    await synced(b.net);
    await b.net.reconcileNow();
    expect(b.net.state()).toMatchObject({ ready: true, podCIDRs: ['10.244.7.0/24'] });
    expect((await b.client.nodes.get('n1')).spec?.podCIDRs).toEqual(['10.244.7.0/24']);
    b.net.nodes.stop();
  });

  it('a firewall failure: not ready, condition NetworkUnavailable=True with the reason; recovers on the next pass', async () => {
    const { client, host, net } = setUp();
    await synced(net);
    host.fail = /^iptables-restore/;
    await expect(net.reconcileNow()).rejects.toThrow(/Operation not permitted/);
    expect(net.state()).toEqual({ ready: false, reason: expect.stringMatching(/^firewall: iptables-restore .*Operation not permitted/) });
    const failed = (await client.nodes.get('n1')).status!.conditions!;
    expect(failed.find((c) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'True', reason: 'NetworkSetupFailed' });
    expect(failed.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    host.fail = undefined;
    await net.reconcileNow();
    expect(net.state().ready).toBe(true);
    expect((await client.nodes.get('n1')).status!.conditions!.find((c) => c.type === 'NetworkUnavailable')).toMatchObject({ status: 'False', reason: 'RouteCreated' });
    net.nodes.stop();
  });

  it('a Docker network with another subnet still in use: not ready, with what to do', async () => {
    const { runtime, net } = setUp();
    runtime.networks.set('orch-pods-n1', { ...podBridgeSpec('n1', ['10.244.99.0/24'], 1450), id: 'old', containers: 3 });
    await synced(net);
    await expect(net.reconcileNow()).rejects.toThrow();
    expect(net.state()).toEqual({ ready: false, reason: expect.stringContaining('3 container(s) still use it') });
    net.nodes.stop();
  });

  it('as a component: a failing step is retried with backoff (the agent goes on), a Node change reconciles at once', async () => {
    const clock = new FakeClock();
    const { client, host, net } = setUp({ clock, backend: 'host-gw' }, [node('n1', '192.0.2.10', ['10.244.1.0/24']), node('n2', '192.0.2.11', ['10.244.2.0/24'])]);
    host.fail = /^iptables-restore/;
    await net.start();
    await eventually('failure shown', () => !net.state().ready && /^firewall:/.test((net.state() as { reason: string }).reason));
    host.fail = undefined;
    await eventually('retry waiting on the clock', () => clock.pending() > 0);
    await clock.advance(1000);
    await eventually('ready after the retry', () => net.state().ready);
    await eventually('route to n2', () => host.calls.some((c) => c.startsWith('ip -force -batch')));
    await eventually('the pass ended (condition set)', async () => (await client.nodes.get('n1')).status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'False') ?? false);
    await quiet(host);
    // Another node's change: its routes only, written from what the last pass listed.
    let mark = host.calls.length;
    await client.nodes.delete('n2');
    await eventually('route to n2 removed', () => host.calls.slice(mark).some((c) => c === 'ip -force -batch -'));
    expect(host.calls.slice(mark)).toEqual(['ip -force -batch -']);
    // Its heartbeat or conditions change no route: nothing runs.
    await client.nodes.create(node('n3', '192.0.2.12', ['10.244.3.0/24']));
    await eventually('route to n3', () => host.calls.length > mark + 1);
    mark = host.calls.length;
    const n3 = await client.nodes.get('n3');
    await client.nodes.updateStatus({ ...n3, status: { ...n3.status, conditions: [{ type: 'Ready', status: 'False', reason: 'NodeStatusUnknown' }] } });
    // This node's own change: the whole pass again (the kernel listed).
    const n1 = await client.nodes.get('n1');
    await client.nodes.update({ ...n1, metadata: { ...n1.metadata, annotations: { ...n1.metadata.annotations, 'orch.io/public-ip': '192.0.2.99' } } });
    await eventually('a whole pass', () => host.calls.slice(mark).includes('ip -j -4 route show proto 184'));
    expect(host.calls.slice(mark)[0]).not.toBe('ip -force -batch -');
    await net.stop();
  });

  it('a peer change before the first whole pass, or one of an agent sharing this host, runs the whole pass', async () => {
    const clock = new FakeClock();
    const { client, host, net } = setUp({ clock }, [node('n1', '192.0.2.10', ['10.244.1.0/24'])]);
    host.fail = /^iptables-restore/;
    await net.start();
    await eventually('failure shown', () => !net.state().ready);
    let mark = host.calls.length;
    await client.nodes.create(node('n2', '192.0.2.11', ['10.244.2.0/24'], { annotations: { 'orch.io/vtep-mac': '0e:00:c0:00:02:0b' } }));
    await eventually('a whole pass for it', () => host.calls.slice(mark).includes('ip -j addr show'));
    host.fail = undefined;
    await clock.advance(10_000);
    await eventually('ready', () => net.state().ready);
    await eventually('pass done', async () => (await client.nodes.get('n1')).status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'False') ?? false);
    await quiet(host);
    mark = host.calls.length;
    // A light pass whose write fails hands over to the whole pass (which lists the kernel again).
    host.fail = /-batch/;
    await client.nodes.create(node('n4', '192.0.2.14', ['10.244.4.0/24'], { annotations: { 'orch.io/vtep-mac': '0e:00:c0:00:02:0e' } }));
    await eventually('the whole pass after the failed write', () => host.calls.slice(mark).includes('ip -j addr show'));
    expect(host.calls.slice(mark).filter((c) => c.startsWith('bridge -force -batch')).length).toBeGreaterThanOrEqual(2);
    host.fail = undefined;
    await clock.advance(10_000);
    await quiet(host);
    mark = host.calls.length;
    // n3 shares this host: its range's tunnel address goes on our orch.1 — the whole pass.
    await client.nodes.create(node('n3', '192.0.2.10', ['10.244.3.0/24']));
    await eventually('tunnel address of n3', () => host.calls.slice(mark).includes('ip addr add 10.244.3.0/32 dev orch.1'));
    await net.stop();
  });

  it('agents sharing a host share orch.1: it holds the tunnel address of every node there; no route between them', async () => {
    const { host, net } = setUp({}, [node('n1', '192.0.2.10', ['10.244.1.0/24']), node('n2', '192.0.2.10', ['10.244.2.0/24'])]);
    await synced(net);
    await net.reconcileNow();
    expect(host.calls.filter((c) => c.startsWith('ip addr add'))).toEqual(['ip addr add 10.244.1.0/32 dev orch.1', 'ip addr add 10.244.2.0/32 dev orch.1']);
    expect(host.calls.some((c) => c.includes('-batch'))).toBe(false);
    net.nodes.stop();
  });

  it('the echoes of its own writes (annotations, condition) run no pass; a change of them by another writer does', async () => {
    const clock = new FakeClock();
    const { client, host, net } = setUp({ clock });
    await net.start();
    await eventually('condition set', async () => (await client.nodes.get('n1')).status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'False') ?? false);
    await quiet(host);
    const passes = () => host.calls.filter((c) => c === 'ip -j addr show').length;
    expect(passes()).toBe(1);
    const n1 = await client.nodes.get('n1');
    const { 'orch.io/vtep-mac': _gone, ...rest } = n1.metadata.annotations!;
    await client.nodes.update({ ...n1, metadata: { ...n1.metadata, annotations: rest } });
    await eventually('published again', async () => (await client.nodes.get('n1')).metadata.annotations?.['orch.io/vtep-mac'] === '0e:6f:c0:00:02:0a');
    await quiet(host);
    expect(passes()).toBe(2);
    await net.stop();
  });

  it('publishes its annotations first: peers can route to a node still setting up (here: its firewall fails)', async () => {
    const { client, host, net } = setUp();
    host.fail = /^iptables-restore/;
    await synced(net);
    await expect(net.reconcileNow()).rejects.toThrow();
    expect(net.state().ready).toBe(false);
    expect((await client.nodes.get('n1')).metadata.annotations).toMatchObject({ 'orch.io/vtep-mac': '0e:6f:c0:00:02:0a', 'orch.io/public-ip': '192.0.2.10' });
    net.nodes.stop();
  });

  it('host-gw: no VXLAN device, no VTEP MAC, full uplink MTU', async () => {
    const { client, host, net } = setUp({ backend: 'host-gw' });
    await synced(net);
    await net.reconcileNow();
    expect(net.state()).toMatchObject({ ready: true, mtu: 1500 });
    expect(host.calls.some((c) => c.startsWith('ip link add'))).toBe(false);
    expect((await client.nodes.get('n1')).metadata.annotations).toEqual({ 'orch.io/backend': 'host-gw', 'orch.io/public-ip': '192.0.2.10' });
    net.nodes.stop();
  });
});

describe('agent wiring', () => {
  it('the pod network starts right before node registration (which waits for its first pass); without it (backend none) there is no such component', () => {
    const { client, runtime, net } = setUp();
    const base = { nodeName: 'n1', nodeIP: '192.0.2.10', client, runtime, logger: silentLogger(), rootDir: '/tmp/h14na-unused' };
    const names = (a: Agent) => a.components.map((c) => c.name);
    expect(names(new Agent({ ...base, podNetwork: net }))).toEqual(['cluster-identity', 'log-server', 'pod-network', 'node-registration', 'runtime-events', 'pod-informer', 'endpoint-drain', 'pod-workers', 'orphan-sweep', 'resource-sampler']);
    expect(names(new Agent(base))).not.toContain('pod-network');
  });
});

describe('settled()', () => {
  it('resolves after the first pass, ready or not (node registration waits for it)', async () => {
    const { net } = setUp({}, [node('other', '192.0.2.11', ['10.244.2.0/24'])]);
    await synced(net);
    let settled = false;
    void net.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await net.reconcileNow();
    await new Promise((r) => setImmediate(r));
    expect(net.state()).toMatchObject({ ready: false, reason: expect.stringContaining('no pod CIDR') });
    expect(settled).toBe(true);
  });
});

describe('network flags', () => {
  it('backend and pod CIDRs are checked, naming the flag', () => {
    expect(parseNetworkBackend('host-gw')).toBe('host-gw');
    expect(() => parseNetworkBackend('flannel')).toThrow(/--network-backend: "flannel"/);
    expect(parsePodCIDRs('fd00:1::/64, 10.244.1.0/24')).toEqual(['10.244.1.0/24', 'fd00:1::/64']);
    expect(parsePodCIDRs(undefined)).toEqual([]);
    expect(() => parsePodCIDRs('10.244.1.1/24')).toThrow(/--pod-cidr: "10.244.1.1\/24" has host bits set/);
    expect(() => parsePodCIDRs('10.244.1.0/24,10.244.2.0/24')).toThrow(/one IPv4 and one IPv6/);
  });
});
