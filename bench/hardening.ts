// `npm run bench -- hardening`: what one misbehaving client costs everybody else. The
// apiserver runs as its own process (the real CLI, default flags) over a throw-away
// etcd, and every figure is printed beside the same measurement on the idle server:
//   (a) apiserver RSS idle (fresh), with 200 stalled watches (clients that never read)
//       while 2,000 updates of a ~2 KiB pod make events, and 30 s after they closed;
//   (b) admin request latency (GET a pod, p50/p99 over 200 requests, one every 50 ms),
//       idle vs while one node token holds 410 slow uploads (1 byte every 2 s, each one
//       replaced a second after the server answers or drops it);
//   (c) another node's Lease renewal (GET + PUT, as the agent does, one every 100 ms)
//       latency, idle vs during that flood — at the same time as (b), for 10 s, so the
//       flood's cycle (seats held until the body timeout, 429s, replacements) is covered.
// Options: --keep (keep the work dir with the apiserver log), --args "..." (extra flags
// for `orch apiserver`, e.g. to try other budgets; say so when reporting).

import os from 'node:os';
import path from 'node:path';
import { generateToken, writeTokenFile } from '../foundation/token-file.js';
import { startApiServerPreferCli } from './lib/apiserver-process.js';
import { runPool } from './lib/concurrency.js';
import { startEtcd } from './lib/etcd.js';
import { BenchHttp } from './lib/http.js';
import { readRss, RssSampler, MB } from './lib/rss.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { namespaceManifest, podManifest } from './apiserver/pods.js';
import { startSlowUploads } from './hardening/slow-uploads.js';
import { openStalledWatches } from './hardening/stalled-watches.js';
import { renewLease, timeSequential, type TimedRun } from './hardening/timed-requests.js';

const S = { flood: 410, adminRequests: 200, renewals: 100, phaseMs: 10_000, stalledWatches: 200, updates: 2000, updatePods: 20, settleMs: 30_000 };
const NS = 'bench-hardening';
const LEASE_NS = 'kube-node-lease';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pod of about 2 KiB stored: the bench manifest plus a filler annotation. */
function bigPod(name: string): Record<string, unknown> {
  const pod = podManifest(NS, name) as { metadata: { annotations: Record<string, string> } };
  pod.metadata.annotations['bench.orch.io/filler'] = 'x'.repeat(1400);
  return pod;
}

/** A metric from /metrics, summed over its label sets (NaN when the server does not have it). */
async function metricSum(http: BenchHttp, name: string): Promise<number> {
  const r = await http.expect('GET', '/metrics', [200]);
  let n = NaN;
  for (const m of r.body.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) n = (Number.isNaN(n) ? 0 : n) + Number(m[1]);
  return n;
}
const openWatches = (http: BenchHttp) => metricSum(http, 'apiserver_open_watches');

function latencyRows(what: string, idle: TimedRun, flood: TimedRun, note: string): ResultRow[] {
  return [
    { metric: `${what} p50`, unit: 'ms', orch: flood.ok.p50, baseline: idle.ok.p50, direction: 'lower' },
    { metric: `${what} p99`, unit: 'ms', orch: flood.ok.p99, baseline: idle.ok.p99, direction: 'lower' },
    {
      metric: `${what} failed`,
      unit: '',
      orch: flood.failed,
      baseline: idle.failed,
      direction: 'lower',
      note: `${note}; failures during the flood by code: ${JSON.stringify(flood.failures)}, idle: ${JSON.stringify(idle.failures)}`,
    },
  ];
}

