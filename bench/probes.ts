// `npm run bench -- probes [--pods N] [--seconds S] [--period P] [--baseline-agent PATH]
// [--agent "CMD ARGS"]`: what probing costs the
// agent. One node, real Docker, the agent as its own process; in one run:
//  1. N pods of orch.local/health-web without probes: the agent's CPU over S seconds once all
//     are Ready (after a few seconds of warm-up) — the baseline;
//  2. the same N pods again, each with one httpGet probe (readiness) every P s (/healthz on
//     8080, from the node to the pod IP): the agent's CPU over S seconds — issue 16's target
//     ("100 pods each probed over HTTP every second: < 10 % of a core");
//  3. the same N pods again with two probes each (readiness AND liveness, both every P s),
//     the common production shape: twice the probe runs.
// CPU is utime + stime of the agent process from /proc/<pid>/stat, as a share of one core.
// The probe runs in the window come from the agent's prober_probe_total (its /metrics), so
// the table shows the rate it really achieved. The apiserver runs in this process.
// --baseline-agent PATH (another build's dist/agent/main.js) runs both phases first with that
// agent on a node of its own, so a change is measured against the old build in one run;
// --agent "CMD ARGS" starts this build's agent another way (e.g. a CPU-profiling wrapper).

import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Container, Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { HEALTH_WEB_IMAGE, TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import { freePort } from '../test/helpers/ports.js';
import { dockerApi, startAgentProcess, stopProcess } from './lib/docker.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, progress?: () => Promise<string>, say?: (l: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = Date.now();
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (progress && say && Date.now() - told > 15_000) {
      say(`  waiting for ${what}: ${await progress()}`);
      told = Date.now();
    }
    await sleep(250);
  }
}

/** CPU seconds (user, system) the process has used, from /proc/<pid>/stat. */
export function cpuSeconds(statText: string, ticksPerSecond: number): { user: number; system: number } {
  // Fields after the command name (in parentheses, which may hold spaces): state is field 3, utime 14, stime 15.
  const rest = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
  return { user: Number(rest[11]) / ticksPerSecond, system: Number(rest[12]) / ticksPerSecond };
}

function ticksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Sum of a counter's samples in Prometheus text (all label sets). */
function counterSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

type Probing = 'none' | 'readiness' | 'both';

/** One agent's three phases: no probes, one probe per pod, readiness + liveness per pod. */
interface AgentPhases {
  plain: Phase;
  one: Phase;
  probed: Phase;
}

interface Phase {
  cpuShare: number;
  probesPerSecond: number;
  readyMs: number;
}

