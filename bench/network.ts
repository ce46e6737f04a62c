// `npm run bench -- network` (root): the pod network on the multi-host harness of
// test/cluster (hosts in network namespaces on one bridge, each its own dockerd), figures
// side by side in one run:
//  a. the host link alone: iperf3 TCP (5 s, 1 stream) h1 → h2 and ping RTT p50/p99
//     (busybox, 200 echoes 10 ms apart) — the baseline of b.
//  b. pod → pod across hosts, per backend (vxlan, host-gw): the same iperf3 and ping from a
//     client pod on h1 to a server pod on h2 (image orch.local/iperf3), beside the host link
//     measured again in the same cluster (3 alternating rounds, medians). Targets: ≥ 0.9×
//     host link (host-gw), ≥ 0.7× (vxlan); RTT p50 overhead ≤ 50 µs. In the same rounds the
//     same path built by hand without orch or Docker (bench/lib/hand-built-path.ts: veth,
//     bridge, route or VXLAN device), the floor of this harness: orch's pods beside it.
//  c. 30 pods → running (sandbox + app container) vs 30 parallel `docker run -d` on the same
//     engine (h1's), both timed to Docker start events. Target ≤ 1.2×. Beside it, the same
//     60 containers started by hand (30 pause + app pairs): what Docker alone needs for them.
//  d. a node joins: from the new Node's Ready transition until a pod on it is reached over
//     TCP from a pod on every other node (probes from inside the probe pods' namespaces,
//     started before the agent), p99 over the trials. Target < 1 s. With the parts of that
//     time: the node's own network programmed, the route to it on every peer, its pod started;
//     and the CPU each peer agent spends on the join (the cores the new node starts its pod on).
// The load average is printed with each part and in the report: the machine is shared.
// Options: --quick (1 round in b instead of 3, 3 trials in d instead of 10), --parts a,b,c,d
// (default all), --out FILE (the tables), --agent-flags "…" (instead of `--network-backend
// B --pod-infra-container-image …`, e.g. "" to try the bench's machinery on a build without
// the pod network).
// A part that cannot run (no pod network in this build: pods never get an address in
// their node's range) fails with its reason; the others still run; exit code 1 then.