async function run(ctx: BenchContext): Promise<number> {
  const { say } = ctx;
  const t0 = performance.now();
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
  if (ctx.args.includes('--keep')) ctx.keepWorkDir();
  const argsAt = ctx.args.indexOf('--args');
  const extraArgs = argsAt >= 0 ? (ctx.args[argsAt + 1] ?? '').split(' ').filter(Boolean) : [];
  say(`hardening bench${extraArgs.length ? ` (apiserver flags: ${extraArgs.join(' ')})` : ''}; ${os.cpus().length} cpus, load average ${load()}`);

  const etcd = await startEtcd();
  ctx.cleanup.add('etcd', () => etcd.stop());
  const tokens = { admin: generateToken(), flooder: generateToken(), renewer: generateToken() };
  const tokenFile = path.join(ctx.workDir, 'tokens.csv');
  writeTokenFile(tokenFile, [
    { token: tokens.admin, user: 'admin', uid: 'admin', groups: ['system:masters'] },
    { token: tokens.flooder, user: 'system:node:flooder', uid: 'flooder', groups: ['system:nodes'] },
    { token: tokens.renewer, user: 'system:node:renewer', uid: 'renewer', groups: ['system:nodes'] },
  ]);
  const api = await startApiServerPreferCli({ etcdEndpoint: etcd.endpoint, workDir: ctx.workDir, tokenAuthFile: tokenFile, extraArgs }, say);
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new BenchHttp({ baseUrl: api.url, token: tokens.admin, maxSockets: 8 });
  const renewer = new BenchHttp({ baseUrl: api.url, token: tokens.renewer, maxSockets: 1 });
  ctx.cleanup.add('http clients', () => (admin.close(), renewer.close()));
  say(`[${elapsed()}] etcd ${etcd.endpoint}, apiserver ${api.url} (pid ${api.pid}, via ${api.entry === 'cli' ? 'dist/cli/main.js apiserver' : 'bench/lib/apiserver-main.js'})`);

  await admin.expect('POST', '/api/v1/namespaces', [201, 409], namespaceManifest(NS));
  await admin.expect('POST', `/api/v1/namespaces/${NS}/pods`, [201], podManifest(NS, 'target'));
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${LEASE_NS}/leases`;
  const now = new Date().toISOString().replace(/Z$/, '000Z');
  await renewer.expect('POST', leasePath, [201], { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'renewer', namespace: LEASE_NS }, spec: { holderIdentity: 'renewer', leaseDurationSeconds: 40, renewTime: now, acquireTime: now } });
  const measure = () =>
    Promise.all([
      timeSequential(S.adminRequests, S.phaseMs / S.adminRequests, () => admin.request('GET', `/api/v1/namespaces/${NS}/pods/target`)),
      timeSequential(S.renewals, S.phaseMs / S.renewals, () => renewLease(renewer, LEASE_NS, 'renewer')),
    ]);

  // (a) RSS with stalled watches, first: the idle figure is the fresh server's
  const pods = Array.from({ length: S.updatePods }, (_, i) => `big-${i}`);
  for (const p of pods) await admin.expect('POST', `/api/v1/namespaces/${NS}/pods`, [201], bigPod(p));
  const stored = (await admin.expect('GET', `/api/v1/namespaces/${NS}/pods/${pods[0]}`, [200])).body.length;
  await sleep(2000);
  const idleRss = readRss(api.pid).rss;
  const rv = (JSON.parse((await admin.expect('GET', `/api/v1/namespaces/${NS}/pods?limit=1`, [200])).body) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
  say(`[${elapsed()}] (a) RSS idle ${(idleRss / MB).toFixed(0)} MB; opening ${S.stalledWatches} watches that never read, then ${S.updates} updates of ${stored}-byte pods`);
  const sampler = new RssSampler(api.pid, 100).start();
  const stalled = await openStalledWatches({ url: api.url, token: tokens.admin, path: `/api/v1/namespaces/${NS}/pods?watch=true&resourceVersion=${rv}`, count: S.stalledWatches });
  ctx.cleanup.add('stalled watches', () => stalled.close());
  await sleep(1000);
  const openedWatches = await openWatches(admin);
  const updates = await runPool({ concurrency: 8, total: S.updates, maxMs: 120_000 }, async (i) => {
    const patch = { metadata: { annotations: { 'bench.orch.io/seq': String(i) } } };
    await admin.expect('PATCH', `/api/v1/namespaces/${NS}/pods/${pods[i % pods.length]}`, [200], JSON.stringify(patch), 'application/merge-patch+json');
  });
  await sleep(3000);
  const during = sampler.stop();
  const stillOpen = await openWatches(admin);
  const buffered = await metricSum(admin, 'apiserver_watch_buffered_bytes');
  const expired = await metricSum(admin, 'apiserver_terminated_watchers_total');
  say(`    ${updates.done} updates in ${(updates.elapsedMs / 1000).toFixed(1)} s (${updates.errors} errors); watches open ${openedWatches} → ${stillOpen}, ${expired} expired; backlog counted by the server ${(buffered / MB).toFixed(1)} MB; RSS peak ${(during.max / MB).toFixed(0)} MB`);
  stalled.close();
  say(`[${elapsed()}] stalled watches closed; waiting ${S.settleMs / 1000} s`);
  await sleep(S.settleMs);
  const afterRss = readRss(api.pid).rss;
  const rows: ResultRow[] = [
    { metric: 'apiserver RSS, 200 stalled watches (peak)', unit: 'MB', orch: during.max / MB, baseline: idleRss / MB, direction: 'lower', note: `baseline: idle before the watches; ${updates.done} updates of ${S.updatePods} pods of ${stored} bytes (${updates.errors} errors); watches still open after the updates: ${stillOpen} of ${openedWatches} (${expired} expired by the server); their backlog as the server counts it (apiserver_watch_buffered_bytes, shared lines counted per watcher): ${(buffered / MB).toFixed(1)} MB` },
    { metric: 'apiserver RSS 30 s after they closed', unit: 'MB', orch: afterRss / MB, baseline: idleRss / MB, direction: 'lower' },
  ];

  // (b) + (c)
  say(`[${elapsed()}] (b, c) idle: ${S.adminRequests} admin GETs and ${S.renewals} Lease renewals over ${S.phaseMs / 1000} s`);
  const [idleAdmin, idleLease] = await measure();
  say(`[${elapsed()}] flood: node "flooder" opens ${S.flood} PUTs of its Node status, body 1 byte every 2 s`);
  const flood = await startSlowUploads({ url: api.url, token: tokens.flooder, path: '/api/v1/nodes/flooder/status', count: S.flood });
  ctx.cleanup.add('flood', () => flood.stop());
  await sleep(2000);
  say(`    flood answers so far: ${JSON.stringify(flood.answers())}`);
  const [floodAdmin, floodLease] = await measure();
  const floodAnswers = flood.answers();
  const floodOpened = flood.opened;
  flood.stop();
  say(`[${elapsed()}] flood over: ${floodOpened} connections opened, answers ${JSON.stringify(floodAnswers)}`);
  for (const [code, message] of Object.entries(flood.examples())) say(`    ${code}: ${message}`);
  rows.push(
    ...latencyRows('admin GET pod', idleAdmin, floodAdmin, `${S.adminRequests} GETs of one pod over ${S.phaseMs / 1000} s, admin token (system:masters)`),
    ...latencyRows('Lease renewal (GET+PUT)', idleLease, floodLease, `${S.renewals} renewals over ${S.phaseMs / 1000} s of node "renewer"'s own Lease in ${LEASE_NS}`),
  );

  say('');
  say(renderTable(`hardening bench — ${new Date().toISOString()}, ${elapsed()} total, load average now ${load()} (baseline = the idle server, same run)`, rows));
  return 0;
}

export const bench: Bench = {
  description: 'admin and Lease latency during a slow-upload flood by one node, RSS with 200 stalled watches — vs the idle server',
  run,
};