async function run(ctx: BenchContext): Promise<number> {
  const N = Number(argValue(ctx.args, '--pods') ?? 100);
  const seconds = Number(argValue(ctx.args, '--seconds') ?? 30);
  const period = Number(argValue(ctx.args, '--period') ?? 1);
  const baselineAgent = argValue(ctx.args, '--baseline-agent');
  // --agent "CMD ARGS": this build's agent started another way (e.g. under a CPU profiler).
  const agentCmd = argValue(ctx.args, '--agent');
  const runId = crypto.randomBytes(3).toString('hex');
  const img = await dockerApi('GET', `/images/${encodeURIComponent(HEALTH_WEB_IMAGE)}/json`);
  if (img.status !== 200) throw new Error(`${HEALTH_WEB_IMAGE} missing: run scripts/build-test-images.sh`);
  const hz = ticksPerSecond();

  const builds: { name: string; entry?: string[] }[] = [
    ...(baselineAgent ? [{ name: 'baseline', entry: [process.execPath, path.resolve(baselineAgent)] }] : []),
    { name: 'orch', entry: agentCmd ? [process.execPath, ...agentCmd.split(' ')] : undefined },
  ];
  const nodes = builds.map((b) => `probes-${runId}-${b.name}`);
  const api = await startTestApiServer({ nodeNames: nodes });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  const pods = async (app: string) => (await admin.pods.list({ namespace: 'default', labelSelector: `app=${app}` })).items;
  const readyCount = (ps: Pod[]) => ps.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;

  /** One build's agent: its phases without and with probes, then it stops. */
  const measure = async (build: (typeof builds)[number], node: string): Promise<AgentPhases> => {
    // The agent's /metrics on its local health port (the log endpoint wants credentials).
    const healthzPort = await freePort();
    const extraArgs = ['--network-backend', 'none', ...(build.entry ? ['--healthz-port', String(healthzPort), '--pod-infra-container-image', TEST_PAUSE_IMAGE] : [])];
    const agent = await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, entry: build.entry, logName: `agent-${build.name}.log`, healthzPort, extraArgs });
    const pid = agent.pid!;
    const metrics = async () => (await fetch(`http://127.0.0.1:${healthzPort}/metrics`)).text();

    const phase = async (app: string, probing: Probing): Promise<Phase> => {
      const probe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: period, timeoutSeconds: 1 };
      const probes = probing === 'both' ? { readinessProbe: probe, livenessProbe: probe } : probing === 'readiness' ? { readinessProbe: probe } : {};
      const container: Container = { name: 'web', image: HEALTH_WEB_IMAGE, imagePullPolicy: 'IfNotPresent', ...probes };
      const t0 = performance.now();
      for (let i = 0; i < N; i += 10) {
        await Promise.all(
          Array.from({ length: Math.min(10, N - i) }, (_, j) =>
            admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${app}-${i + j}`, namespace: 'default', labels: { app } }, spec: { nodeName: node, terminationGracePeriodSeconds: 2, containers: [container] } }),
          ),
        );
      }
      const summary = async () => {
        const ps = await pods(app);
        return `${ps.length} pods, ${ps.filter((p) => p.status?.phase === 'Running').length} Running, ${readyCount(ps)} Ready`;
      };
      await until(`${N} pods of ${app} Ready`, async () => readyCount(await pods(app)) === N, 600_000, summary, ctx.say);
      const readyMs = performance.now() - t0;
      ctx.say(`${app}: ${N} pods Ready in ${(readyMs / 1000).toFixed(1)} s; warming up 10 s`);
      await sleep(10_000);
      const m0 = counterSum(await metrics(), 'prober_probe_total');
      const c0 = cpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), hz);
      const w0 = performance.now();
      await sleep(seconds * 1000);
      const c1 = cpuSeconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'), hz);
      const wall = (performance.now() - w0) / 1000;
      const m1 = counterSum(await metrics(), 'prober_probe_total');
      const unready = N - readyCount(await pods(app));
      const user = ((c1.user - c0.user) / wall) * 100;
      const system = ((c1.system - c0.system) / wall) * 100;
      const out = { cpuShare: user + system, probesPerSecond: (m1 - m0) / wall, readyMs };
      const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      ctx.say(`${app} (${build.name} agent): agent CPU ${out.cpuShare.toFixed(2)} % of a core (user ${user.toFixed(2)}, system ${system.toFixed(2)}) over ${wall.toFixed(1)} s, ${out.probesPerSecond.toFixed(1)} probes/s, ${unready} pods not Ready at the end; load average ${load}`);
      // Out of the way before the next phase (not measured).
      await Promise.all((await pods(app)).map((p) => admin.pods.delete(p.metadata.name!, 'default').catch(() => undefined)));
      await until(`${app} pods gone`, async () => (await pods(app)).length === 0, 300_000);
      return out;
    };

    const plain = await phase(`plain-${build.name}-${runId}`, 'none');
    const one = await phase(`probed1-${build.name}-${runId}`, 'readiness');
    const probed = await phase(`probed-${build.name}-${runId}`, 'both');
    await stopProcess(agent);
    return { plain, one, probed };
  };

  const results: AgentPhases[] = [];
  for (const [i, b] of builds.entries()) results.push(await measure(b, nodes[i]!));
  const { plain, one, probed } = results[results.length - 1]!;
  const base = baselineAgent ? results[0] : undefined;

  const rows: ResultRow[] = [
    {
      metric: `agent CPU, ${N} pods, one httpGet probe every ${period} s`,
      unit: '% core',
      orch: one.cpuShare,
      baseline: plain.cpuShare,
      target: 10,
      direction: 'lower',
      note: `issue 16's target; baseline: the same ${N} pods without probes, same agent, same run; utime+stime from /proc/${'<pid>'}/stat over ${seconds} s after 10 s of warm-up`,
    },
    { metric: 'probe runs achieved (one probe per pod)', unit: '/s', orch: one.probesPerSecond, target: (N / period) * 0.95, direction: 'higher', note: `expected ${N / period}/s; from the agent's prober_probe_total` },
    {
      metric: `agent CPU, ${N} pods, readiness + liveness httpGet every ${period} s`,
      unit: '% core',
      orch: probed.cpuShare,
      baseline: plain.cpuShare,
      direction: 'lower',
      note: 'two probes per pod: twice the probe runs of the target row',
    },
    { metric: 'probe runs achieved (two probes per pod)', unit: '/s', orch: probed.probesPerSecond, target: ((2 * N) / period) * 0.95, direction: 'higher', note: `expected ${(2 * N) / period}/s; from the agent's prober_probe_total` },
    { metric: 'CPU per probe run ((two probes − none) / runs)', unit: 'ms', orch: ((probed.cpuShare - plain.cpuShare) * 10) / probed.probesPerSecond, direction: 'lower', note: '% of a core × 10 = ms of CPU per second' },
    { metric: `${N} pods created → all Ready`, unit: 's', orch: probed.readyMs / 1000, baseline: plain.readyMs / 1000, direction: 'lower', note: 'with probes: the first readiness run falls at a random point of the first period' },
  ];
  if (base) {
    rows.push(
      { metric: `agent CPU, one probe per pod: this build vs ${baselineAgent}`, unit: '% core', orch: one.cpuShare, baseline: base.one.cpuShare, direction: 'lower', note: 'same run, the baseline build measured first' },
      { metric: 'agent CPU, two probes per pod: this build vs the baseline build', unit: '% core', orch: probed.cpuShare, baseline: base.probed.cpuShare, direction: 'lower' },
      { metric: 'agent CPU without probes: this build vs the baseline build', unit: '% core', orch: plain.cpuShare, baseline: base.plain.cpuShare, direction: 'lower' },
      { metric: 'probe cost: this build vs the baseline build', unit: '% core', orch: probed.cpuShare - plain.cpuShare, baseline: base.probed.cpuShare - base.plain.cpuShare, direction: 'lower' },
    );
  }
  ctx.say('');
  ctx.say(renderTable('agent: probe cost (local Docker engine)', rows));
  return 0;
}

export const bench: Bench = {
  description: 'agent CPU with 100 pods probed over HTTP every 1 s (one probe, then readiness + liveness) vs the same pods without probes',
  run,
};
