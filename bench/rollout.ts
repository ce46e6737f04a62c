// `npm run bench -- rollout [--quick] [--rounds N] [--flips N]` (root): zero-downtime
// rollouts on the multi-host harness of test/cluster (3 hosts, vxlan, an agent and an
// `orch proxy` per host), the same workload as scenario 12 (test/cluster/zero-loss-*.ts):
// 6 orch.local/zl-app pods (readinessProbe /healthz every second, failureThreshold 1)
// behind a ClusterIP + NodePort Service, and on every host four request loops without
// pause (ClusterIP and NodePort, keep-alive and a connection per request).
//  a. A rolling update of the 6 (image v1 → v2 → v3 → v1 …, maxSurge 25 %, maxUnavailable
//     25 %) with the termination protocol ON (the agent's default) and OFF (agents
//     restarted with --proxy-drain-timeout 0), alternating, --rounds each (default 3):
//     requests sent, failed by kind, rollout duration (from `kubectl set image` to
//     `kubectl rollout status` done and the old pods gone). On a build without the flag
//     the agents run as they are and the rows say "protocol absent".
//  b. Readiness flipped off → the endpoint removed everywhere, over --flips flips (default
//     40, --quick 20), the pods in turn: POST /health/off to a pod (from h1), then each
//     host's nat table (iptables-save every 25 ms or so) until no rule jumps to a chain
//     that DNATs to the pod — the rules the proxy really wrote, not what it reports.
//     Two figures: from the POST (includes the probe's period, up to 1 s, and the agent's
//     status write) and from the pod's Ready=False as the API shows it (polled every 20 ms;
//     the part after the probe: endpoint controller + every proxy). Target: the latter's
//     p99 < 1 s. Then /health/on and wait until every host routes to it again.
// The load average is printed with each part: the machine is shared. ORCH_CLUSTER_LOG_LEVEL
// and ORCH_CLUSTER_KEEP_LOGS=1 work as in the cluster suite (the components' logs kept).

