// `npm run bench -- services-traffic` (root): Services on the multi-host harness of
// test/cluster (3 hosts, vxlan, an agent and an `orch proxy` per host), figures side by
// side in one run:
//  a. the same client pod (h1) and the same backend pod (h2), straight to the pod IP
//     (baseline) and through the Service's ClusterIP, in alternating rounds (medians):
//     iperf3 TCP throughput (5 s, 1 stream), TCP connect time (a new connection each: the
//     one that meets the service rules and DNAT), request/response RTT on one connection.
//     Targets: throughput ≥ 0.95× the pod IP's, added p50 ≤ 0.1 ms.
//  b. endpoint programming: per trial a new Service (no endpoint yet: REJECT) and a pod
//     it selects, on h1/h2/h3 in turn; probes in a client pod on every host connect to the
//     ClusterIP every 5 ms (started before the pod); from the pod's Ready (the bench polls
//     the pod every 20 ms) to the first connect on the LAST host. p50 and p99 over the
//     trials (100; --quick 10). Target p99 < 1 s.
// The load average is printed with each part: the machine is shared.

import os from 'node:os';
import { spawn } from 'node:child_process';
import type { Pod, Service } from '../api/types.js';
import { cleanupLeftovers, startCluster, type Cluster } from '../test/cluster/harness.js';
import { releaseLock, takeLock } from '../test/cluster/global-setup.js';
import { nodeInHost } from '../test/cluster/host-traffic.js';
import { IPERF_PORT, IPERF_SECONDS, parseIperf3 } from './lib/net-measure.js';
import { IPERF_IMAGE, NS, PAUSE_IMAGE, podLog, podNetns, podOn, startProbe, waitFinished, waitPodIP } from './lib/pod-net.js';
import { median, percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const GBIT = 1e9;
const ECHO_PORT = 7000;
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

// In a pod's namespace: a TCP echo server (one byte back per byte).
const ECHO_SERVER = `require('net').createServer((s) => s.on('data', (d) => s.write(d))).listen(${ECHO_PORT}, () => console.log('listening'));`;

// argv: addr connects exchanges. Prints JSON: connect times and request/response RTTs (ms).
const TCP_LATENCY = `
const [addr, connects, exchanges] = process.argv.slice(1).map((x, i) => (i ? Number(x) : x));
const net = require('net');
const connectOnce = () => new Promise((res) => {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ port: ${ECHO_PORT}, host: addr, timeout: 3000 }, () => { const ms = Number(process.hrtime.bigint() - t0) / 1e6; s.destroy(); res(ms); });
  s.on('timeout', () => { s.destroy(); res(-1); });
  s.on('error', () => res(-2));
});
(async () => {
  const connect = [];
  let failed = 0;
  for (let i = 0; i < connects; i++) { const ms = await connectOnce(); if (ms < 0) failed++; else connect.push(ms); }
  const s = net.connect(${ECHO_PORT}, addr);
  await new Promise((r) => s.on('connect', r));
  s.setNoDelay(true);
  const rr = [];
  for (let i = 0; i < exchanges; i++) {
    const t0 = process.hrtime.bigint();
    await new Promise((r) => { s.once('data', r); s.write('x'); });
    rr.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  s.destroy();
  console.log(JSON.stringify({ connect, rr, failed }));
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

interface PathFigures {
  bps: number;
  connectP50: number;
  rrP50: number;
  /** Connects that timed out (3 s) or failed, of the 300. */
  failedConnects: number;
}

function service(name: string, selector: Record<string, string>, ports: { port: number; targetPort: number }[]): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS }, spec: { selector, ports: ports.map((p, i) => ({ name: `p${i}`, ...p })) } } as Service;
}

function labelled(pod: Pod, labels: Record<string, string>): Pod {
  return { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, ...labels } } };
}

async function waitReady(cluster: Cluster, name: string, timeoutMs: number, pollMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await cluster.client.pods.get(name, NS);
    if (p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return Date.now();
    if (Date.now() > deadline) throw new Error(`pod ${name} not Ready within ${timeoutMs / 1000} s (phase ${p.status?.phase ?? 'unset'})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** iperf3 from a fresh client pod on h1 to addr, plus connect/RR latency from the probe pod's namespace. */
async function measurePath(cluster: Cluster, addr: string, tag: string, clientNetns: string): Promise<PathFigures> {
  const cli = `svc-iperf-cli-${tag}`;
  await cluster.client.pods.create(podOn(cli, 'h1', IPERF_IMAGE, ['sh', '-c', `iperf3 -c ${addr} -p ${IPERF_PORT} -t ${IPERF_SECONDS} -J --connect-timeout 3000`], 'Never'));
  await waitFinished(cluster, cli, IPERF_SECONDS * 1000 + 90_000);
  const bps = parseIperf3(await podLog(1, cli));
  await cluster.client.pods.delete(cli, NS, { gracePeriodSeconds: 0 });
  const r = await nodeInHost(clientNetns, TCP_LATENCY, [addr, '300', '2000'], 120_000);
  if (r.code !== 0) throw new Error(`latency client → ${addr} failed: ${r.stderr.trim()}`);
  const { connect, rr, failed } = JSON.parse(r.stdout.trim()) as { connect: number[]; rr: number[]; failed: number };
  return { bps, connectP50: median(connect), rrP50: median(rr), failedConnects: failed };
}

/** a. pod IP vs ClusterIP, same client and backend, alternating rounds. */
async function throughPath(ctx: BenchContext, cluster: Cluster, rounds: number): Promise<ResultRow[]> {
  await cluster.client.pods.create(labelled(podOn('svc-backend', 'h2', IPERF_IMAGE), { app: 'svc-backend' }));
  await cluster.client.pods.create(podOn('svc-client', 'h1', IPERF_IMAGE, ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done']));
  const podIP = await waitPodIP(cluster, 'svc-backend');
  await waitPodIP(cluster, 'svc-client');
  const echo = spawn('nsenter', [`--net=${await podNetns(2, 'svc-backend')}`, process.execPath, '-e', ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      echo.stdout!.on('data', (d) => (String(d).includes('listening') ? resolve() : undefined));
      echo.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
    });
    const svc = await cluster.client.services.create(service('svc-backend', { app: 'svc-backend' }, [{ port: IPERF_PORT, targetPort: IPERF_PORT }, { port: ECHO_PORT, targetPort: ECHO_PORT }]));
    const clusterIP = svc.spec.clusterIP!;
    const clientNetns = await podNetns(1, 'svc-client');
    // Programmed on h1 before the first round.
    const probe = await startProbe(clientNetns, ECHO_PORT, 30_000);
    probe.aim(clusterIP);
    await probe.first;
    const direct: PathFigures[] = [];
    const viaService: PathFigures[] = [];
    for (let r = 1; r <= rounds; r++) {
      direct.push(await measurePath(cluster, podIP, `pod-${r}`, clientNetns));
      viaService.push(await measurePath(cluster, clusterIP, `svc-${r}`, clientNetns));
      const [d, s] = [direct.at(-1)!, viaService.at(-1)!];
      ctx.say(`round ${r}/${rounds}: pod IP ${(d.bps / GBIT).toFixed(2)} Gbit/s, connect ${d.connectP50.toFixed(3)} ms (${d.failedConnects} failed), RR ${d.rrP50.toFixed(3)} ms | ClusterIP ${(s.bps / GBIT).toFixed(2)} Gbit/s, connect ${s.connectP50.toFixed(3)} ms (${s.failedConnects} failed), RR ${s.rrP50.toFixed(3)} ms; load ${loadAverage()}`);
    }
    const m = (xs: PathFigures[], f: (x: PathFigures) => number) => median(xs.map(f));
    const gbps = (xs: PathFigures[]) => Number((m(xs, (x) => x.bps) / GBIT).toFixed(2));
    const d3 = (x: number) => Number(x.toFixed(3));
    return [
      { metric: 'TCP throughput h1 → h2, ClusterIP (baseline: pod IP)', unit: 'Gbit/s', orch: gbps(viaService), baseline: gbps(direct), target: Number((gbps(direct) * 0.95).toFixed(2)), direction: 'higher', note: `iperf3 -t ${IPERF_SECONDS}, 1 stream; median of ${rounds} alternating rounds; target 0.95× the pod IP's` },
      { metric: 'TCP connect p50, ClusterIP (baseline: pod IP)', unit: 'ms', orch: d3(m(viaService, (x) => x.connectP50)), baseline: d3(m(direct, (x) => x.connectP50)), target: d3(m(direct, (x) => x.connectP50) + 0.1), direction: 'lower', note: '300 new connections per round; target: baseline + 0.1 ms' },
      { metric: 'failed connects of 300 per round, ClusterIP (baseline: pod IP)', unit: 'count', orch: viaService.reduce((a, x) => a + x.failedConnects, 0), baseline: direct.reduce((a, x) => a + x.failedConnects, 0), direction: 'lower', note: 'summed over the rounds; a connect that got no answer within 3 s' },
      { metric: 'request/response p50, ClusterIP (baseline: pod IP)', unit: 'ms', orch: d3(m(viaService, (x) => x.rrP50)), baseline: d3(m(direct, (x) => x.rrP50)), target: d3(m(direct, (x) => x.rrP50) + 0.1), direction: 'lower', note: '2,000 one-byte exchanges on one connection per round; target: baseline + 0.1 ms' },
    ];
  } finally {
    echo.kill('SIGKILL');
    for (const p of ['svc-backend', 'svc-client']) await cluster.client.pods.delete(p, NS, { gracePeriodSeconds: 0 }).catch(() => undefined);
    await cluster.client.services.delete('svc-backend', NS).catch(() => undefined);
  }
}

/** b. pod Ready → reachable through its new Service from every host. */
async function endpointProgramming(ctx: BenchContext, cluster: Cluster, trials: number): Promise<ResultRow[]> {
  const probeNetns: string[] = [];
  for (const h of [1, 2, 3]) {
    await cluster.client.pods.create(podOn(`svc-probe-h${h}`, `h${h}`, PAUSE_IMAGE));
    await waitPodIP(cluster, `svc-probe-h${h}`);
    probeNetns.push(await podNetns(h, `svc-probe-h${h}`));
  }
  const worst: number[] = [];
  const all: number[] = [];
  try {
    for (let t = 1; t <= trials; t++) {
      const name = `svc-lat-${t}`;
      const svc = await cluster.client.services.create(service(name, { trial: String(t) }, [{ port: 80, targetPort: 8080 }]));
      const probes = await Promise.all(probeNetns.map((ns) => startProbe(ns, 80, 60_000)));
      for (const p of probes) p.aim(svc.spec.clusterIP!);
      const host = ((t - 1) % 3) + 1;
      await cluster.client.pods.create(labelled(podOn(name, `h${host}`, 'orch.local/web:latest'), { trial: String(t) }));
      const ready = await waitReady(cluster, name, 60_000, 20);
      const firsts = await Promise.all(probes.map((p) => p.first));
      const lags = firsts.map((f) => f - ready);
      all.push(...lags);
      worst.push(Math.max(...lags));
      if (t % 10 === 0 || t === trials) ctx.say(`trial ${t}/${trials}: pod on h${host} Ready → reachable from h1/h2/h3 ${lags.map((l) => `${l} ms`).join(' / ')}; load ${loadAverage()}`);
      await cluster.client.pods.delete(name, NS, { gracePeriodSeconds: 0 });
      await cluster.client.services.delete(name, NS);
    }
  } finally {
    for (const h of [1, 2, 3]) await cluster.client.pods.delete(`svc-probe-h${h}`, NS, { gracePeriodSeconds: 0 }).catch(() => undefined);
  }
  const note = `${trials} trials, pods on h1/h2/h3 in turn; Ready polled every 20 ms (a lag can be ≤ 0 by that much); probes connect every 5 ms`;
  return [
    { metric: 'pod Ready → reachable via its Service from every host, p50', unit: 'ms', orch: median(worst), direction: 'lower', note },
    { metric: 'pod Ready → reachable via its Service from every host, p99', unit: 'ms', orch: percentile(worst, 99), target: 1000, direction: 'lower' },
    { metric: 'pod Ready → reachable from one host, p50 / max (all hosts)', unit: 'ms', orch: median(all), baseline: Math.max(...all), direction: 'lower', note: 'baseline column: the largest single-host lag' },
  ];
}

async function run(ctx: BenchContext): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('bench services-traffic needs root (network namespaces, bridges, dockerd per host)');
  const quick = ctx.args.includes('--quick');
  const arg = (flag: string) => { const i = ctx.args.indexOf(flag); return i >= 0 ? ctx.args[i + 1] : undefined; };
  const parts = new Set((arg('--parts') ?? 'a,b').split(','));
  takeLock();
  ctx.cleanup.add('cluster suite lock', () => releaseLock());
  ctx.cleanup.add('harness leftovers', () => cleanupLeftovers());
  const loadAtStart = loadAverage();
  const cluster = await startCluster({ hosts: 3, proxies: true, logLevel: 'warn', agentFlags: ['--network-backend', 'vxlan', '--pod-infra-container-image', PAUSE_IMAGE] });
  const rows: ResultRow[] = [];
  try {
    if (parts.has('a')) {
      ctx.say(`a: starting, load average ${loadAverage()}`);
      rows.push(...(await throughPath(ctx, cluster, quick ? 1 : 3)));
    }
    if (parts.has('b')) {
      ctx.say(`b: starting, load average ${loadAverage()}`);
      rows.push(...(await endpointProgramming(ctx, cluster, quick ? 10 : 100)));
    }
  } catch (err) {
    ctx.say(cluster.logTails(8));
    throw err;
  } finally {
    await cluster.teardown();
  }
  ctx.say('');
  ctx.say(`load average (1, 5, 15 min): ${loadAtStart} at the start, ${loadAverage()} at the end\n`);
  ctx.say(renderTable('Services on 3 hosts (vxlan, orch proxy)', rows));
  return 0;
}

export const bench: Bench = {
  description: 'Services on 3 hosts: ClusterIP vs pod IP (iperf3, connect, RR latency), pod Ready → reachable via its Service from every host, p50/p99 (root, harness)',
  run,
};
