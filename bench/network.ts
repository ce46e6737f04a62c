// `npm run bench -- network` (root): the pod network on the multi-host harness of
// test/cluster (hosts in network namespaces on one bridge, each its own dockerd), figures
// side by side in one run:
//  a. the host link alone: iperf3 TCP (5 s, 1 stream) h1 → h2 and ping RTT p50/p99
//     (busybox, 200 echoes 10 ms apart) — the baseline of b.
//  b. pod → pod across hosts, per backend (vxlan, host-gw): the same iperf3 and ping from a
//     client pod on h1 to a server pod on h2 (image orch.local/iperf3), beside the host link
//     measured again in the same cluster. Targets: ≥ 0.9× host link (host-gw), ≥ 0.7×
//     (vxlan); RTT p50 overhead ≤ 50 µs.
//  c. 30 pods → running (sandbox + app container) vs 30 parallel `docker run -d` on the same
//     engine (h1's), both timed to Docker start events. Target ≤ 1.2×.
//  d. a node joins: from the new Node's Ready transition until a pod on it is reached over
//     TCP from a pod on every other node (probes from inside the probe pods' namespaces),
//     p99 over the trials. Target < 1 s.
// Options: --quick (3 trials in d), --parts a,b,c,d (default all), --out FILE (the tables),
// --agent-flags "…" (instead of `--network-backend B --pod-infra-container-image …`, e.g.
// "" to try the bench's machinery on a build without the pod network).
// A part that cannot run (no pod network in this build: pods never get an address in
// their node's range) fails with its reason; the others still run; exit code 1 then.

