// Pods on the multi-host harness (test/cluster) for bench/network: placing a pod on a
// host, waiting for its IP inside its node's pod CIDR, reading a finished pod's log from
// the host's engine, and probing a pod IP from inside other pods' network namespaces.
// Every wait is bounded and says what did not happen: while orch has no pod network, pods
// never get an address in a node's pod range, and the bench must say so, not hang.

import type { Node, Pod } from '../../api/types.js';
import { cidrContains, mustParseCidr, parseIp } from '../../api/net/cidr.js';
import type { Cluster } from '../../test/cluster/harness.js';
import { docker } from '../../test/cluster/docker-engine.js';
import { spawn } from 'node:child_process';
import { netnsName } from '../../test/cluster/network.js';

export const NS = 'default';
export const IPERF_IMAGE = 'orch.local/iperf3:latest';
export const PAUSE_IMAGE = 'orch.local/pause:3.10';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function podOn(name: string, node: string, image: string, command?: string[], restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { 'orch.bench': 'network' } },
    spec: { nodeName: node, restartPolicy, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', ...(command ? { command } : {}) }] },
  };
}

/** Every node publishes the backend and reports NetworkUnavailable=False (P14 contract). */
export async function waitNetworkReady(cluster: Cluster, nodes: string[], backend: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const pending: string[] = [];
    for (const name of nodes) {
      const n: Node = await cluster.client.nodes.get(name);
      const got = n.metadata.annotations?.['orch.io/backend'];
      const cond = n.status?.conditions?.find((c) => c.type === 'NetworkUnavailable');
      if (got !== backend || cond?.status !== 'False') pending.push(`${name} (orch.io/backend=${got ?? 'unset'}, NetworkUnavailable=${cond?.status ?? 'unset'})`);
    }
    if (pending.length === 0) return;
    last = pending.join('; ');
    if (Date.now() > deadline) throw new Error(`pod network (${backend}) not ready after ${timeoutMs / 1000} s: ${last} — does this build's agent program the pod network?`);
    await sleep(500);
  }
}

/** The pod's IPv4 address once it is inside its node's pod CIDR; a clear error otherwise. */
export async function waitPodIP(cluster: Cluster, name: string, timeoutMs = 60_000, pollMs = 250): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let seen = 'no IP';
  for (;;) {
    const pod = await cluster.client.pods.get(name, NS);
    const ip = pod.status?.podIP;
    if (ip && pod.spec?.nodeName) {
      const node = await cluster.client.nodes.get(pod.spec.nodeName);
      const cidrs = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
      const addr = parseIp(ip);
      if (addr && cidrs.some((c) => cidrContains(mustParseCidr(c), addr))) return ip;
      seen = `IP ${ip} outside node ${pod.spec.nodeName}'s pod CIDRs [${cidrs.join(', ')}]`;
    } else seen = `no IP (phase ${pod.status?.phase ?? 'unset'})`;
    if (Date.now() > deadline) throw new Error(`pod ${name} got no pod-network address within ${timeoutMs / 1000} s: ${seen}`);
    await sleep(pollMs);
  }
}

/** Waits for a restartPolicy Never pod to finish; returns its phase. */
export async function waitFinished(cluster: Cluster, name: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = (await cluster.client.pods.get(name, NS)).status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return phase;
    if (Date.now() > deadline) throw new Error(`pod ${name} did not finish within ${timeoutMs / 1000} s (phase ${phase ?? 'unset'})`);
    await sleep(500);
  }
}

async function containerOf(host: number, pod: string, container: string): Promise<string> {
  const r = await docker(host, ['ps', '-aq', '--filter', `label=orch.io/pod=${pod}`, '--filter', `label=orch.io/container=${container}`]);
  const id = r.stdout.split('\n')[0]?.trim();
  if (!id) throw new Error(`no container ${container} of pod ${pod} on h${host}`);
  return id;
}

/** stdout of the pod's container `main`, from the host's engine. */
export async function podLog(host: number, pod: string): Promise<string> {
  return (await docker(host, ['logs', await containerOf(host, pod, 'main')])).stdout;
}

/** /proc/<pid>/ns/net of the pod's network namespace (its sandbox, else its app container). */
export async function podNetns(host: number, pod: string): Promise<string> {
  const id = await containerOf(host, pod, 'POD').catch(() => containerOf(host, pod, 'main'));
  const pid = Number((await docker(host, ['inspect', '-f', '{{.State.Pid}}', id])).stdout.trim());
  if (!pid) throw new Error(`pod ${pod} on h${host} has no running process`);
  return `/proc/${pid}/ns/net`;
}

// argv: port timeoutMs. Started ahead (a node process takes 100–300 ms to start on a busy
// machine, which is not the network's time): reads the address from stdin, then connects
// every 5 ms and prints the wall-clock ms of the first success.
const PROBE = `
const [port, limit] = process.argv.slice(1);
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  if (!buf.includes('\\n')) return;
  const addr = buf.trim(), end = Date.now() + Number(limit);
  const tryOnce = () => {
    const s = require('net').connect({ host: addr, port: Number(port), timeout: 200 });
    s.on('connect', () => { console.log(Date.now()); process.exit(0); });
    const again = () => { s.destroy(); if (Date.now() > end) process.exit(3); setTimeout(tryOnce, 5); };
    s.on('error', again); s.on('timeout', again);
  };
  tryOnce();
});
console.log('ready');
`;

export interface Probe {
  /** Starts connecting to addr:port. */
  aim(addr: string): void;
  /** Wall-clock ms of the first TCP connect. */
  first: Promise<number>;
}

/** A TCP probe inside a pod's network namespace, started now, aimed later (see PROBE). */
export async function startProbe(netns: string, port: number, timeoutMs: number): Promise<Probe> {
  const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', PROBE, '--', String(port), String(timeoutMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`probe in ${netns} exited (${code}) before it was ready`)));
  });
  let target = '';
  const first = exited.then((code) => {
    const at = Number(out.replace('ready', '').trim());
    if (code !== 0 || !at) throw new Error(`no TCP connect to ${target}:${port} within ${timeoutMs / 1000} s from ${netns}`);
    return at;
  });
  first.catch(() => undefined);
  return { aim: (addr) => { target = addr; child.stdin.end(`${addr}\n`); }, first };
}

/**
 * The routes orch writes (protocol 184) as they appear in host i's kernel, each with the
 * wall-clock ms it was seen (`ip monitor`: no polling). stop() ends the watch.
 */
export function watchRoutes(i: number): { seen(dst: string): number | undefined; stop(): void } {
  const child = spawn('ip', ['-n', netnsName(i), 'monitor', 'route'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const first = new Map<string, number>();
  let buf = '';
  child.stdout.on('data', (d) => {
    buf += String(d);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      const dst = line.split(' ')[0]!;
      if (!line.startsWith('Deleted') && / proto 184\b/.test(line) && !first.has(dst)) first.set(dst, Date.now());
    }
  });
  return { seen: (dst) => first.get(dst), stop: () => void child.kill('SIGKILL') };
}

/** Polls until the node reports Ready=True; returns the wall-clock ms it was first seen. */
export async function waitNodeReady(cluster: Cluster, name: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await cluster.client.nodes.get(name).catch(() => undefined);
    if (n?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return Date.now();
    if (Date.now() > deadline) throw new Error(`node ${name} not Ready within ${timeoutMs / 1000} s`);
    await sleep(25);
  }
}
