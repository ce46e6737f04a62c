// Pods and their traffic on the multi-host harness, for the pod network scenarios: pods
// pinned to a host, their addresses (from the API and from kubectl), the network namespace
// their sandbox holds (/proc/<pid>/ns/net of the pause container), transfers between those
// namespaces (host-traffic.ts: 1 MB hashed at both ends, UDP as a stop-and-wait echo of
// MTU-sized datagrams, the server reporting the source address it saw), and what orch
// wrote into a host's kernel (routes with protocol 184, neighbour and FDB entries on orch.1).

import { expect } from 'vitest';
import type { Pod } from '../../api/types.js';
import { cidrContains, mustParseCidr, parseIp } from '../../api/net/cidr.js';
import { docker } from './docker-engine.js';
import { nodeName, type Cluster } from './harness.js';
import { transfer, type Place, type Transfer } from './host-traffic.js';
import { netnsName } from './network.js';
import { exec, run, waitUntil } from './sh.js';

export const NS = 'default';
export const MB = 1024 * 1024;
export const WEB_PORT = 8080;
/** orch's routes carry this protocol number (agent/network/route-plan.ts ROUTE_PROTO). */
const ROUTE_PROTO = '184';
const VXLAN_DEVICE = 'orch.1';

/** A pod of two containers: `web` (busybox httpd on 8080) and `side` (sleep), so one can be killed beside the other. */
export function pairPod(name: string, host: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { 'orch.test': 'pod-network' } },
    spec: {
      nodeName: nodeName(host),
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'web', image: 'orch.local/web:latest', imagePullPolicy: 'Never' },
        { name: 'side', image: 'orch.local/busybox:latest', imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'] },
      ],
    },
  } as Pod;
}

export interface PodAt {
  name: string;
  host: number;
  uid: string;
  /** status.podIPs: IPv4 first, then IPv6 on a dual-stack cluster. */
  ips: string[];
  /** The running sandbox container's id and its network namespace (a Place for transfer()). */
  sandbox: string;
  netns: string;
}

const isV6 = (ip: string) => ip.includes(':');
export const ipOf = (p: PodAt, family: 4 | 6): string => {
  const ip = p.ips.find((x) => isV6(x) === (family === 6));
  if (!ip) throw new Error(`pod ${p.name} has no IPv${family} address (${p.ips.join(', ')})`);
  return ip;
};

/** The pod's sandbox (pause container) running on its host's engine, if any. */
async function runningSandbox(host: number, uid: string): Promise<{ id: string; pid: number; startedAt: string } | undefined> {
  const ids = (await docker(host, ['ps', '-q', '--no-trunc', '--filter', `label=orch.io/pod-uid=${uid}`, '--filter', 'label=orch.io/container=POD'])).stdout.split('\n').filter(Boolean);
  if (ids.length !== 1) return undefined;
  const r = await docker(host, ['inspect', '-f', '{{.State.Pid}} {{.State.StartedAt}}', ids[0]!]);
  const [pid, startedAt] = r.stdout.trim().split(' ');
  return Number(pid) > 0 ? { id: ids[0]!, pid: Number(pid), startedAt: startedAt! } : undefined;
}

/**
 * Waits until the pod runs every container, its sandbox runs, and the API lists `families`
 * addresses, each inside its node's pod range for that family. `since`: only a sandbox
 * started after it counts (a sandbox replaced after a Docker restart).
 */
export async function waitPodRunning(cluster: Cluster, name: string, families: number, timeoutMs = 90_000, since = 0): Promise<PodAt> {
  let why = '';
  return waitUntil(`pod ${name} to run with ${families} pod-network address(es)`, async () => {
    const pod = await cluster.client.pods.get(name, NS);
    const ips = (pod.status?.podIPs ?? []).map((x) => x.ip);
    const statuses = pod.status?.containerStatuses ?? [];
    const host = Number((pod.spec.nodeName ?? '').replace(/^h/, ''));
    if (pod.status?.phase !== 'Running' || statuses.length !== pod.spec.containers.length || !statuses.every((s) => s.state?.running && s.ready)) {
      why = `phase ${pod.status?.phase}, containers ${JSON.stringify(statuses.map((s) => [s.name, Object.keys(s.state ?? {})[0], s.ready]))}`;
      return undefined;
    }
    const node = await cluster.client.nodes.get(pod.spec.nodeName!);
    const ranges = (node.spec?.podCIDRs ?? []).map(mustParseCidr);
    const inRange = ips.filter((ip) => ranges.some((r) => cidrContains(r, parseIp(ip)!)));
    if (ips.length !== families || inRange.length !== families || pod.status?.podIP !== ips[0]) {
      why = `podIPs [${ips.join(', ')}] (podIP ${pod.status?.podIP}), node ${pod.spec.nodeName} ranges [${node.spec?.podCIDRs?.join(', ')}]`;
      return undefined;
    }
    const sb = await runningSandbox(host, pod.metadata.uid!);
    if (!sb || Date.parse(sb.startedAt) < since) {
      why = sb ? `sandbox started ${sb.startedAt}, before ${new Date(since).toISOString()}` : 'no running sandbox';
      return undefined;
    }
    // The addresses the API shows are the ones the sandbox holds.
    const held = await nsRun(`/proc/${sb.pid}/ns/net`, 'ip', ['-j', 'addr', 'show', 'dev', 'eth0']);
    const local = (JSON.parse(held) as Array<{ addr_info: Array<{ local: string; scope: string }> }>)[0]?.addr_info.filter((a) => a.scope === 'global').map((a) => a.local) ?? [];
    if (!ips.every((ip) => local.includes(ip))) {
      why = `the sandbox holds [${local.join(', ')}], the API says [${ips.join(', ')}]`;
      return undefined;
    }
    return { name, host, uid: pod.metadata.uid!, ips, sandbox: sb.id, netns: `/proc/${sb.pid}/ns/net` };
  }, timeoutMs, 500).catch((err: Error) => {
    throw new Error(`${err.message} (last: ${why})`);
  });
}