import fs from 'node:fs';
import { startCluster, type Cluster } from '../test/cluster/harness.js';
import { createBridge, createHostNetwork, hostIP, removeNetwork } from '../test/cluster/network.js';
import { cleanupLeftovers } from '../test/cluster/harness.js';
import { dockerSocket, docker, removeAllContainers } from '../test/cluster/docker-engine.js';
import { releaseLock, takeLock } from '../test/cluster/global-setup.js';
import { IMAGE, waitCount, watchStarts } from './lib/docker.js';
import { measureHostLink, parsePodClientLog, podClientScript, IPERF_SECONDS, type LinkFigures } from './lib/net-measure.js';
import { IPERF_IMAGE, NS, PAUSE_IMAGE, firstConnect, podLog, podNetns, podOn, waitFinished, waitNetworkReady, waitNodeReady, waitPodIP } from './lib/pod-net.js';
import { percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const GBIT = 1e9;
const PODS = 30;
type Backend = 'vxlan' | 'host-gw';
const RATIO_TARGET: Record<Backend, number> = { 'host-gw': 0.9, vxlan: 0.7 };

const agentFlags = (b: Backend, override?: string) =>
  override !== undefined ? override.split(' ').filter(Boolean) : ['--network-backend', b, '--pod-infra-container-image', PAUSE_IMAGE];

function linkRows(label: string, f: LinkFigures, base?: LinkFigures, backend?: Backend): ResultRow[] {
  const gbps = (x: LinkFigures) => Number((x.bps / GBIT).toFixed(2));
  if (!base || !backend) {
    return [
      { metric: `${label}: TCP throughput`, unit: 'Gbit/s', orch: gbps(f), direction: 'higher', note: `iperf3 -t ${IPERF_SECONDS}, 1 stream, received rate` },
      { metric: `${label}: RTT p50`, unit: 'µs', orch: Math.round(f.rtt.p50), direction: 'lower' },
      { metric: `${label}: RTT p99`, unit: 'µs', orch: Math.round(f.rtt.p99), direction: 'lower', note: `busybox ping, ${f.rtt.n} echoes 10 ms apart` },
    ];
  }
  return [
    { metric: `${label}: TCP throughput`, unit: 'Gbit/s', orch: gbps(f), baseline: gbps(base), target: Number((gbps(base) * RATIO_TARGET[backend]).toFixed(2)), direction: 'higher', note: `baseline: host link h1 → h2 in the same cluster; target ${RATIO_TARGET[backend]}× it` },
    { metric: `${label}: RTT p50 overhead`, unit: 'µs', orch: Math.round(f.rtt.p50 - base.rtt.p50), target: 50, direction: 'lower', note: `pod p50 ${Math.round(f.rtt.p50)} µs − host p50 ${Math.round(base.rtt.p50)} µs` },
    { metric: `${label}: RTT p99`, unit: 'µs', orch: Math.round(f.rtt.p99), baseline: Math.round(base.rtt.p99), direction: 'lower' },
  ];
}

/** a. The bare harness link (no orch at all). */
async function hostLink(): Promise<ResultRow[]> {
  await createBridge();
  try {
    for (const i of [1, 2]) await createHostNetwork(i);
    return linkRows('host link h1 → h2 (bare)', await measureHostLink(1, 2, hostIP(2)));
  } finally {
    await removeNetwork();
  }
}

/** b. iperf3 server pod on h2, client pod on h1, beside the host link of this cluster. */
async function podToPod(ctx: BenchContext, cluster: Cluster, backend: Backend): Promise<ResultRow[]> {
  await waitNetworkReady(cluster, ['h1', 'h2'], backend);
  const host = await measureHostLink(1, 2, hostIP(2));
  const srv = `net-iperf-srv-${backend}`;
  const cli = `net-iperf-cli-${backend}`;
  await cluster.client.pods.create(podOn(srv, 'h2', IPERF_IMAGE));
  const ip = await waitPodIP(cluster, srv);
  await cluster.client.pods.create(podOn(cli, 'h1', IPERF_IMAGE, ['sh', '-c', podClientScript(ip)], 'Never'));
  await waitFinished(cluster, cli, IPERF_SECONDS * 1000 + 90_000);
  const pods = parsePodClientLog(await podLog(1, cli));
  ctx.say(`${backend}: pod → pod ${(pods.bps / GBIT).toFixed(2)} Gbit/s, RTT p50 ${Math.round(pods.rtt.p50)} µs (host link ${(host.bps / GBIT).toFixed(2)} Gbit/s, ${Math.round(host.rtt.p50)} µs)`);
  for (const p of [srv, cli]) await cluster.client.pods.delete(p, NS, { gracePeriodSeconds: 0 });
  return linkRows(`pod → pod h1 → h2, ${backend}`, pods, host, backend);
}

/** c. 30 pods with sandboxes vs 30 parallel `docker run -d`, on h1's engine. */
async function startup(ctx: BenchContext, cluster: Cluster): Promise<ResultRow[]> {
  const label = 'orch.bench=network-baseline';
  let base = 0;
  const stopBase = watchStarts(label, () => base++, dockerSocket(1));
  await new Promise((r) => setTimeout(r, 200));
  const b0 = performance.now();
  await Promise.all(Array.from({ length: PODS }, () => docker(1, ['run', '-d', '--label', label, IMAGE, 'sleep', '3600'])));
  await waitCount('baseline starts', () => base, PODS, 60_000);
  const baselineMs = performance.now() - b0;
  stopBase();
  const ids = (await docker(1, ['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(1, ['rm', '-f', ...ids], 120_000);

  const running = new Set<string>();
  const stop = watchStarts('orch.io/node=h1', (e) => {
    const pod = e.labels['orch.io/pod'] ?? '';
    if (pod.startsWith('net-start-') && e.labels['orch.io/container'] !== 'POD') running.add(pod);
  }, dockerSocket(1));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PODS }, (_, i) => cluster.client.pods.create(podOn(`net-start-${i}`, 'h1', IMAGE, ['sleep', '3600']))));
  try {
    await waitCount('pods running', () => running.size, PODS, 180_000);
  } finally {
    stop();
  }
  const orchMs = performance.now() - t0;
  ctx.say(`${PODS} pods → running ${orchMs.toFixed(0)} ms; ${PODS} docker run -d ${baselineMs.toFixed(0)} ms`);
  // Also checks that every one of them got an address in h1's pod range.
  for (let i = 0; i < PODS; i++) await waitPodIP(cluster, `net-start-${i}`, 30_000);
  await Promise.all(Array.from({ length: PODS }, (_, i) => cluster.client.pods.delete(`net-start-${i}`, NS, { gracePeriodSeconds: 0 })));
  return [{ metric: `${PODS} pods → running (sandbox + app)`, unit: 'ms', orch: Math.round(orchMs), baseline: Math.round(baselineMs), target: Math.round(baselineMs * 1.2), direction: 'lower', note: `baseline: ${PODS} parallel \`docker run -d\` on h1's engine; both timed to the last app container start event; target 1.2× baseline` }];
}

/** d. Node h4 joins (its agent starts): Ready → its pod reached from pods on h1..h3. */
async function nodeJoin(ctx: BenchContext, cluster: Cluster, trials: number): Promise<ResultRow[]> {
  const peers = [1, 2, 3];
  const netns: string[] = [];
  for (const i of peers) {
    const name = `net-probe-h${i}`;
    await cluster.client.pods.create(podOn(name, `h${i}`, IMAGE, ['sleep', '3600']));
    await waitPodIP(cluster, name);
    netns.push(await podNetns(i, name));
  }
  const samples: number[] = [];
  for (let k = 0; k < trials; k++) {
    const target = `net-join-${k}`;
    await cluster.client.pods.create(podOn(target, 'h4', 'orch.local/web:latest'));
    await cluster.startAgent(4);
    const ready = await waitNodeReady(cluster, 'h4');
    const ip = await waitPodIP(cluster, target, 60_000, 20);
    const firsts = await Promise.all(netns.map((ns) => firstConnect(ns, ip, 8080, 30_000)));
    const ms = Math.max(...firsts) - ready;
    samples.push(ms);
    ctx.say(`join ${k + 1}/${trials}: Ready → pod on h4 reached from h1..h3 in ${ms} ms`);
    // Reset: the next trial is a fresh join (new Node object, new Ready transition).
    await cluster.stopAgent(4);
    await cluster.client.pods.delete(target, NS, { gracePeriodSeconds: 0 });
    await removeAllContainers(4);
    await cluster.client.nodes.delete('h4');
    await new Promise((r) => setTimeout(r, 2000));
  }
  return [{ metric: `node Ready → traffic from ${peers.length} nodes (p99 of ${trials})`, unit: 'ms', orch: Math.round(percentile(samples, 99)), target: 1000, direction: 'lower', note: `samples ${samples.join(', ')} ms; from the first poll (25 ms) seeing Ready until TCP connects from pods on every other node` }];
}

async function part(ctx: BenchContext, name: string, failures: string[], fn: () => Promise<ResultRow[]>): Promise<ResultRow[]> {
  try {
    return await fn();
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0]!;
    failures.push(`${name}: ${msg}`);
    ctx.say(`${name} FAILED: ${msg}`);
    return [];
  }
}