import fs from 'node:fs';
import os from 'node:os';
import { startCluster, type Cluster } from '../test/cluster/harness.js';
import { createBridge, createHostNetwork, hostIP, LINK_MTU, removeNetwork } from '../test/cluster/network.js';
import { buildHandPath } from './lib/hand-built-path.js';
import { readProcCpuMs } from './lib/proc-cpu.js';
import { cleanupLeftovers } from '../test/cluster/harness.js';
import { dockerSocket, docker, removeAllContainers } from '../test/cluster/docker-engine.js';
import { releaseLock, takeLock } from '../test/cluster/global-setup.js';
import { IMAGE, requireImage, waitCount, watchStarts } from './lib/docker.js';
import { measureHostLink, measureLink, parsePodClientLog, podClientScript, IPERF_SECONDS, type LinkFigures } from './lib/net-measure.js';
import { IPERF_IMAGE, NS, PAUSE_IMAGE, podLog, podNetns, podOn, startProbe, waitFinished, waitNetworkReady, waitNodeReady, waitPodIP, watchRoutes } from './lib/pod-net.js';
import { median, percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const GBIT = 1e9;
const PODS = 30;
type Backend = 'vxlan' | 'host-gw';
const RATIO_TARGET: Record<Backend, number> = { 'host-gw': 0.9, vxlan: 0.7 };

const agentFlags = (b: Backend, override?: string) =>
  override !== undefined ? override.split(' ').filter(Boolean) : ['--network-backend', b, '--pod-infra-container-image', PAUSE_IMAGE];

function linkRows(label: string, f: LinkFigures, base?: LinkFigures, backend?: Backend, rounds = 1): ResultRow[] {
  const gbps = (x: LinkFigures) => Number((x.bps / GBIT).toFixed(2));
  if (!base || !backend) {
    return [
      { metric: `${label}: TCP throughput`, unit: 'Gbit/s', orch: gbps(f), direction: 'higher', note: `iperf3 -t ${IPERF_SECONDS}, 1 stream, received rate` },
      { metric: `${label}: RTT p50`, unit: 'µs', orch: Math.round(f.rtt.p50), direction: 'lower' },
      { metric: `${label}: RTT p99`, unit: 'µs', orch: Math.round(f.rtt.p99), direction: 'lower', note: `busybox ping, ${f.rtt.n} echoes 10 ms apart` },
    ];
  }
  return [
    { metric: `${label}: TCP throughput`, unit: 'Gbit/s', orch: gbps(f), baseline: gbps(base), target: Number((gbps(base) * RATIO_TARGET[backend]).toFixed(2)), direction: 'higher', note: `baseline: host link h1 → h2 in the same cluster, alternating with the pods; median of ${rounds} round(s) each; target ${RATIO_TARGET[backend]}× it` },
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

/** Per figure, the median over rounds (RTT: the median of each round's percentiles). */
function medianOf(rounds: LinkFigures[]): LinkFigures {
  const m = (f: (x: LinkFigures) => number) => median(rounds.map(f));
  return {
    bps: m((x) => x.bps),
    rtt: { n: rounds.reduce((a, x) => a + x.rtt.n, 0), min: m((x) => x.rtt.min), mean: m((x) => x.rtt.mean), p50: m((x) => x.rtt.p50), p90: m((x) => x.rtt.p90), p99: m((x) => x.rtt.p99), max: m((x) => x.rtt.max) },
  };
}

/**
 * b. iperf3 server pod on h2, client pod on h1, beside the host link of this cluster, in
 * `rounds` alternating rounds (host link, then pods): on a shared machine the CPU left to
 * the test changes from minute to minute, and a ratio of two single runs taken a minute
 * apart measures that more than the network. Each figure is the median over the rounds.
 */
async function podToPod(ctx: BenchContext, cluster: Cluster, backend: Backend, rounds: number): Promise<ResultRow[]> {
  await waitNetworkReady(cluster, ['h1', 'h2'], backend);
  const srv = `net-iperf-srv-${backend}`;
  await cluster.client.pods.create(podOn(srv, 'h2', IPERF_IMAGE));
  const ip = await waitPodIP(cluster, srv);
  const host: LinkFigures[] = [];
  const pods: LinkFigures[] = [];
  const hand: LinkFigures[] = [];
  // orch's pod MTU: the uplink's, less VXLAN's 50 bytes of encapsulation.
  const handPath = await buildHandPath(backend, backend === 'vxlan' ? LINK_MTU - 50 : LINK_MTU);
  try {
    for (let r = 1; r <= rounds; r++) {
      host.push(await measureHostLink(1, 2, hostIP(2)));
      const cli = `net-iperf-cli-${backend}-${r}`;
      await cluster.client.pods.create(podOn(cli, 'h1', IPERF_IMAGE, ['sh', '-c', podClientScript(ip)], 'Never'));
      await waitFinished(cluster, cli, IPERF_SECONDS * 1000 + 90_000);
      pods.push(parsePodClientLog(await podLog(1, cli)));
      await cluster.client.pods.delete(cli, NS, { gracePeriodSeconds: 0 });
      hand.push(await measureLink(handPath.from, handPath.to, handPath.addr));
      const [h, p, b] = [host.at(-1)!, pods.at(-1)!, hand.at(-1)!];
      const fig = (x: LinkFigures) => `${(x.bps / GBIT).toFixed(2)} Gbit/s, RTT p50 ${Math.round(x.rtt.p50)} µs`;
      ctx.say(`${backend} round ${r}/${rounds}: pod → pod ${fig(p)} (host link ${fig(h)}; the path by hand ${fig(b)}), load ${loadAverage()}`);
    }
  } finally {
    await handPath.teardown();
  }
  await cluster.client.pods.delete(srv, NS, { gracePeriodSeconds: 0 });
  return [
    ...linkRows(`pod → pod h1 → h2, ${backend}`, medianOf(pods), medianOf(host), backend, rounds),
    ...handRows(`pod → pod h1 → h2, ${backend}`, medianOf(pods), medianOf(hand), rounds),
  ];
}

/** orch's pods against the same path built by hand (no target: the harness's floor). */
function handRows(label: string, f: LinkFigures, hand: LinkFigures, rounds: number): ResultRow[] {
  const gbps = (x: LinkFigures) => Number((x.bps / GBIT).toFixed(2));
  const note = `baseline: the same veth/bridge/${label.endsWith('vxlan') ? 'VXLAN' : 'route'} path built by hand between h1 and h2 (no orch, no Docker), alternating with the pods; median of ${rounds} round(s)`;
  return [
    { metric: `${label}: TCP throughput vs by hand`, unit: 'Gbit/s', orch: gbps(f), baseline: gbps(hand), direction: 'higher', note },
    { metric: `${label}: RTT p50 vs by hand`, unit: 'µs', orch: Math.round(f.rtt.p50), baseline: Math.round(hand.rtt.p50), direction: 'lower' },
  ];
}

/**
 * Starts n containers (pairs: n sandbox + app pairs, the app joining the sandbox's network
 * namespace, the sandbox on h1's pod network) with parallel `docker run -d` on h1's engine;
 * returns the ms until the last (app) container's start event.
 */
async function dockerRuns(n: number, pairs: boolean): Promise<number> {
  const label = `orch.bench=network-${pairs ? 'pairs' : 'baseline'}`;
  let started = 0;
  const stop = watchStarts(label, (e) => void (e.labels['orch.bench.role'] !== 'sandbox' && started++), dockerSocket(1));
  await new Promise((r) => setTimeout(r, 200));
  const t0 = performance.now();
  const runOne = async () => {
    if (!pairs) return docker(1, ['run', '-d', '--label', label, IMAGE, 'sleep', '3600']);
    const sb = await docker(1, ['run', '-d', '--label', label, '--label', 'orch.bench.role=sandbox', '--network', 'orch-pods-h1', PAUSE_IMAGE]);
    if (sb.code !== 0) throw new Error(`docker run of a sandbox failed: ${sb.stderr.trim()}`);
    return docker(1, ['run', '-d', '--label', label, '--network', `container:${sb.stdout.trim()}`, IMAGE, 'sleep', '3600']);
  };
  try {
    await Promise.all(Array.from({ length: n }, runOne));
    await waitCount(`${label} starts`, () => started, n, 60_000);
    return performance.now() - t0;
  } finally {
    stop();
    const ids = (await docker(1, ['ps', '-aq', '--filter', `label=${label}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(1, ['rm', '-f', ...ids], 120_000);
  }
}

/**
 * c. 30 pods with sandboxes vs 30 parallel `docker run -d` on h1's engine, and vs the same
 * 60 containers (30 sandbox + app pairs) started by hand: the first ratio is the target's,
 * the second says how much of it is orch and how much is Docker doing twice the work.
 */
async function startup(ctx: BenchContext, cluster: Cluster): Promise<ResultRow[]> {
  const baselineMs = await dockerRuns(PODS, false);
  const pairsMs = await dockerRuns(PODS, true);

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
  ctx.say(`${PODS} pods → running ${orchMs.toFixed(0)} ms; ${PODS} docker run -d ${baselineMs.toFixed(0)} ms; ${PODS} sandbox + app pairs by docker run ${pairsMs.toFixed(0)} ms`);
  // Also checks that every one of them got an address in h1's pod range.
  for (let i = 0; i < PODS; i++) await waitPodIP(cluster, `net-start-${i}`, 30_000);
  await Promise.all(Array.from({ length: PODS }, (_, i) => cluster.client.pods.delete(`net-start-${i}`, NS, { gracePeriodSeconds: 0 })));
  return [
    { metric: `${PODS} pods → running (sandbox + app)`, unit: 'ms', orch: Math.round(orchMs), baseline: Math.round(baselineMs), target: Math.round(baselineMs * 1.2), direction: 'lower', note: `baseline: ${PODS} parallel \`docker run -d\` on h1's engine; both timed to the last app container start event; target 1.2× baseline` },
    { metric: `${PODS} pods → running vs the same containers by hand`, unit: 'ms', orch: Math.round(orchMs), baseline: Math.round(pairsMs), direction: 'lower', note: `baseline: ${PODS} parallel pairs of \`docker run -d\` (pause on orch-pods-h1, then the app with --network container:<it>) on h1's engine, timed to the last app start` },
  ];
}

/** Polls (25 ms) until the node reports NetworkUnavailable=False; wall-clock ms first seen. */
async function waitNodeNetwork(cluster: Cluster, name: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await cluster.client.nodes.get(name).catch(() => undefined);
    if (n?.status?.conditions?.some((c) => c.type === 'NetworkUnavailable' && c.status === 'False')) return Date.now();
    if (Date.now() > deadline) throw new Error(`node ${name} did not report NetworkUnavailable=False within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * d. Node h4 joins (its agent starts): Ready → its pod reached from pods on h1..h3. Beside
 * the headline, where the time goes: Ready → h4's own network programmed
 * (NetworkUnavailable=False), Ready → the route to h4's range in every other node's
 * kernel (ip monitor), Ready → the pod's app container started on h4 (Docker event).
 */
async function nodeJoin(ctx: BenchContext, cluster: Cluster, trials: number): Promise<ResultRow[]> {
  const peers = [1, 2, 3];
  const netns: string[] = [];
  for (const i of peers) {
    const name = `net-probe-h${i}`;
    await cluster.client.pods.create(podOn(name, `h${i}`, IMAGE, ['sleep', '3600']));
    await waitPodIP(cluster, name);
    netns.push(await podNetns(i, name));
  }
  const samples = { traffic: [] as number[], network: [] as number[], routes: [] as number[], started: [] as number[], peerCpu: [] as number[] };
  const peerPids = peers.map((i) => {
    const pid = cluster.pid(`agent-h${i}`);
    if (pid === undefined) throw new Error(`agent-h${i} is not running`);
    return pid;
  });
  const peerCpu = (): number => peerPids.reduce((sum: number, pid) => sum + readProcCpuMs(pid), 0);
  for (let k = 0; k < trials; k++) {
    const target = `net-join-${k}`;
    await cluster.client.pods.create(podOn(target, 'h4', 'orch.local/web:latest'));
    // Everything that watches is running before the agent starts: the figures hold no start-up time of the bench's own processes.
    const probes = await Promise.all(netns.map((ns) => startProbe(ns, 8080, 60_000)));
    const routes = peers.map(watchRoutes);
    let startedAt = 0;
    const stopStarts = watchStarts(`orch.io/pod=${target}`, (e) => void (e.labels['orch.io/container'] === 'main' && !startedAt && (startedAt = Date.now())), dockerSocket(4));
    const cpuBefore = peerCpu();
    try {
      await cluster.startAgent(4);
      const ready = await waitNodeReady(cluster, 'h4');
      const network = waitNodeNetwork(cluster, 'h4', 60_000);
      const ip = await waitPodIP(cluster, target, 60_000, 20);
      for (const p of probes) p.aim(ip);
      const traffic = Math.max(...(await Promise.all(probes.map((p) => p.first)))) - ready;
      samples.peerCpu.push(Math.round((peerCpu() - cpuBefore) / peers.length));
      const range = (await cluster.client.nodes.get('h4')).spec?.podCIDRs?.[0];
      const routed = routes.map((r) => (range ? r.seen(range) : undefined));
      if (!range || routed.some((t) => t === undefined)) throw new Error(`a peer never showed a route to h4's range ${range}`);
      samples.traffic.push(traffic);
      samples.network.push((await network) - ready);
      samples.routes.push(Math.max(...(routed as number[])) - ready);
      samples.started.push(startedAt - ready);
      ctx.say(`join ${k + 1}/${trials}: Ready → pod on h4 reached from h1..h3 in ${traffic} ms (h4 network ready +${samples.network.at(-1)} ms, routes on every peer +${samples.routes.at(-1)} ms, pod started +${samples.started.at(-1)} ms; CPU per peer agent ${samples.peerCpu.at(-1)} ms)`);
    } finally {
      stopStarts();
      for (const r of routes) r.stop();
    }
    // Reset: the next trial is a fresh join (new Node object, new Ready transition).
    await cluster.stopAgent(4);
    await cluster.client.pods.delete(target, NS, { gracePeriodSeconds: 0 });
    await removeAllContainers(4);
    await cluster.client.nodes.delete('h4');
    // The controller manager force-deletes pods bound to a node deleted 5 s ago that has not
    // come back (node-lifecycle orphanPodGraceMs), and forgets the node once none is left
    // (its monitor runs every 1 s). The next trial's pod, bound to h4 before its agent
    // starts, must come after that, or a slow join loses it ("pods net-join-7 not found").
    await new Promise((r) => setTimeout(r, 7000));
  }
  const p99 = (xs: number[]) => Math.round(percentile(xs, 99));
  const breakdown = (metric: string, xs: number[], how: string): ResultRow => ({ metric, unit: 'ms', orch: p99(xs), direction: 'lower', note: `samples ${xs.join(', ')} ms; ${how}` });
  return [
    { metric: `node Ready → traffic from ${peers.length} nodes (p99 of ${trials})`, unit: 'ms', orch: p99(samples.traffic), target: 1000, direction: 'lower', note: `samples ${samples.traffic.join(', ')} ms; from the first poll (25 ms) seeing Ready until TCP connects from pods on every other node (probes started before the agent)` },
    breakdown(`  of which: Ready → h4's network programmed (p99)`, samples.network, 'until NetworkUnavailable=False is first seen (25 ms polls); Ready comes once the Docker network and firewall are in place, this is the rest (VXLAN device, routes, the condition)'),
    breakdown(`  of which: Ready → route to h4 on every peer (p99)`, samples.routes, 'until the route to h4\'s range appears in the last peer\'s kernel (ip monitor); negative: before Ready (h4 publishes its VTEP first, peers route to it while it sets up)'),
    breakdown(`  of which: Ready → pod's container started (p99)`, samples.started, 'until Docker\'s start event of the pod\'s app container on h4 (after its sandbox)'),
    { metric: `CPU of each peer agent per join (median of ${trials})`, unit: 'ms', orch: Math.round(percentile(samples.peerCpu, 50)), direction: 'lower', note: `samples ${samples.peerCpu.join(', ')} ms; user + system of h1..h3's agents and the commands they ran, from h4's agent start until traffic flows, per agent (they share the cores h4 starts its pod on)` },
  ];
}

/** The machine's load average (1, 5, 15 min): the figures depend on how much CPU is left. */
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function part(ctx: BenchContext, name: string, failures: string[], fn: () => Promise<ResultRow[]>): Promise<ResultRow[]> {
  ctx.say(`${name}: starting, load average ${loadAverage()}`);
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
  const cluster = await startCluster({ logLevel: process.env.ORCH_CLUSTER_LOG_LEVEL ?? 'warn', ...opts });
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
  const rounds = ctx.args.includes('--quick') ? 1 : 3;
  // Without them the pods fail to pull and the parts fail far from the cause.
  await requireImage();
  if (parts.has('b') || parts.has('d')) await requireImage(IPERF_IMAGE, 'scripts/build-iperf3-image.sh');
  takeLock();
  ctx.cleanup.add('cluster suite lock', () => releaseLock());
  ctx.cleanup.add('harness leftovers', () => cleanupLeftovers());
  await cleanupLeftovers();

  const failures: string[] = [];
  const tables: string[] = [];
  const loadAtStart = loadAverage();
  if (parts.has('a')) tables.push(renderTable('a. host link (harness bridge, no orch)', await part(ctx, 'a', failures, hostLink)));
  for (const backend of ['vxlan', 'host-gw'] as const) {
    // vxlan's cluster also carries c and d: 4 hosts, h4 without agent (the joining node).
    const more = backend === 'vxlan' && (parts.has('c') || parts.has('d'));
    if (!parts.has('b') && !more) continue;
    const rows = await part(ctx, `${backend} cluster`, failures, () =>
      withCluster(ctx, { hosts: more ? 4 : 2, agentsAtStart: more ? 3 : 2, agentFlags: agentFlags(backend, arg('--agent-flags')) }, async (cluster) => [
        ...(parts.has('b') ? await part(ctx, `b (${backend})`, failures, () => podToPod(ctx, cluster, backend, rounds)) : []),
        // d before c: the 90 container starts and removals of c load the machine for a while after.
        ...(more && parts.has('d') ? await part(ctx, 'd', failures, () => nodeJoin(ctx, cluster, trials)) : []),
        ...(more && parts.has('c') ? await part(ctx, 'c', failures, () => startup(ctx, cluster)) : []),
      ]));
    tables.push(renderTable(`pod network, backend ${backend}`, rows));
  }
  const report = `load average (1, 5, 15 min): ${loadAtStart} at the start, ${loadAverage()} at the end\n\n` + tables.join('\n') + (failures.length ? `\nfailed parts:\n${failures.map((f) => `  ${f}`).join('\n')}\n` : '');
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
