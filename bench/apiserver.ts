// `npm run bench -- apiserver`: the apiserver (a separate process, started through the
// real CLI) against a throw-away etcd, each figure beside the same load sent straight to
// etcd with the etcd3 client:
//   (a) pod creates/s, 16 keep-alive clients, 10,000 pods (or 10 s)   target ≥ 2,000/s
//   (b) list of 10,000 pods, median of 5                              target < 300 ms
//   (c) watch delivery p50/p99, 100 watchers, 500 writes/s for ~10 s  target p99 < 50 ms
//   (d) apiserver RSS with the 10,000 pods stored and 5 watchers open target < 150 MB
//       Two figures: right after the load (what the load's garbage still occupies) and
//       settled, 30 s later. The target is read on the settled one: it is what the
//       process holds for 10,000 pods; V8 hands the load's garbage back to the OS only
//       after ~10–20 s without load (its memory reducer), and the peak is printed too.
// Options: --quick (a smaller, faster run to check the harness), --strict (exit 1 when a
// target is missed), --keep (keep the work dir with the apiserver log), --profile (write
// a V8 CPU profile of the apiserver into the kept work dir, for chrome://inspect),
// --watchers N, --write-rate N, --max-pods N, --list-count N (non-standard scenarios),
// --workers N (the apiserver with N serving processes: `orch apiserver --workers N`).
// The machine's load average is printed with the figures: on a shared 2-core box other
// work moves them a lot, so a figure without its load is not worth much.

import fs from 'node:fs';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { generateToken, writeTokenFile } from '../foundation/token-file.js';
import { startApiServerPreferCli } from './lib/apiserver-process.js';
import { startEtcd } from './lib/etcd.js';
import { BenchHttp } from './lib/http.js';
import { readRss, RssSampler, MB } from './lib/rss.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { createPods, topUpListNamespace } from './apiserver/creates.js';
import { timeList } from './apiserver/list.js';
import { namespaceManifest, podKeyPrefix, podManifest, podName } from './apiserver/pods.js';
import { RawEtcd } from './apiserver/raw-etcd.js';
import { watchLatency } from './apiserver/watch.js';

interface Settings {
  concurrency: number;
  maxPods: number;
  createMs: number;
  listCount: number;
  listRounds: number;
  watchers: number;
  writeRate: number;
  watchMs: number;
  watchPods: number;
  rssWatchers: number;
  settleMs: number;
}

const FULL: Settings = { concurrency: 16, maxPods: 10_000, createMs: 10_000, listCount: 10_000, listRounds: 5, watchers: 100, writeRate: 500, watchMs: 10_000, watchPods: 50, rssWatchers: 5, settleMs: 30_000 };
const QUICK: Settings = { ...FULL, maxPods: 3_000, createMs: 3_000, listCount: 2_000, listRounds: 3, watchers: 20, writeRate: 200, watchMs: 3_000, watchPods: 20, settleMs: 5_000 };

const NS = { list: 'bench-list', extra: 'bench-create', watch: 'bench-watch' };

