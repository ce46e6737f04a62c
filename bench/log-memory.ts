// `npm run bench -- log-memory`: the agent's memory while it serves a 1 GB container log.
// A pod writes --size-mb (1024) MB of 1 KiB lines; the log is read straight from the
// agent's log endpoint (/containerLogs, as the apiserver reads it) at --rate-mbps (64)
// MB/s, a slow-ish reader, once without follow and once with follow. The agent is its own
// process, so the RSS sampled (every 200 ms) is the agent's alone. Target: at most 10 MB
// above the idle agent's RSS, measured just before the read.
// Baseline, same run: the idle agent's RSS; with --baseline-agent PATH (the agent main.js
// of an older build, e.g. before logs streamed), the same reads through that agent of a
// --baseline-size-mb (256) MB log (an agent that buffers cannot hold 1 GB in one string).

import { execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import { IMAGE, requireImage, startAgentProcess, stopProcess } from './lib/docker.js';
import { MB, readRss, RssSampler } from './lib/rss.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const LINE = 1024;

function flag(args: string[], name: string, dflt: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : dflt;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads `bytes` of the log from the agent at `rateMbps`, then closes; resolves with what came and how long it took. */
function readLog(port: number, token: string, pod: string, follow: boolean, bytes: number, rateMbps: number): Promise<{ got: number; ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.get({ host: '127.0.0.1', port, path: `/containerLogs/default/${pod}/main${follow ? '?follow=true' : ''}`, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let got = 0;
      const done = () => resolve({ got, ms: performance.now() - t0, status: res.statusCode ?? 0 });
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= bytes) {
          res.destroy();
          return done();
        }
        // Ahead of the rate: stop reading until the schedule catches up (TCP backpressure).
        const ahead = got / (rateMbps * MB) * 1000 - (performance.now() - t0);
        if (ahead > 5) {
          res.pause();
          setTimeout(() => res.resume(), ahead);
        }
      });
      res.on('end', done);
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

interface ModeResult {
  /** RSS of the freshly started agent, before it served any log. */
  cold: number;
  /** RSS after a first 16 MB read (code compiled, buffers and heap at working size). */
  warm: number;
  max: number;
  after: number;
  samples: number;
  got: number;
  ms: number;
  status: number;
}

const WARM_UP = 16 * MB;

async function measure(ctx: BenchContext, o: { name: string; entry?: string[]; sizeMb: number; rateMbps: number }): Promise<Record<'noFollow' | 'follow', ModeResult>> {
  const node = `bench-logmem-${o.name}-${crypto.randomBytes(3).toString('hex')}`;
  const api = await startTestApiServer({ nodeNames: [node] });
  ctx.cleanup.add(`apiserver ${o.name}`, () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  const logToken = crypto.randomBytes(16).toString('hex');
  const tokenFile = path.join(ctx.workDir, `log-tokens-${o.name}`);
  fs.writeFileSync(tokenFile, `${logToken},bench-reader,bench,""\n`);
  const extraArgs = ['--network-backend', 'none', '--log-server-token-file', tokenFile];
  // The whole log is kept (this build rotates at 10Mi × 5 by default).
  if (!o.entry) extraArgs.push('--container-log-max-size', `${o.sizeMb * 2}Mi`, '--container-log-max-files', '2');
  else extraArgs.push('--healthz-port', '0', '--pod-infra-container-image', TEST_PAUSE_IMAGE);
  let agent: ChildProcess = await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, entry: o.entry, logName: `agent-${o.name}.log`, extraArgs });
  const portOf = async () => (await admin.nodes.get(node)).status!.daemonEndpoints!.kubeletEndpoint!.Port;
  const bytes = o.sizeMb * MB;
  const filler = 'x'.repeat(LINE - 1);
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'writer', namespace: 'default' },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', `yes ${filler} | head -c ${bytes}; touch /written; sleep 3600`] }],
    },
  };
  await admin.pods.create(pod);
  ctx.say(`${o.name}: writing ${o.sizeMb} MB of log...`);
  const w0 = performance.now();
  let cid = '';
  for (;;) {
    const p = await admin.pods.get('writer', 'default');
    cid = p.status?.containerStatuses?.[0]?.containerID?.replace('docker://', '') ?? '';
    if (cid) {
      try {
        execFileSync('docker', ['exec', cid, 'test', '-f', '/written'], { stdio: 'ignore' });
        break;
      } catch {
        /* still writing */
      }
    }
    if (performance.now() - w0 > 600_000) throw new Error('the log was not written within 10 minutes');
    await sleep(1000);
  }
  ctx.say(`${o.name}: written in ${((performance.now() - w0) / 1000).toFixed(1)} s`);

  // Each mode gets a freshly started agent, so one read's leftovers never count for the other.
  const run = async (follow: boolean): Promise<ModeResult> => {
    const oldPort = await portOf();
    await stopProcess(agent);
    agent = await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, entry: o.entry, logName: `agent-${o.name}.log`, extraArgs });
    for (let i = 0; (await portOf()) === oldPort; i++) {
      if (i > 300) throw new Error('the restarted agent did not publish its endpoint');
      await sleep(100);
    }
    const port = await portOf();
    await sleep(5000); // the agent settles (adoption, status, a resync)
    const cold = readRss(agent.pid!).rss;
    await readLog(port, logToken, 'writer', follow, WARM_UP, o.rateMbps);
    await sleep(2000);
    const warm = readRss(agent.pid!).rss;
    const sampler = new RssSampler(agent.pid!, 200).start();
    const r = await readLog(port, logToken, 'writer', follow, bytes, o.rateMbps);
    const s = sampler.stop();
    await sleep(3000);
    const after = readRss(agent.pid!).rss;
    const f = (n: number) => `${(n / MB).toFixed(1)} MB`;
    ctx.say(`${o.name}: ${follow ? 'follow' : 'no follow'}: HTTP ${r.status}, ${(r.got / MB).toFixed(0)} MB in ${(r.ms / 1000).toFixed(1)} s; agent RSS cold ${f(cold)}, after a 16 MB read ${f(warm)}, max while reading ${f(s.max)} (${s.samples} samples), 3 s after ${f(after)}`);
    return { cold, warm, max: s.max, after, samples: s.samples, ...r };
  };
  const noFollow = await run(false);
  const follow = await run(true);
  await stopProcess(agent);
  execFileSync('docker', ['rm', '-f', '-v', cid], { stdio: 'ignore' });
  return { noFollow, follow };
}

