// Scenario 11b: Services on three hosts with the proxies in nftables mode
// (`orch proxy --proxy-mode nftables`), real traffic. The same workload as scenario 11
// (a Deployment of 3 `who` backends, a client pod pinned to each host), fewer checks:
// by ClusterIP every client reaches every backend (each 20–47 % of 600 requests) and the
// backends see the client pods' own addresses; a NodePort on every host's address reaches
// backends on other hosts; a backend reaching its own service is answered (hairpin);
// scaled to 0 → refused at once; a deleted service leaves every host's table; no proxy
// chain in any host's iptables (the other mode's rules are not written).

import { beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '../../../api/types.js';
import { nodeName, type Cluster } from '../harness.js';
import { hostIP, netnsPath } from '../network.js';
import { NS, waitPodRunning, type PodAt } from '../pod-traffic.js';
import { record } from '../results.js';
import { useCluster, webDeployment, withLogs } from '../scenario-kit.js';
import { clientPod, connectOutcome, refusedFromEveryClient, describeSpread, natRules, spread, WHO_BACKEND } from '../service-traffic.js';
import { run, waitUntil } from '../sh.js';

const SCENARIO = '11b services (nftables)';
const ROOT_NETNS = `/proc/${process.pid}/ns/net`;
const REQUESTS = 600;
const NODE_PORT = 30090;


const service = (name: string, spec: Service['spec']): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec }) as Service;

/** Host i's ruleset as `nft list ruleset` prints it. */
const nftRules = (i: number) => run('nsenter', [`--net=${netnsPath(i)}`, 'nft', 'list', 'ruleset']);

