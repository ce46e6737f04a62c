// The pod network end to end on the multi-host harness, one backend per scenario file
// (scenarios/pod-network-*.test.ts): pods on h1, h2, h3 talk by pod IP over TCP and UDP
// (1 MB each, hashed at both ends, UDP in full-MTU datagrams), the receiver seeing the
// sender's pod IP; a pod reaches the control-plane address outside the cluster through
// NAT (the server sees the node's address); a killed container comes back in the same
// namespace; an agent SIGKILL and a Docker restart leave the network working and the
// other pods untouched; a deleted node's routes, neighbour and FDB entries leave the other
// hosts, and the node rejoins with a new range. Every fault ends with assertInvariants.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../../api/types.js';
import { nodeName, type Cluster } from './harness.js';
import { assertInvariants } from './invariants.js';
import { BRIDGE_IP, BRIDGE_IP6, LINK_MTU, hostIP, hostIP6, netnsName } from './network.js';
import { NS, expectDelivered, fullDatagram, httpGet, ipOf, kernelEntries, kubectlWide, pairPod, podMtu, tunnelAddress, waitPodRunning, type PodAt } from './pod-traffic.js';
import { record } from './results.js';
import { runningContainers, useCluster, withLogs } from './scenario-kit.js';
import { docker } from './docker-engine.js';
import { run, waitUntil } from './sh.js';

export interface PodNetworkScenario {
  /** Name in the convergence table (starts with its number). */
  scenario: string;
  backend: 'vxlan' | 'host-gw';
  /** Dual-stack cluster CIDR: pods get an IPv6 address too, and IPv6 crosses hosts. */
  dualStack: boolean;
}

const DUAL_STACK_FLAGS = ['--cluster-cidr', '10.244.0.0/16,fd00:10:244::/56'];
/** The root namespace, where the control plane listens: outside every cluster CIDR. */
const ROOT_NETNS = `/proc/${process.pid}/ns/net`;