async function runBench(ctx: BenchContext): Promise<number> {
  const sizeMb = Number(flag(ctx.args, '--size-mb', '1024'));
  const rateMbps = Number(flag(ctx.args, '--rate-mbps', '64'));
  const baselineAgent = flag(ctx.args, '--baseline-agent', '');
  const baselineSizeMb = Number(flag(ctx.args, '--baseline-size-mb', '256'));
  await requireImage();
  const cur = await measure(ctx, { name: 'this-build', sizeMb, rateMbps });
  const old = baselineAgent ? await measure(ctx, { name: 'baseline', entry: [process.execPath, path.resolve(baselineAgent)], sizeMb: baselineSizeMb, rateMbps }) : undefined;
  const mb = (n: number) => Number((n / MB).toFixed(1));
  const rows: ResultRow[] = [];
  for (const [mode, key] of [['no follow', 'noFollow'], ['follow', 'follow']] as const) {
    const c = cur[key];
    const b = old?.[key];
    rows.push({
      metric: `agent RSS growth, ${sizeMb} MB log, ${mode}`,
      unit: 'MB',
      orch: mb(c.max - c.warm),
      baseline: b ? mb(b.max - b.warm) : undefined,
      target: 10,
      direction: 'lower',
      note: `max RSS while reading (sampled every 200 ms) minus the RSS after a first 16 MB read of the same log (${mb(c.warm)} MB; freshly started agent ${mb(c.cold)} MB); read at up to ${rateMbps} MB/s, took ${(c.ms / 1000).toFixed(1)} s${b ? `; baseline: ${baselineAgent} with a ${baselineSizeMb} MB log (HTTP ${b.status}, ${mb(b.got)} MB read)` : ''}`,
    });
    rows.push({ metric: `  same, from the freshly started agent`, unit: 'MB', orch: mb(c.max - c.cold), baseline: b ? mb(b.max - b.cold) : undefined, direction: 'lower' });
  }
  ctx.say('');
  ctx.say(renderTable('agent memory while serving a big log', rows));
  return 0;
}

export const bench: Bench = {
  description: 'agent RSS while a 1 GB container log is read from its log endpoint (with and without follow) by a slow reader, vs the idle agent (--baseline-agent PATH: an older build)',
  run: runBench,
};
