// The docker-compose demo cluster (deploy/docker-compose.yml), offline and end to end:
// build the images without a registry (deploy/images/build-offline.sh), bring the cluster
// up with the compose tool the machine has, see both agents Ready with their pod network,
// spread a 4-replica Deployment over them, read a pod's logs through the apiserver (which
// proxies to the agent's TLS endpoint), send traffic from a pod on one node to a pod on the
// other by pod IP, `docker kill` one agent and see all 4 replicas running on the other,
// then tear down (with the documented `orch agent --cleanup-network` in the agent image)
// and prove nothing of the run is left on the engine or in the host's kernel.
//
// Node names and the project name are unique to this run: two clusters on one engine
// with the same node names would fight over each other's containers. The agents program
// this host's own kernel (network_mode: host), so the cluster CIDR is one nothing else
// here uses (ORCH_E2E_CLUSTER_CIDR to change it).

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import { cidrContains, mustParseCidr, parseIp } from '../../api/net/cidr.js';
import type { Deployment, Pod } from '../../api/types.js';
import { freePort } from '../helpers/ports.js';
import { eventually as waitFor } from '../helpers/eventually.js';

const repo = path.resolve(import.meta.dirname, '../..');
const composeFile = path.join(repo, 'deploy/docker-compose.yml');
const project = `orch-e2e-${process.pid}`;
const node1 = `ce2e-${process.pid}-1`;
const node2 = `ce2e-${process.pid}-2`;
const agentRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-compose-e2e-'));
// Secret volumes: a tmpfs directory on the host (deploy/docker-compose.yml, ORCH_AGENT_RUN).
const agentRun = fs.mkdtempSync(path.join('/dev/shm', 'orch-compose-e2e-'));
const loginDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-compose-login-'));
const clusterCIDR = process.env.ORCH_E2E_CLUSTER_CIDR || '10.243.0.0/16';
/** The first two octets, to find this cluster's addresses in `ip` and `iptables-save` output. */
const cidrPrefix = clusterCIDR.split('.').slice(0, 2).join('.') + '.';
const serviceCIDR = process.env.ORCH_E2E_SERVICE_CIDR || '10.95.0.0/16';