export function podNetworkScenarios(s: PodNetworkScenario): void {
  describe(s.scenario, () => {
    let cluster!: Cluster;
    useCluster({ hosts: 3, agentFlags: ['--network-backend', s.backend], controllerManagerFlags: s.dualStack ? DUAL_STACK_FLAGS : [] }, (c) => (cluster = c));
    const families: Array<4 | 6> = s.dualStack ? [4, 6] : [4];
    const mtu = s.backend === 'vxlan' ? LINK_MTU - 50 : LINK_MTU;
    const pods: Record<string, PodAt> = {};
    const rangesOf = async (i: number) => (await cluster.client.nodes.get(nodeName(i))).spec?.podCIDRs ?? [];

    /** 1 MB TCP and UDP (full-MTU datagrams) from `from` to `to` in every family; the server sees `from`'s pod IP. */
    async function expectPodTraffic(from: PodAt, to: PodAt): Promise<void> {
      for (const f of families) {
        await expectDelivered('tcp', from.netns, to.netns, ipOf(to, f), ipOf(from, f));
        await expectDelivered('udp', from.netns, to.netns, ipOf(to, f), ipOf(from, f), fullDatagram(mtu, f));
      }
    }

    beforeAll(async () => {
      // Every node programmed for this backend before the first pod.
      await waitUntil(`nodes to report the ${s.backend} network ready`, async () => {
        const list = (await cluster.client.nodes.list()).items;
        return list.length === 3 && list.every((n: Node) => n.metadata.annotations?.['orch.io/backend'] === s.backend && n.status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'False'));
      }, 60_000, 500);
      for (const [name, host] of [['client', 1], ['srv-h2', 2], ['srv-h3', 3]] as const) await cluster.client.pods.create(pairPod(name, host));
      for (const name of ['client', 'srv-h2', 'srv-h3']) pods[name] = await waitPodRunning(cluster, name, families.length);
    });

    it('pods on h1, h2, h3 get addresses of their node\'s ranges (as kubectl shows them) and exchange 1 MB over TCP and UDP by pod IP, each seeing the other\'s pod IP', () => withLogs(cluster, async () => {
      const wide = await kubectlWide(cluster);
      for (const p of Object.values(pods)) {
        expect(wide.get(p.name), `kubectl get pods -o wide: ${p.name}`).toEqual({ ip: p.ips[0], node: nodeName(p.host) });
        const ips = (await cluster.kubectl(['get', 'pod', p.name, '-n', NS, '-o', 'jsonpath={.status.podIPs[*].ip}'])).trim().split(' ');
        expect(ips).toEqual(p.ips);
        expect(await podMtu(p), `${p.name}'s MTU: the link's${s.backend === 'vxlan' ? ' minus the VXLAN overhead' : ''}`).toBe(mtu);
      }
      // Every node a different range, per family.
      const ranges = await Promise.all([1, 2, 3].map(rangesOf));
      expect(ranges.every((r) => r.length === families.length)).toBe(true);
      expect(new Set(ranges.flat()).size).toBe(3 * families.length);

      await expectPodTraffic(pods.client!, pods['srv-h2']!);
      await expectPodTraffic(pods.client!, pods['srv-h3']!);
      // And back, over TCP, from each far pod to h1.
      await expectDelivered('tcp', pods['srv-h2']!.netns, pods.client!.netns, ipOf(pods.client!, 4), ipOf(pods['srv-h2']!, 4));
      await expectDelivered('tcp', pods['srv-h3']!.netns, pods.client!.netns, ipOf(pods.client!, 4), ipOf(pods['srv-h3']!, 4));
    }));

    it('a pod reaches an address outside the cluster range through NAT: the server sees the node\'s address', () => withLogs(cluster, async () => {
      await expectDelivered('tcp', pods.client!.netns, ROOT_NETNS, BRIDGE_IP, hostIP(1));
      if (s.dualStack) await expectDelivered('tcp', pods.client!.netns, ROOT_NETNS, BRIDGE_IP6, hostIP6(1));
    }));

    it('a killed container comes back in the same sandbox: same pod IP, its sibling not restarted', () => withLogs(cluster, async () => {
      const p = pods['srv-h2']!;
      const byName = async () => new Map((await cluster.dockerPs(2)).filter((c) => c.labels['orch.io/pod-uid'] === p.uid && c.running).map((c) => [c.labels['orch.io/container'], c]));
      const before = await byName();
      const t0 = Date.now();
      const killed = await docker(2, ['kill', before.get('web')!.id]);
      expect(killed.code, killed.stderr).toBe(0);
      const after = await waitUntil('web of srv-h2 to run again (restartCount 1)', async () => {
        const pod = await cluster.client.pods.get(p.name, NS);
        const web = pod.status?.containerStatuses?.find((c) => c.name === 'web');
        return web?.restartCount === 1 && web.state?.running && web.ready ? byName() : undefined;
      }, 60_000, 500);
      record(s.scenario, 'docker kill web -> running again', Date.now() - t0);
      expect(after.get('web')!.id).not.toBe(before.get('web')!.id);
      for (const c of ['POD', 'side']) expect(after.get(c), `${c} untouched`).toEqual(before.get(c));
      const pod = await cluster.client.pods.get(p.name, NS);
      expect(pod.status?.podIPs?.map((x) => x.ip)).toEqual(p.ips);
      expect(pod.status?.containerStatuses?.find((c) => c.name === 'side')?.restartCount).toBe(0);
      expect((await kubectlWide(cluster)).get(p.name)?.ip).toBe(p.ips[0]);
      // The new web answers at the same address, from the pod on h1.
      for (const f of families) expect(await httpGet(pods.client!.netns, ipOf(p, f))).toContain('Hello from orch');
      await assertInvariants(cluster);
    }));

    it('an agent SIGKILL changes nothing: traffic flows while it is down and after its restart, no container restarts', () => withLogs(cluster, async () => {
      const before = await runningContainers(cluster);
      await cluster.killAgent(2);
      // The kernel keeps everything the agent programmed.
      await expectDelivered('tcp', pods.client!.netns, pods['srv-h2']!.netns, ipOf(pods['srv-h2']!, 4), ipOf(pods.client!, 4));
      const t0 = Date.now();
      await cluster.startAgent(2);
      await cluster.waitNodesReady([nodeName(2)], 60_000);
      // Proof the restarted agent reconciles the network: a route deleted by hand comes back.
      const [h1Range] = await rangesOf(1);
      await run('ip', ['-n', netnsName(2), 'route', 'del', h1Range!]);
      await waitUntil(`h2's route to ${h1Range} to come back`, async () => (await kernelEntries(2)).routes.some((r) => r.startsWith(`${h1Range} `)), 30_000, 250);
      record(s.scenario, 'agent restarted -> route deleted by hand back', Date.now() - t0);
      await expectPodTraffic(pods.client!, pods['srv-h2']!);
      await expectDelivered('tcp', pods['srv-h2']!.netns, pods.client!.netns, ipOf(pods.client!, 4), ipOf(pods['srv-h2']!, 4));
      await assertInvariants(cluster);
      expect([...(await runningContainers(cluster)).entries()].sort()).toEqual([...before.entries()].sort());
    }));

    it('a Docker restart on h3: its pod runs again in a new sandbox that pods reach; the other hosts\' pods are untouched', () => withLogs(cluster, async () => {
      const others = [...(await runningContainers(cluster)).entries()].filter(([, v]) => !v.startsWith('h3 ')).sort();
      const t0 = Date.now();
      await cluster.restartDocker(3);
      pods['srv-h3'] = await waitPodRunning(cluster, 'srv-h3', families.length, 90_000, t0 - 1000);
      await expectPodTraffic(pods.client!, pods['srv-h3']!);
      record(s.scenario, 'docker restart h3 -> pod traffic again', Date.now() - t0);
      await assertInvariants(cluster);
      expect([...(await runningContainers(cluster)).entries()].filter(([, v]) => !v.startsWith('h3 ')).sort()).toEqual(others);
    }));

    it('a deleted node\'s routes, neighbour and FDB entries leave the other hosts; it rejoins with a range of its own', () => withLogs(cluster, async () => {
      const old = await rangesOf(3);
      const ofH3 = (e: Awaited<ReturnType<typeof kernelEntries>>) => [
        ...e.routes.filter((r) => old.some((c) => r.startsWith(`${c} `))),
        ...e.neighbours.filter((n) => old.some((c) => n.startsWith(`${tunnelAddress(c)} `))),
        ...e.fdb.filter((f) => f.endsWith(` ${hostIP(3)}`)),
      ];
      // What must go is there now: one route per range; vxlan: a neighbour per range and one FDB entry.
      const perPeer = s.backend === 'vxlan' ? 2 * old.length + 1 : old.filter((c) => !c.includes(':')).length;
      for (const i of [1, 2]) expect(ofH3(await kernelEntries(i)), `h${i}'s entries for h3`).toHaveLength(perPeer);
      const keep = await kernelEntries(1);

      await cluster.stopAgent(3);
      const t0 = Date.now();
      await cluster.kubectl(['delete', 'node', nodeName(3)]);
      for (const i of [1, 2]) await waitUntil(`h${i} to forget h3`, async () => ofH3(await kernelEntries(i)).length === 0, 30_000, 250);
      record(s.scenario, 'node h3 deleted -> its entries gone on h1,h2', Date.now() - t0);
      const now = await kernelEntries(1);
      // Only h3's entries went: h2's are all still there.
      expect(now.routes.sort()).toEqual(keep.routes.filter((r) => !old.some((c) => r.startsWith(`${c} `))).sort());
      expect(now.fdb.sort()).toEqual(keep.fdb.filter((f) => !f.endsWith(` ${hostIP(3)}`)).sort());
      await expectDelivered('tcp', pods.client!.netns, pods['srv-h2']!.netns, ipOf(pods['srv-h2']!, 4), ipOf(pods.client!, 4));

      // h3 comes back: its pods of the deleted Node are gone, it registers again, gets a
      // new range (the old one is not handed out again at once), and its new pod is reached.
      await waitUntil('the deleted node\'s pod to be removed', async () => !(await cluster.client.pods.list()).items.some((p) => p.metadata.name === 'srv-h3'), 30_000, 500);
      const t1 = Date.now();
      await cluster.startAgent(3);
      await cluster.waitNodesReady([nodeName(3)], 60_000);
      await cluster.client.pods.create(pairPod('srv-h3-again', 3));
      pods['srv-h3-again'] = await waitPodRunning(cluster, 'srv-h3-again', families.length);
      const fresh = await rangesOf(3);
      expect(fresh.filter((c) => old.includes(c))).toEqual([]);
      await expectPodTraffic(pods.client!, pods['srv-h3-again']!);
      record(s.scenario, 'h3 rejoined -> pod traffic to its new range', Date.now() - t1);
      await assertInvariants(cluster);
    }));
  });
}