async function withCluster<T>(ctx: BenchContext, opts: Parameters<typeof startCluster>[0], fn: (c: Cluster) => Promise<T>): Promise<T> {
  const cluster = await startCluster({ logLevel: 'warn', ...opts });
  try {
    return await fn(cluster);
  } catch (err) {
    ctx.say(cluster.logTails(8));
    throw err;
  } finally {
    await cluster.teardown();
  }
}

async function run(ctx: BenchContext): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('bench network needs root (network namespaces, bridges, dockerd per host)');
  const arg = (flag: string) => { const i = ctx.args.indexOf(flag); return i >= 0 ? ctx.args[i + 1] : undefined; };
  const parts = new Set((arg('--parts') ?? 'a,b,c,d').split(','));
  const trials = ctx.args.includes('--quick') ? 3 : 10;
  takeLock();
  ctx.cleanup.add('cluster suite lock', () => releaseLock());
  ctx.cleanup.add('harness leftovers', () => cleanupLeftovers());
  await cleanupLeftovers();

  const failures: string[] = [];
  const tables: string[] = [];
  if (parts.has('a')) tables.push(renderTable('a. host link (harness bridge, no orch)', await part(ctx, 'a', failures, hostLink)));
  for (const backend of ['vxlan', 'host-gw'] as const) {
    // vxlan's cluster also carries c and d: 4 hosts, h4 without agent (the joining node).
    const more = backend === 'vxlan' && (parts.has('c') || parts.has('d'));
    if (!parts.has('b') && !more) continue;
    const rows = await part(ctx, `${backend} cluster`, failures, () =>
      withCluster(ctx, { hosts: more ? 4 : 2, agentsAtStart: more ? 3 : 2, agentFlags: agentFlags(backend, arg('--agent-flags')) }, async (cluster) => [
        ...(parts.has('b') ? await part(ctx, `b (${backend})`, failures, () => podToPod(ctx, cluster, backend)) : []),
        ...(more && parts.has('c') ? await part(ctx, 'c', failures, () => startup(ctx, cluster)) : []),
        ...(more && parts.has('d') ? await part(ctx, 'd', failures, () => nodeJoin(ctx, cluster, trials)) : []),
      ]));
    tables.push(renderTable(`pod network, backend ${backend}`, rows));
  }
  const report = tables.join('\n') + (failures.length ? `\nfailed parts:\n${failures.map((f) => `  ${f}`).join('\n')}\n` : '');
  ctx.say('');
  ctx.say(report);
  const out = arg('--out');
  if (out) fs.writeFileSync(out, report);
  return failures.length ? 1 : 0;
}

export const bench: Bench = {
  description: 'host link vs pod → pod (vxlan, host-gw) iperf3 + RTT, 30 pods with sandboxes vs docker run, node join → traffic (root, harness)',
  run,
};