/** `--watchers 10 --write-rate 100 ...`: explore beyond the fixed scenario (say so when reporting). */
const OVERRIDES: Record<string, keyof Settings> = { '--watchers': 'watchers', '--write-rate': 'writeRate', '--max-pods': 'maxPods', '--list-count': 'listCount' };
function withOverrides(base: Settings, args: string[]): Settings {
  const s = { ...base };
  for (let i = 0; i < args.length; i++) {
    const key = OVERRIDES[args[i]!];
    if (!key) continue;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${args[i]} needs a positive integer`);
    s[key] = v;
    i++;
  }
  return s;
}

/** The etcd server process, found by the data dir on its command line (for its RSS). */
function findPidByArg(arg: string): number | undefined {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes(arg) && cmd.split('\0')[0]!.endsWith('etcd')) return Number(d);
    } catch {
      /* exited meanwhile */
    }
  }
  return undefined;
}

/** The highest RSS of pid (and its children) over ms. */
async function sampleRss(pid: number, ms: number): Promise<number> {
  const sampler = new RssSampler(pid, 100).start();
  await new Promise((r) => setTimeout(r, ms));
  return sampler.stop().max;
}

async function run(ctx: BenchContext): Promise<number> {
  const quick = ctx.args.includes('--quick');
  const strict = ctx.args.includes('--strict');
  const s = withOverrides(quick ? QUICK : FULL, ctx.args);
  const { say } = ctx;
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;

  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const custom = JSON.stringify(s) !== JSON.stringify(quick ? QUICK : FULL);
  say(`apiserver bench${quick ? ' (--quick: reduced sizes, figures not comparable with the targets)' : ''}${custom ? ` (custom: ${JSON.stringify(s)})` : ''}; ${os.cpus().length} cpus, load average ${load()}`);
  const profile = ctx.args.includes('--profile');
  if (ctx.args.includes('--keep') || profile) ctx.keepWorkDir();
  const etcd = await startEtcd();
  ctx.cleanup.add('etcd', () => etcd.stop());
  const etcdPid = findPidByArg(etcd.dataDir);

  // Authentication on, as in production (plain HTTP so TLS cost does not blur the figure).
  const token = generateToken();
  const tokenFile = path.join(ctx.workDir, 'tokens.csv');
  writeTokenFile(tokenFile, [{ token, user: 'admin', uid: 'bench-admin', groups: ['system:masters'] }]);
  // e.g. BENCH_APISERVER_NODE_ARGS="--max-semi-space-size=8" to try V8 settings on the apiserver alone.
  const extraNodeArgs = (process.env.BENCH_APISERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const workersArg = ctx.args.indexOf('--workers');
  const workers = workersArg >= 0 ? ctx.args[workersArg + 1] ?? '1' : '1';
  const api = await startApiServerPreferCli({ etcdEndpoint: etcd.endpoint, workDir: ctx.workDir, tokenAuthFile: tokenFile, extraArgs: ['--workers', workers], nodeArgs: [...(profile ? ['--cpu-prof', '--cpu-prof-dir', ctx.workDir] : []), ...extraNodeArgs] }, say);
  ctx.cleanup.add('apiserver', () => api.stop());
  const http = new BenchHttp({ baseUrl: api.url, token, maxSockets: s.concurrency });
  ctx.cleanup.add('http client', () => http.close());
  const raw = new RawEtcd(etcd.endpoint);
  ctx.cleanup.add('etcd client', () => raw.close());
  const apiRss = new RssSampler(api.pid, 200).start();
  say(`[${elapsed()}] etcd ${etcd.endpoint}, apiserver ${api.url} (pid ${api.pid}, ${workers} worker process(es), RSS summed over them, started via ${api.entry === 'cli' ? 'dist/cli/main.js apiserver' : 'bench/lib/apiserver-main.js'})`);

  for (const ns of Object.values(NS)) await http.expect('POST', '/api/v1/namespaces', [201, 409], JSON.stringify(namespaceManifest(ns)));
  const rows: ResultRow[] = [];
  const rssNow = () => `${(readRss(api.pid).rss / MB).toFixed(0)} MB`;
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = readRss(api.pid).rss;

  // (a) creates
  say(`[${elapsed()}] (a) creating pods: ${s.concurrency} clients, up to ${s.maxPods} pods or ${s.createMs / 1000} s`);
  const created = new Set<number>();
  const c = await createPods(http, { concurrency: s.concurrency, maxPods: s.maxPods, maxMs: s.createMs, listNs: NS.list, listCount: s.listCount, extraNs: NS.extra }, created);
  if (c.errors > 0) say(`    ${c.errors} creates failed, first: ${String(c.firstError)}`);
  const value = await raw.getBuffer(`${podKeyPrefix(NS.list)}${podName(0)}`);
  const rawPuts = await raw.putMany({ count: c.done, concurrency: s.concurrency, key: (i) => `/bench-raw/pods/${podName(i)}`, value });
  const rawRate = (rawPuts.done * 1000) / rawPuts.elapsedMs;
  say(`    orch ${c.done} pods in ${(c.elapsedMs / 1000).toFixed(1)} s; raw etcd ${rawPuts.done} puts of ${value.length} B in ${(rawPuts.elapsedMs / 1000).toFixed(1)} s`);
  rows.push({ metric: `creates/s (${s.concurrency} clients)`, unit: '/s', orch: c.ratePerSec, baseline: rawRate, target: 2000, direction: 'higher', note: `${c.done} pods created in ${(c.elapsedMs / 1000).toFixed(1)} s (${c.errors} errors); baseline: ${rawPuts.done} etcd puts of the stored pod's ${value.length} bytes, ${s.concurrency} in flight` });

  // (b) list
  const topped = await topUpListNamespace(http, { concurrency: s.concurrency, listNs: NS.list, listCount: s.listCount }, created);
  if (topped > 0) say(`    topped ${NS.list} up with ${topped} pods`);
  say(`[${elapsed()}] (b) listing ${s.listCount} pods, median of ${s.listRounds}; apiserver RSS now ${rssNow()}`);
  const list = await timeList(http, `/api/v1/namespaces/${NS.list}/pods`, s.listCount, s.listRounds);
  const rawLists: number[] = [];
  for (let i = 0; i < s.listRounds; i++) {
    const r = await raw.rangeGet(podKeyPrefix(NS.list));
    if (r.count !== s.listCount) throw new Error(`raw range get found ${r.count} keys, expected ${s.listCount}`);
    rawLists.push(r.ms);
  }
  rawLists.sort((x, y) => x - y);
  rows.push({ metric: `list ${s.listCount} pods (median)`, unit: 'ms', orch: list.medianMs, baseline: rawLists[Math.ceil(rawLists.length / 2) - 1]!, target: 300, direction: 'lower', note: `${(list.bytes / MB).toFixed(1)} MB of JSON; rounds ${list.all.map((x) => x.toFixed(0)).join('/')} ms; baseline: etcd3 range get of the same ${s.listCount} keys` });

  // (c) watch latency
  const podNames = Array.from({ length: s.watchPods }, (_, i) => `w-${i}`);
  for (const n of podNames) await http.expect('POST', `/api/v1/namespaces/${NS.watch}/pods`, [201], JSON.stringify(podManifest(NS.watch, n)));
  say(`[${elapsed()}] (c) watch: ${s.watchers} watchers, ${s.writeRate} writes/s for ${s.watchMs / 1000} s; apiserver RSS now ${rssNow()}`);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  // The writer gets its own sockets (as many as writes in flight), so a write never
  // waits for a free connection and "sent" is when the server could start on it.
  const writer = new BenchHttp({ baseUrl: api.url, token, maxSockets: 64 });
  ctx.cleanup.add('writer client', () => writer.close());
  const w = await watchLatency(http, writer, { namespace: NS.watch, podNames, watchers: s.watchers, ratePerSec: s.writeRate, durationMs: s.watchMs });
  lag.disable();
  const benchLagP99 = lag.percentile(99) / 1e6;
  const wa = w.fromAck.summary();
  const ws = w.fromSend.summary();
  const template = JSON.stringify(podManifest(NS.watch, 'raw'));
  const rawW = await raw.watchLatency({
    prefix: '/bench-raw/watch/', watchers: s.watchers, ratePerSec: s.writeRate, durationMs: s.watchMs, keys: s.watchPods,
    value: (sentAt) => template.replace('"annotations":{', `"annotations":{"bench.orch.io/sent":"${sentAt.toFixed(3)}",`),
  });
  const ra = rawW.fromAck.summary();
  const expected = w.writes.done * s.watchers;
  const got = w.received.reduce((a, b) => a + b, 0);
  const writeRate = (w.writes.done * 1000) / w.writes.elapsedMs;
  say(`    orch: ${w.writes.done} writes (${writeRate.toFixed(0)}/s, ${w.writes.errors} errors), ${got}/${expected} events delivered, ${w.disconnected} streams cut, ${w.errors} ERROR events`);
  say(`    raw etcd: ${rawW.writes.done} writes, ${rawW.received.reduce((a, b) => a + b, 0)}/${rawW.writes.done * s.watchers} events`);
  const watchNote = `${s.watchers} watchers, ${writeRate.toFixed(0)} writes/s achieved (${w.writes.errors} errors); receive − write ack, matched by resourceVersion (0 when the event arrived before the writer saw its ack); delivered ${got}/${expected} events, ${w.disconnected} streams cut; the bench client's own event-loop delay p99 ${benchLagP99.toFixed(1)} ms`;
  const rs = rawW.fromSend.summary();
  rows.push({ metric: 'watch latency p50 (after ack)', unit: 'ms', orch: wa.p50, baseline: ra.p50, direction: 'lower' });
  rows.push({ metric: 'watch latency p99 (after ack)', unit: 'ms', orch: wa.p99, baseline: ra.p99, target: 50, direction: 'lower', note: watchNote });
  rows.push({ metric: 'watch latency p50 (after send)', unit: 'ms', orch: ws.p50, baseline: rs.p50, direction: 'lower' });
  rows.push({ metric: 'watch latency p99 (after send)', unit: 'ms', orch: ws.p99, baseline: rs.p99, direction: 'lower', note: 'receive − the time the write request was sent (includes the write itself), from an annotation carrying the send time' });

  // (d) RSS with everything stored and a few watchers open
  const stored = created.size + s.watchPods;
  const listAll = await http.expect('GET', '/api/v1/pods?limit=1', [200]);
  const rv = (JSON.parse(listAll.body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  const idle = [];
  for (let i = 0; i < s.rssWatchers; i++) idle.push(await http.watch(`/api/v1/pods?watch=true&resourceVersion=${rv}`, () => {}));
  say(`[${elapsed()}] (d) RSS with ${stored} pods stored, ${s.rssWatchers} watchers open; apiserver RSS now ${rssNow()}`);
  await new Promise((r) => setTimeout(r, 2000));
  const afterLoad = await sampleRss(api.pid, 2000);
  say(`    right after the load: ${(afterLoad / MB).toFixed(1)} MB; waiting ${s.settleMs / 1000} s for it to settle`);
  await new Promise((r) => setTimeout(r, s.settleMs));
  const settled = await sampleRss(api.pid, 2000);
  for (const x of idle) x.close();
  const whole = apiRss.stop();
  const etcdRss = etcdPid ? readRss(etcdPid).rss : NaN;
  rows.push({ metric: 'apiserver RSS idle (0 pods)', unit: 'MB', orch: idleRss / MB, direction: 'lower', note: 'after start-up and three namespace creates, before any load' });
  rows.push({ metric: `apiserver RSS after load (${stored} pods)`, unit: 'MB', orch: afterLoad / MB, direction: 'lower', note: `max over 2 s, 2 s after the watch phase, ${s.rssWatchers} watchers open; peak during the whole bench (VmHWM) ${(whole.hwm / MB).toFixed(0)} MB` });
  rows.push({ metric: `apiserver RSS settled (${stored} pods)`, unit: 'MB', orch: settled / MB, baseline: etcdRss / MB, target: 150, direction: 'lower', note: `max over 2 s, ${s.settleMs / 1000} s later, same watchers open; baseline: etcd's own RSS` });

  say('');
  say(renderTable(`apiserver bench — ${new Date().toISOString()}, ${elapsed()} total, load average now ${load()}`, rows));
  const failed = rows.filter((r) => verdict(r) === 'FAIL');
  return strict && failed.length > 0 ? 1 : 0;
}

export const bench: Bench = {
  description: 'creates/s, list of 10,000 pods, watch latency with 100 watchers, RSS — vs raw etcd',
  run,
};