/** `docker compose` (v2 plugin) when present, else `docker-compose` (v1); ORCH_COMPOSE forces one. */
function composeCommand(): string[] {
  const forced = process.env.ORCH_COMPOSE;
  if (forced) return forced.split(' ');
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` is installed (apt-get install -y docker-compose)');
}

let env: NodeJS.ProcessEnv;
let compose: string[];
let client: ApiClient;
let started = false;

function run(cmd: string[], timeoutMs = 180_000): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8', timeout: timeoutMs, cwd: repo });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const dc = (args: string[], timeoutMs?: number) => run([...compose, '-p', project, '-f', composeFile, ...args], timeoutMs);
const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);
/** Lines of the host's kernel state (addresses, routes, IPv4 rules) that name this cluster's range. */
const kernelLinesOfCluster = () =>
  ['ip -o addr', 'ip route show table all', 'iptables-save'].flatMap((c) => execFileSync('sh', ['-c', c], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(cidrPrefix)));
/** The id of a pod's container (not its sandbox). */
const containerOf = (p: Pod, name: string) => docker(['ps', '-q', '--filter', `label=orch.io/pod-uid=${p.metadata.uid}`, '--filter', `label=orch.io/container=${name}`])[0];

/** The shared eventually(), checking once a second, with the compose logs on a timeout. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  try {
    return await waitFor(what, fn, timeoutMs, 1000);
  } catch (err) {
    let logs = '';
    try {
      logs = dc(['logs', '--tail', '20']);
    } catch {
      /* the timeout is the error worth reporting */
    }
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

const live = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running';
async function runningByNode(): Promise<Record<string, number>> {
  const pods = await client.pods.list({ namespace: 'default', labelSelector: 'app=spread' });
  const byNode: Record<string, number> = {};
  for (const p of pods.items.filter(live)) byNode[p.spec.nodeName ?? ''] = (byNode[p.spec.nodeName ?? ''] ?? 0) + 1;
  return byNode;
}

/** What `orch agent --cleanup-network` printed during the tear-down. */
let cleanupOutput = '';

function tearDown(): void {
  try {
    dc(['down', '-v', '--remove-orphans', '-t', '5']);
  } finally {
    try {
      removePodsAndNetwork();
    } finally {
      fs.rmSync(agentRoot, { recursive: true, force: true });
      fs.rmSync(agentRun, { recursive: true, force: true });
      fs.rmSync(loginDir, { recursive: true, force: true });
    }
  }
}

function removePodsAndNetwork(): void {
  // Pods keep running when their agent stops (and of a killed agent nobody is left to
  // stop them): removed as deploy/README.md says, then the pod network they held.
  for (const n of [node1, node2]) {
    const ids = docker(['ps', '-aq', '--filter', `label=orch.io/node=${n}`]);
    if (ids.length) docker(['rm', '-f', ...ids]);
  }
  // The documented cleanup, in the agent image; once per node so only this run's Docker
  // networks go (the engine is shared), the host's kernel state with the first.
  // Tried again on failure: on a machine shared with other orch clusters (other tests),
  // their agents may re-insert a jump into orch's chains between its removal and the
  // chain's, and iptables refuses to delete a chain still jumped to.
  for (const n of [node1, node2]) {
    for (let attempt = 1; ; attempt++) {
      try {
        cleanupOutput += run(['docker', 'run', '--rm', '--name', `${project}-cleanup-${n}`, '--network', 'host', '--cap-add', 'NET_ADMIN',
          '-v', '/var/run/docker.sock:/var/run/docker.sock', env.ORCH_IMAGE!, 'agent', '--cleanup-network', '--node-name', n]);
        break;
      } catch (err) {
        if (attempt === 3) throw err;
        execFileSync('sleep', ['1']);
      }
    }
  }
}

describe('docker-compose demo cluster (offline)', () => {
  beforeAll(async () => {
    compose = composeCommand();
    const inUse = kernelLinesOfCluster();
    if (inUse.length) throw new Error(`${clusterCIDR} is in use on this host (set ORCH_E2E_CLUSTER_CIDR):\n${inUse.join('\n')}`);
    const apiPort = await freePort();
    // The agents share the host's network: their ports must be free there.
    const agentPorts = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()].map(String);
    env = {
      ...process.env,
      // ORCH_COMPOSE_IMAGE: another tag, so a run from a branch leaves the shared one alone.
      ORCH_IMAGE: process.env.ORCH_COMPOSE_IMAGE || 'orch.local/orch:latest',
      ETCD_IMAGE: 'orch.local/etcd:latest',
      ORCH_API_PORT: String(apiPort),
      ORCH_NODE_1: node1,
      ORCH_NODE_2: node2,
      ORCH_AGENT_ROOT: agentRoot,
      ORCH_AGENT_RUN: agentRun,
      ORCH_NODE_MONITOR_GRACE_PERIOD: '10s',
      ORCH_POD_EVICTION_TIMEOUT: '5s',
      ORCH_CLUSTER_CIDR: clusterCIDR,
      // Distinct from the Service ranges of the orch up clusters other e2e files run here.
      ORCH_SERVICE_CIDR: serviceCIDR,
      ORCH_POD_INFRA_IMAGE: 'orch.local/pause:3.10',
      ORCH_NODE_1_LOG_PORT: agentPorts[0],
      ORCH_NODE_1_HEALTHZ_PORT: agentPorts[1],
      ORCH_NODE_2_LOG_PORT: agentPorts[2],
      ORCH_NODE_2_HEALTHZ_PORT: agentPorts[3],
      ORCH_NODE_1_PROXY_PORT: agentPorts[4],
      ORCH_NODE_2_PROXY_PORT: agentPorts[5],
      ORCH_CONFIG: path.join(loginDir, 'config.json'),
      COMPOSE: compose.join(' '),
    };
    run([path.join(repo, 'deploy/images/build-offline.sh')], 300_000);
    run([path.join(repo, 'scripts/build-test-images.sh')]);
    started = true;
    dc(['up', '-d', '--no-build']);
    // The documented way for `orch` on the host to reach the cluster.
    run([path.join(repo, 'deploy/demo-login.sh'), '-p', project, '--dir', loginDir]);
    client = new ApiClient({
      server: `https://127.0.0.1:${apiPort}`,
      ca: fs.readFileSync(path.join(loginDir, 'ca.crt'), 'utf8'),
      token: fs.readFileSync(path.join(loginDir, 'admin.token'), 'utf8').trim(),
      timeoutMs: 10_000,
    });
  }, 420_000);

  afterAll(() => {
    if (started) tearDown();
  }, 120_000);

  it('brings both agents up Ready with their pod network, and `orch` on the host reaches the cluster', async () => {
    const condition = (n: { status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } }, type: string) => n.status?.conditions?.find((c) => c.type === type);
    const nodes = await eventually('both nodes Ready and untainted, their pod network programmed', async () => {
      const items = (await client.nodes.list()).items.filter((n) => n.metadata.name === node1 || n.metadata.name === node2);
      // Untainted too: the node lifecycle controller lifts the not-ready taint of a new node a
      // moment after it turns Ready, and until then the scheduler (rightly) skips it.
      const schedulable = (n: { spec?: { taints?: Array<{ effect: string }> } }) => !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
      const ok = items.filter((n) => condition(n, 'Ready')?.status === 'True' && condition(n, 'NetworkUnavailable')?.status === 'False' && schedulable(n));
      return ok.length === 2 ? items : undefined;
    }, 120_000);
    const cluster = mustParseCidr(clusterCIDR);
    for (const n of nodes) {
      expect(condition(n, 'NetworkUnavailable')?.reason).toBe('RouteCreated');
      // A range of the cluster CIDR given to the compose controller manager.
      expect(n.spec?.podCIDRs).toHaveLength(1);
      expect(cidrContains(cluster, parseIp(n.spec!.podCIDRs![0]!.split('/')[0]!)!)).toBe(true);
      // The host's own address, where the apiserver (on the compose network) reaches the agent.
      const internal = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
      expect(n.metadata.annotations?.['orch.io/public-ip']).toBe(internal);
      expect(n.metadata.annotations?.['orch.io/backend']).toBe('vxlan');
    }
    expect(nodes[0]!.spec!.podCIDRs).not.toEqual(nodes[1]!.spec!.podCIDRs);
    // One pod bridge per node on the host's engine, with Docker's masquerade off.
    for (const n of [node1, node2]) {
      const [net] = JSON.parse(execFileSync('docker', ['network', 'inspect', `orch-pods-${n}`], { encoding: 'utf8' })) as Array<{ Options: Record<string, string> }>;
      expect(net!.Options['com.docker.network.bridge.enable_ip_masquerade']).toBe('false');
    }
    const out = run(['node', path.join(repo, 'dist/cli/main.js'), 'get', 'nodes']);
    expect(out).toContain(node1);
    expect(out).toContain(node2);
  }, 150_000);

  it('spreads a 4-replica Deployment over both nodes and serves logs through the agent TLS endpoint', async () => {
    await client.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'spread', namespace: 'default' }, data: { key: Buffer.from('in-memory').toString('base64') } });
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'spread', namespace: 'default' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            volumes: [{ name: 's', secret: { secretName: 'spread' } }],
            containers: [
              {
                name: 'main',
                image: 'orch.local/busybox:latest',
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'echo hello-from-$HOSTNAME-$(cat /etc/s/key); exec sleep 3600'],
                volumeMounts: [{ name: 's', mountPath: '/etc/s' }],
              },
            ],
          },
        },
      },
    } as Deployment;
    await client.deployments.create(dep);
    const byNode = await eventually('4 running replicas', async () => {
      const b = await runningByNode();
      return Object.values(b).reduce((a, n) => a + n, 0) === 4 ? b : undefined;
    }, 120_000);
    expect(Object.keys(byNode).sort()).toEqual([node1, node2].sort());
    expect(byNode[node1]).toBeGreaterThanOrEqual(1);
    expect(byNode[node2]).toBeGreaterThanOrEqual(1);

    const pods = await client.pods.list({ namespace: 'default', labelSelector: 'app=spread' });
    const onNode1 = pods.items.find((p) => live(p) && p.spec.nodeName === node1);
    const podName = onNode1?.metadata.name ?? '';
    expect(podName).not.toBe('');
    const text = await eventually('pod logs', async () => {
      let s = '';
      for await (const chunk of await client.podLogs('default', podName)) s += chunk.toString();
      return s.includes('hello-from-') ? s : undefined;
    }, 30_000);
    expect(text).toContain(`hello-from-${podName}-in-memory`);
    // The secret came from the host's tmpfs (ORCH_AGENT_RUN), not from a disk.
    const cid = containerOf(onNode1!, 'main');
    const source = JSON.parse(execFileSync('docker', ['inspect', cid!], { encoding: 'utf8' }))[0].Mounts.find((m: { Destination: string }) => m.Destination === '/etc/s').Source as string;
    expect(source.startsWith(`${agentRun}/`)).toBe(true);
    expect(execFileSync('stat', ['-f', '-c', '%T', source], { encoding: 'utf8' }).trim()).toBe('tmpfs');
  }, 180_000);

  it('a pod on one node reaches a pod on the other by pod IP (seen with its own IP), by its Service\'s ClusterIP and by DNS name', async () => {
    const pod = (name: string, nodeName: string, script: string): Pod =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: name } },
        spec: {
          nodeName,
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script] }],
        },
      }) as Pod;
    // The server answers with the address its client connected from (busybox httpd CGI).
    const cgi = "printf '#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/peer && chmod +x /www/cgi-bin/peer";
    await client.pods.create(pod('net-server', node2, `mkdir -p /www/cgi-bin && ${cgi} && exec httpd -f -p 8080 -h /www`));
    await client.pods.create(pod('net-client', node1, 'exec sleep 3600'));
    const [server, clientPod] = await eventually('both pods running with an IP', async () => {
      const ps = await Promise.all(['net-server', 'net-client'].map((n) => client.pods.get(n, 'default')));
      return ps.every((p) => p.status?.phase === 'Running' && p.status.podIP) ? ps : undefined;
    }, 120_000);
    // Each pod's IP is in its own node's range.
    for (const p of [server!, clientPod!]) {
      const node = await client.nodes.get(p.spec.nodeName!);
      expect(cidrContains(mustParseCidr(node.spec!.podCIDRs![0]!), parseIp(p.status!.podIP!)!)).toBe(true);
    }
    // Retried: another orch cluster on this host's kernel rewrites orch's firewall chains
    // with its own range until this cluster's agents write theirs again (docs/networking.md).
    const url = `http://${server!.status!.podIP}:8080/cgi-bin/peer`;
    const seen = await eventually(`${node1} → ${url}`, async () => {
      // (busybox 1.35's wget -T crashes: timeout(1) bounds it instead.)
      const r = spawnSync('docker', ['exec', containerOf(clientPod!, 'main')!, 'sh', '-c', `timeout 5 wget -q -O /tmp/peer ${url} && cat /tmp/peer`], { encoding: 'utf8' });
      if (r.status !== 0 || !r.stdout.trim()) throw new Error(`exit ${r.status ?? r.signal}: ${r.stderr.trim()}`);
      return r.stdout.trim();
    }, 60_000);
    // No NAT between pods: the server sees the client pod's own address (IPv4-mapped by httpd).
    expect(seen.replace(/^\[(::ffff:)?|\]$/g, '')).toBe(clientPod!.status!.podIP);

    // The same server behind a Service: the proxies (proxy-1, proxy-2) route its ClusterIP,
    // cluster DNS on node 1's pod gateway resolves its name.
    const svc = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'net-server', namespace: 'default' }, spec: { selector: { app: 'net-server' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const clusterIP = svc.spec.clusterIP!;
    expect(cidrContains(mustParseCidr(serviceCIDR), parseIp(clusterIP)!)).toBe(true);
    const viaService = await eventually(`${node1} → http://${clusterIP}/`, async () => {
      const r = spawnSync('docker', ['exec', containerOf(clientPod!, 'main')!, 'sh', '-c', `timeout 5 wget -q -O /tmp/peer http://${clusterIP}/cgi-bin/peer && cat /tmp/peer`], { encoding: 'utf8' });
      if (r.status !== 0 || !r.stdout.trim()) throw new Error(`exit ${r.status ?? r.signal}: ${r.stderr.trim()}`);
      return r.stdout.trim();
    }, 60_000);
    expect(viaService.replace(/^\[(::ffff:)?|\]$/g, '')).toBe(clientPod!.status!.podIP);
    const lookup = await eventually('nslookup net-server in the client pod', async () => {
      const r = spawnSync('docker', ['exec', containerOf(clientPod!, 'main')!, 'nslookup', 'net-server.default.svc.cluster.local'], { encoding: 'utf8' });
      return r.status === 0 && r.stdout.includes(clusterIP) ? r.stdout : undefined;
    }, 30_000);
    expect(lookup).toContain(clusterIP);
  }, 180_000);

  it('moves every replica to the other node when one agent container is killed', async () => {
    const [agent1] = dc(['ps', '-q', 'agent-1']).split('\n').filter(Boolean);
    expect(agent1).toBeTruthy();
    docker(['kill', agent1!]);
    // Grace period 10s + eviction 5s + rescheduling; 120s leaves room on a busy machine.
    await eventually(`all 4 replicas running on ${node2}`, async () => {
      const b = await runningByNode();
      return b[node2] === 4 && !b[node1] ? b : undefined;
    }, 120_000);
    const n1 = await client.nodes.get(node1);
    expect(n1.status?.conditions?.find((c) => c.type === 'Ready')?.status).not.toBe('True');
  }, 150_000);

  it('tears down leaving no containers, networks, volumes or kernel state behind', () => {
    started = false;
    tearDown();
    expect(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
    for (const n of [node1, node2]) expect(docker(['ps', '-aq', '--filter', `label=orch.io/node=${n}`])).toEqual([]);
    expect(docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
    expect(docker(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n.startsWith(`${project}_`))).toEqual([]);
    expect(docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
    // The pod networks, removed by `orch agent --cleanup-network` (compose down cannot: the
    // agents leave them in place for their pods, as they do on a restart).
    for (const n of [node1, node2]) {
      expect(cleanupOutput).toContain(`removed Docker network orch-pods-${n}`);
      expect(docker(['network', 'ls', '-q', '--filter', `label=orch.io/node=${n}`])).toEqual([]);
    }
    // Nothing of this cluster's range in the host's addresses (orch.1, the bridges), routes or rules.
    expect(kernelLinesOfCluster()).toEqual([]);
  }, 120_000);
});