/** Runs a command inside a network namespace given by path. */
export function nsRun(netns: string, cmd: string, args: string[]): Promise<string> {
  return run('nsenter', [`--net=${netns}`, cmd, ...args]);
}

/** MTU of eth0 in a pod's namespace. */
export async function podMtu(p: PodAt): Promise<number> {
  return (JSON.parse(await nsRun(p.netns, 'ip', ['-j', 'link', 'show', 'dev', 'eth0'])) as Array<{ mtu: number }>)[0]!.mtu;
}

/** The largest UDP payload that fits one packet at this MTU, minus the 4-byte sequence number of host-traffic's frames. */
export const fullDatagram = (mtu: number, family: 4 | 6) => mtu - (family === 6 ? 40 : 20) - 8 - 4;

/**
 * Moves 1 MB (TCP, or UDP in datagrams of `chunk` payload bytes) from `from` to a server
 * bound to `addr` in `to`, and checks what arrived: every byte, the same hash, and the
 * source address the server saw.
 */
export async function expectDelivered(proto: 'tcp' | 'udp', from: Place, to: Place, addr: string, sourceSeen: string, chunk?: number): Promise<Transfer> {
  const t = await transfer(proto, from, to, addr, MB, { chunk, timeoutMs: 30_000 });
  expect(t.received, `${proto} ${MB} bytes to ${addr}: received ${t.received.bytes} bytes from ${t.received.peer} (want every byte, from ${sourceSeen})`).toEqual({ bytes: MB, sha256: t.sentSha256, peer: sourceSeen });
  return t;
}

/** GET / of busybox httpd at ip:8080 from inside a namespace; resolves with the body. */
export async function httpGet(from: string, ip: string): Promise<string> {
  const url = `http://${isV6(ip) ? `[${ip}]` : ip}:${WEB_PORT}/`;
  const script = `require('http').get(process.argv[1], { timeout: 5000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { console.log(b); process.exit(r.statusCode === 200 ? 0 : 1); }); }).on('error', (e) => { console.error(e.message); process.exit(1); });`;
  const r = await exec('nsenter', [`--net=${from}`, process.execPath, '-e', script, '--', url], { timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`GET ${url} from ${from} failed: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** NAME → IP and NODE columns of `kubectl get pods -o wide` (columns found at the header's offsets). */
export async function kubectlWide(cluster: Cluster): Promise<Map<string, { ip: string; node: string }>> {
  const [header, ...rows] = (await cluster.kubectl(['get', 'pods', '-n', NS, '-o', 'wide'])).split('\n').filter(Boolean);
  const col = (name: string) => {
    const at = header!.search(new RegExp(`\\b${name}\\b`));
    if (at < 0) throw new Error(`kubectl get pods -o wide has no ${name} column: ${header}`);
    return at;
  };
  // NODE may be the last column (orch prints no NOMINATED NODE / READINESS GATES columns).
  const [ip, node] = [col('IP'), col('NODE')];
  const next = header!.slice(node + 4).search(/\S/);
  const end = next < 0 ? undefined : node + 4 + next;
  return new Map(rows.map((r) => [r.split(/\s+/)[0]!, { ip: r.slice(ip, node).trim(), node: r.slice(node, end).trim() }]));
}

export interface KernelEntries {
  /** `dst via gateway dev` of every route with protocol 184, both families. */
  routes: string[];
  /** `ip lladdr` of every permanent neighbour on orch.1. */
  neighbours: string[];
  /** `mac dst` of every FDB entry with a destination on orch.1. */
  fdb: string[];
}

/** What orch programmed into host i's kernel (none of orch.1's entries when it has no orch.1). */
export async function kernelEntries(i: number): Promise<KernelEntries> {
  const ns = netnsName(i);
  const routes: string[] = [];
  for (const family of ['-4', '-6']) {
    const list = JSON.parse((await run('ip', ['-n', ns, '-j', family, 'route', 'show', 'proto', ROUTE_PROTO])) || '[]') as Array<{ dst: string; gateway?: string; dev?: string }>;
    routes.push(...list.map((r) => `${r.dst} via ${r.gateway} dev ${r.dev}`));
  }
  const hasDevice = (await exec('ip', ['-n', ns, 'link', 'show', 'dev', VXLAN_DEVICE])).code === 0;
  if (!hasDevice) return { routes, neighbours: [], fdb: [] };
  const neigh = JSON.parse((await run('ip', ['-n', ns, '-j', 'neigh', 'show', 'dev', VXLAN_DEVICE, 'nud', 'permanent'])) || '[]') as Array<{ dst: string; lladdr?: string }>;
  const fdb = JSON.parse((await run('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', VXLAN_DEVICE])) || '[]') as Array<{ mac: string; dst?: string }>;
  return {
    routes,
    neighbours: neigh.map((n) => `${n.dst} ${n.lladdr}`),
    fdb: fdb.filter((f) => f.dst).map((f) => `${f.mac} ${f.dst}`),
  };
}

/** The network address of a range: the tunnel address of that range on orch.1 (vxlan). */
export const tunnelAddress = (cidr: string): string => cidr.split('/')[0]!;