describe(SCENARIO, () => {
  let cluster!: Cluster;
  useCluster({ hosts: 3, proxies: true, proxyFlags: ['--proxy-mode', 'nftables'] }, (c) => (cluster = c));
  const clients: PodAt[] = [];
  const ips: Record<string, string> = {};

  const readyEndpoints = async (svc: string): Promise<string[]> =>
    (await cluster.client.resource<EndpointSlice>('endpointslices').list({ namespace: NS, labelSelector: `kubernetes.io/service-name=${svc}` })).items.flatMap((s) =>
      s.endpoints.filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses),
    );
  const webPods = async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const scale = (replicas: number) => cluster.client.deployments.updateScale('web', NS, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: NS }, spec: { replicas } });

  beforeAll(async () => {
    const base = webDeployment('web', 3);
    await cluster.client.deployments.create({
      ...base,
      spec: {
        ...base.spec,
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'who', image: 'orch.local/busybox:latest', imagePullPolicy: 'Never', command: WHO_BACKEND, ports: [{ name: 'http', containerPort: 8080 }] }] },
        },
      },
    });
    for (const i of [1, 2, 3]) await cluster.client.pods.create(clientPod(`client-h${i}`, i, NS));
    const created = await Promise.all([
      cluster.client.services.create(service('web', { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] })),
      cluster.client.services.create(service('web-np', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, nodePort: NODE_PORT }] })),
      cluster.client.services.create(service('web-extra', { selector: { app: 'web' }, ports: [{ port: 81, targetPort: 8080 }] })),
    ]);
    for (const s of created) ips[s.metadata.name!] = s.spec.clusterIP!;
    for (const i of [1, 2, 3]) clients.push(await waitPodRunning(cluster, `client-h${i}`, 1));
    await waitUntil('3 web pods ready', async () => (await webPods()).filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3, 90_000, 500);
    await waitUntil('the web endpoints ready', async () => (await readyEndpoints('web')).length === 3, 60_000, 500);
  }, 240_000);

  it('by ClusterIP, every client reaches all three backends, each 20–47 % of 600 requests, and the backends see the client pod IPs; no proxy chain in iptables', () =>
    withLogs(cluster, async () => {
      const backends = (await webPods()).map((p) => p.metadata.name!).sort();
      const t0 = Date.now();
      for (const c of clients) {
        const s = await spread(c.netns, `http://${ips.web}/cgi-bin/who`, REQUESTS);
        const msg = `from ${c.name}: ${describeSpread(s)}`;
        expect(s.errors, msg).toEqual({});
        expect([...s.byPod.keys()].sort(), msg).toEqual(backends);
        for (const n of s.byPod.values()) {
          expect(n, msg).toBeGreaterThanOrEqual(0.2 * REQUESTS);
          expect(n, msg).toBeLessThanOrEqual(0.47 * REQUESTS);
        }
        expect([...s.sources], msg).toEqual([c.ips[0]]);
      }
      record(SCENARIO, `3 clients x ${REQUESTS} requests by ClusterIP`, Date.now() - t0);
      for (const i of [1, 2, 3]) {
        expect(await natRules(i), `h${i}'s iptables`).not.toContain(':ORCH-SERVICES-');
        expect(await nftRules(i), `h${i}'s nft table`).toContain(`${ips.web} . tcp . 80 : goto svc-`);
      }
    }));

  it('a backend reaching its own service is answered by every backend, itself included (hairpin)', () =>
    withLogs(cluster, async () => {
      const pods = await webPods();
      const self = await waitPodRunning(cluster, pods[0]!.metadata.name!, 1);
      const s = await spread(self.netns, `http://${ips.web}/cgi-bin/who`, 60);
      expect(s.errors, describeSpread(s)).toEqual({});
      expect([...s.byPod.keys()], describeSpread(s)).toContain(self.name);
    }));

  it("a NodePort on every host's address reaches backends on the other hosts", () =>
    withLogs(cluster, async () => {
      const where = new Map((await webPods()).map((p) => [p.metadata.name!, p.spec.nodeName!]));
      for (const i of [1, 2, 3]) {
        const s = await spread(ROOT_NETNS, `http://${hostIP(i)}:${NODE_PORT}/cgi-bin/who`, 60);
        const msg = `NodePort ${hostIP(i)}:${NODE_PORT}: ${describeSpread(s)}`;
        expect(s.errors, msg).toEqual({});
        expect([...s.byPod.keys()].filter((p) => where.get(p) !== nodeName(i)).length, msg).toBeGreaterThan(0);
      }
    }));

  it('scaled to 0, the service refuses connections at once on every host; scaled back, it answers again', () =>
    withLogs(cluster, async () => {
      await scale(0);
      await waitUntil('no ready endpoint for web', async () => (await readyEndpoints('web')).length === 0, 60_000, 200);
      const refused = await refusedFromEveryClient(clients, ips.web!, 80);
      record(SCENARIO, 'scaled to 0 -> refused', refused.waitedMs);
      expect(refused.refusedMs, 'refused at once, not after a timeout').toBeLessThan(1000);
      expect(refused.others).toEqual(clients.slice(1).map(() => 'ECONNREFUSED'));
      await scale(3);
      await waitUntil('the web endpoints ready again', async () => (await readyEndpoints('web')).length === 3, 90_000, 500);
      await waitUntil('web answers again from every client', async () => {
        for (const c of clients) if ((await connectOutcome(c.netns, ips.web!, 80, 2000)).outcome !== 'connected') return false;
        return true;
      }, 10_000, 200);
    }));

  it("a deleted service's elements leave every host's table; the others stay", () =>
    withLogs(cluster, async () => {
      for (const i of [1, 2, 3]) expect(await nftRules(i), `h${i} programs web-extra`).toContain(`${ips['web-extra']} . tcp . 81`);
      await cluster.client.services.delete('web-extra', NS);
      const t0 = Date.now();
      await waitUntil("web-extra gone from every host's table", async () => {
        for (const i of [1, 2, 3]) if ((await nftRules(i)).includes(`${ips['web-extra']} . tcp . 81`)) return false;
        return true;
      }, 30_000, 200);
      record(SCENARIO, 'service deleted -> gone on 3 hosts', Date.now() - t0);
      for (const i of [1, 2, 3]) expect(await nftRules(i)).toContain(`${ips.web} . tcp . 80`);
      expect((await connectOutcome(clients[1]!.netns, ips.web!, 80, 2000)).outcome).toBe('connected');
    }));
});