import os from 'node:os';
import type { Pod } from '../api/types.js';
import { cleanupLeftovers, startCluster, type Cluster } from '../test/cluster/harness.js';
import { releaseLock, takeLock } from '../test/cluster/global-setup.js';
import { nodeInHost } from '../test/cluster/host-traffic.js';
import { netnsPath } from '../test/cluster/network.js';
import { exec, sleep } from '../test/cluster/sh.js';
import { describeReports, totals, type TrafficTotals } from '../test/cluster/zero-loss-traffic.js';
import {
  agentHasDrainFlag, buildZlAppImages, ZL_APP_IMAGES, deployZlApp, DRAIN_FLAG, livePods, restartAgentsWith, runWithTraffic, setImage, warningEvents, ZL_NS,
} from '../test/cluster/zero-loss-workload.js';
import { median, percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const REPLICAS = 6;
const APP_PORT = 8080;
const POLL_PAUSE_MS = 25;
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
type Mode = 'on' | 'off' | 'absent';

/** Does a nat table (iptables-save) route new connections to ip:port: a rule jumping to a chain that DNATs there? */
export function natRoutesTo(nat: string, ip: string, port: number): boolean {
  const rules = nat.split('\n').filter((l) => l.startsWith('-A '));
  const to = `--to-destination ${ip}:${port}`;
  const chains = new Set(rules.filter((l) => l.includes(to) && / -j DNAT /.test(l)).map((l) => l.split(' ')[1]!));
  return rules.some((l) => [...chains].some((c) => l.endsWith(`-j ${c}`)));
}

async function routesTo(host: number, ip: string, port: number): Promise<boolean> {
  const r = await exec('nsenter', [`--net=${netnsPath(host)}`, 'iptables-save', '-t', 'nat'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`iptables-save on h${host}: ${r.stderr.trim()}`);
  return natRoutesTo(r.stdout, ip, port);
}

/** Polls every host until `want(routes)`; the wall-clock ms each host first satisfied it. */
async function untilEveryHost(hosts: number[], ip: string, want: boolean, timeoutMs: number): Promise<number[] | undefined> {
  const deadline = Date.now() + timeoutMs;
  const at = await Promise.all(hosts.map(async (h) => {
    while (Date.now() < deadline) {
      if ((await routesTo(h, ip, APP_PORT)) === want) return Date.now();
      // A short pause: three hosts polled back to back would take a core from the proxies measured.
      await sleep(POLL_PAUSE_MS);
    }
    return undefined;
  }));
  return at.every((t) => t !== undefined) ? (at as number[]) : undefined;
}

const POST = `
const [ip, path] = process.argv.slice(1);
const t = Date.now();
require('http').request({ host: ip, port: ${APP_PORT}, path, method: 'POST', timeout: 3000 }, (r) => { r.resume(); r.on('end', () => console.log(JSON.stringify({ t, status: r.statusCode }))); })
  .on('error', (e) => { console.error(e.message); process.exit(1); }).end();
`;

/** POSTs to the pod from h1's namespace; the wall-clock ms the request was sent. */
async function post(ip: string, path: string): Promise<number> {
  const r = await nodeInHost(1, POST, [ip, path], 15_000);
  if (r.code !== 0) throw new Error(`POST ${path} to ${ip}: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout.trim()) as { t: number; status: number };
  if (out.status !== 200) throw new Error(`POST ${path} to ${ip}: HTTP ${out.status}`);
  return out.t;
}

const readyIn = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

async function untilNotReady(cluster: Cluster, name: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readyIn(await cluster.client.pods.get(name, ZL_NS)) === 'False') return Date.now();
    await sleep(20);
  }
  return undefined;
}

interface FlipFigures {
  fromPost: number[];
  fromReady: number[];
  back: number[];
  /** Set when the build has no readiness probes: the first flip removed nothing. */
  unsupported?: string;
}

/** b. readiness flipped off → removed from every host's rules. */
async function flips(ctx: BenchContext, cluster: Cluster, n: number): Promise<FlipFigures> {
  const out: FlipFigures = { fromPost: [], fromReady: [], back: [] };
  const pods = (await livePods(cluster)).sort((a, b) => a.spec.nodeName!.localeCompare(b.spec.nodeName!));
  const hosts = cluster.hostIndexes;
  for (let k = 0; k < n; k++) {
    const pod = pods[k % pods.length]!;
    const ip = pod.status!.podIP!;
    if (!(await untilEveryHost(hosts, ip, true, 30_000))) throw new Error(`pod ${pod.metadata.name} (${ip}) is not routed on every host before flip ${k + 1}`);
    const ready = untilNotReady(cluster, pod.metadata.name!, 15_000);
    const removed = untilEveryHost(hosts, ip, false, 15_000);
    const sent = await post(ip, '/health/off');
    const [readyAt, removedAt] = await Promise.all([ready, removed]);
    if (!removedAt || !readyAt) {
      out.unsupported = `flip ${k + 1}: ${pod.metadata.name} ${readyAt ? 'went not-ready' : 'never went not-ready'} and ${removedAt ? 'was removed' : 'was not removed from every host'} within 15 s after /health/off (readiness probes not in this build?)`;
      await post(ip, '/health/on');
      return out;
    }
    const last = Math.max(...removedAt);
    out.fromPost.push(last - sent);
    out.fromReady.push(last - readyAt);
    const on = await post(ip, '/health/on');
    const back = await untilEveryHost(hosts, ip, true, 30_000);
    if (!back) throw new Error(`pod ${pod.metadata.name} not routed again on every host within 30 s after /health/on`);
    out.back.push(Math.max(...back) - on);
    if ((k + 1) % 10 === 0 || k + 1 === n) ctx.say(`flip ${k + 1}/${n}: ${pod.metadata.name} on ${pod.spec.nodeName}: POST → removed everywhere ${last - sent} ms (Ready=False → removed ${last - readyAt} ms), on → routed again ${Math.max(...back) - on} ms; load ${loadAverage()}`);
  }
  return out;
}

interface ModeFigures {
  rounds: number;
  traffic: TrafficTotals;
  durations: number[];
}

const sumFailed = (t: TrafficTotals) => Object.values(t.failed).reduce((a, b) => a + b, 0);
const kinds = (t: TrafficTotals) => Object.entries(t.failed).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

async function run(ctx: BenchContext): Promise<number> {
  if (process.getuid?.() !== 0) throw new Error('bench rollout needs root (network namespaces, bridges, dockerd per host)');
  const quick = ctx.args.includes('--quick');
  const arg = (flag: string) => { const i = ctx.args.indexOf(flag); return i >= 0 ? Number(ctx.args[i + 1]) : undefined; };
  const rounds = arg('--rounds') ?? (quick ? 1 : 3);
  const flipCount = arg('--flips') ?? (quick ? 20 : 40);
  takeLock();
  ctx.cleanup.add('cluster suite lock', () => releaseLock());
  ctx.cleanup.add('harness leftovers', () => cleanupLeftovers());
  await buildZlAppImages();
  const modes: Mode[] = (await agentHasDrainFlag()) ? ['on', 'off'] : ['absent'];
  const loadAtStart = loadAverage();
  const cluster = await startCluster({ hosts: 3, proxies: true, logLevel: process.env.ORCH_CLUSTER_LOG_LEVEL ?? 'warn', extraImages: ZL_APP_IMAGES });
  const baseFlags = cluster.opts.agentFlags ?? [];
  const rows: ResultRow[] = [];
  try {
    const clusterIP = await deployZlApp(cluster, REPLICAS);
    ctx.say(`b: ${flipCount} readiness flips, load average ${loadAverage()}`);
    const f = await flips(ctx, cluster, flipCount);

    ctx.say(`a: rolling updates of ${REPLICAS}, modes ${modes.join('/')}, ${rounds} round(s) each, load average ${loadAverage()}`);
    const figures = new Map<Mode, ModeFigures>(modes.map((m) => [m, { rounds: 0, traffic: { sent: 0, ok: 0, failed: {}, versions: {} }, durations: [] }]));
    const versions = ['v2', 'v3', 'v1'] as const;
    let current: Mode = modes[0]!;
    let v = 0;
    for (let r = 1; r <= rounds; r++) {
      for (const m of modes) {
        if (m !== current) {
          await restartAgentsWith(cluster, baseFlags, m === 'off' ? [DRAIN_FLAG, '0'] : []);
          current = m;
        }
        const version = versions[v++ % versions.length]!;
        const res = await runWithTraffic(cluster, clusterIP, [{ name: `rollout ${version}`, apply: () => setImage(cluster, version), replicas: REPLICAS }], { settleMs: 2000 });
        const t = totals(res.reports);
        const fig = figures.get(m)!;
        fig.rounds++;
        fig.durations.push(res.steps[0]!.ms);
        fig.traffic.sent += t.sent;
        fig.traffic.ok += t.ok;
        for (const [k, n] of Object.entries(t.failed)) fig.traffic.failed[k] = (fig.traffic.failed[k] ?? 0) + n;
        ctx.say(`round ${r}/${rounds}, protocol ${m}: rollout to ${version} ${res.steps[0]!.ms} ms, ${t.sent} requests, failed ${sumFailed(t)} (${kinds(t)}); load ${loadAverage()}`);
        if (sumFailed(t) > 0) {
          ctx.say(describeReports(res.reports.filter((x) => Object.keys(x.failed).length)));
          ctx.say(`Warning Events (last 20):\n${(await warningEvents(cluster)).join('\n') || '(none)'}`);
        }
      }
    }

    for (const m of modes) {
      const fig = figures.get(m)!;
      const label = m === 'absent' ? 'protocol absent (this build)' : `protocol ${m}`;
      rows.push(
        { metric: `rolling update of ${REPLICAS}, ${label}: requests sent`, unit: 'count', orch: fig.traffic.sent, direction: 'higher', note: `${fig.rounds} rollout(s); 12 loops (3 hosts x ClusterIP/NodePort x keep-alive/new connection), no pause` },
        { metric: `rolling update of ${REPLICAS}, ${label}: requests failed`, unit: 'count', orch: sumFailed(fig.traffic), ...(m === 'on' ? { target: 1 } : {}), direction: 'lower', note: `by kind: ${kinds(fig.traffic)}` },
        { metric: `rolling update of ${REPLICAS}, ${label}: duration, median`, unit: 'ms', orch: median(fig.durations), baseline: Math.max(...fig.durations), direction: 'lower', note: 'baseline column: the slowest rollout; set image → rollout status done and old pods gone' },
      );
    }
    if (f.unsupported) {
      ctx.say(`b: ${f.unsupported}`);
      rows.push({ metric: 'readiness off → endpoint removed everywhere, p99', unit: 'ms', orch: Number.NaN, direction: 'lower', note: f.unsupported });
    } else {
      const note = `${f.fromPost.length} flips over the ${REPLICAS} pods; removal seen in each host's nat table (iptables-save, 25 ms between polls)`;
      rows.push(
        { metric: 'pod Ready=False (API) → endpoint removed everywhere, p50', unit: 'ms', orch: median(f.fromReady), direction: 'lower', note: `${note}; Ready polled every 20 ms` },
        { metric: 'pod Ready=False (API) → endpoint removed everywhere, p99', unit: 'ms', orch: percentile(f.fromReady, 99), target: 1000, direction: 'lower' },
        { metric: 'POST /health/off → endpoint removed everywhere, p50', unit: 'ms', orch: median(f.fromPost), direction: 'lower', note: 'includes the readiness probe period (1 s)' },
        { metric: 'POST /health/off → endpoint removed everywhere, p99', unit: 'ms', orch: percentile(f.fromPost, 99), target: 2000, direction: 'lower', note: 'target: the probe period + 1 s' },
        { metric: 'POST /health/on → routed again everywhere, p99', unit: 'ms', orch: percentile(f.back, 99), direction: 'lower' },
      );
    }
  } catch (err) {
    ctx.say(cluster.logTails(8));
    throw err;
  } finally {
    await cluster.teardown();
  }
  ctx.say('');
  ctx.say(`load average (1, 5, 15 min): ${loadAtStart} at the start, ${loadAverage()} at the end\n`);
  ctx.say(renderTable(`Rolling updates under traffic on 3 hosts (vxlan, orch proxy), modes ${modes.join('/')}`, rows));
  return 0;
}

export const bench: Bench = {
  description: 'rolling update of 6 under continuous traffic from 3 hosts with the termination protocol on and off (requests failed by kind, duration); readiness off → endpoint removed everywhere p50/p99 (root, harness)',
  run,
};
