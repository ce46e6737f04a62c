// `npm run bench -- ha [--runs N]` (root; the multi-host harness of test/cluster in HA
// mode: three etcd members, two apiservers behind HAProxy, one host):
//  a. creates/s of ConfigMaps through HAProxy (two apiservers) vs straight to one
//     apiserver, on the same etcd cluster, alternating rounds (32 clients, 8 s each);
//  b. etcd leader SIGKILL → the first acknowledged write sent after it (a create every
//     50 ms, none waiting for another), p50 and p90 over --runs (default 10); the member
//     is restarted and the cluster healthy again before the next run;
//  c. apiserver SIGKILL → every one of 20 informers has seen a write made after it
//     (a writer creating without pause, through HAProxy), p50 over 3 runs.
// The load average is printed with each part: the machine is shared.

import os from 'node:os';
import { cleanupLeftovers, startCluster, type Cluster } from '../test/cluster/harness.js';
import { releaseLock, takeLock } from '../test/cluster/global-setup.js';
import { etcdComponent } from '../test/cluster/ha-control-plane.js';
import { Prober, Watchers, Writer } from '../test/cluster/ha-load.js';
import { sleep, waitUntil } from '../test/cluster/sh.js';
import type { ApiClient } from '../client/rest-client.js';
import { runPool } from './lib/concurrency.js';
import { median, percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function createsPerSecond(client: ApiClient, prefix: string, ms: number): Promise<number> {
  const r = await runPool({ concurrency: 32, total: 1_000_000, maxMs: ms }, async (i) => {
    await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}-${i}`, namespace: 'default' }, data: { i: String(i) } });
  });
  if (r.errors) throw new Error(`${r.errors} creates failed: ${(r.firstError as Error)?.message}`);
  return (r.done / r.elapsedMs) * 1000;
}

async function healthy(cluster: Cluster): Promise<void> {
  const ha = cluster.ha!;
  await waitUntil('every etcd member healthy', async () => (await Promise.all(ha.members.map((m) => ha.memberHealthy(m)))).every(Boolean), 60_000, 200);
}

export const bench: Bench = {
  description: 'HA control plane: creates/s through HAProxy + 2 apiservers vs 1 apiserver; etcd leader loss → first write; apiserver death → 20 watchers resumed',
  async run(ctx: BenchContext): Promise<number> {
    const runsArg = ctx.args.indexOf('--runs');
    const runs = runsArg >= 0 ? Number(ctx.args[runsArg + 1]) : 10;
    if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');
    takeLock();
    ctx.cleanup.add('cluster suite lock', () => releaseLock());
    ctx.cleanup.add('harness leftovers', () => cleanupLeftovers());
    ctx.say(`starting the HA cluster (load average ${loadAverage()})`);
    const cluster = await startCluster({ hosts: 1, ha: true, logLevel: process.env.ORCH_CLUSTER_LOG_LEVEL ?? 'warn' });
    ctx.cleanup.add('cluster', () => cluster.teardown());

    // a. creates/s
    const lb: number[] = [];
    const one: number[] = [];
    const direct = cluster.directClient('apiserver');
    const viaLb = cluster.adminClient(10_000);
    await createsPerSecond(viaLb, 'warm', 2000);
    for (let r = 0; r < 3; r++) {
      lb.push(await createsPerSecond(viaLb, `lb${r}`, 8000));
      one.push(await createsPerSecond(direct, `one${r}`, 8000));
    }
    ctx.say(`creates/s through HAProxy ${lb.map((x) => x.toFixed(0)).join(', ')}; one apiserver ${one.map((x) => x.toFixed(0)).join(', ')} (load average ${loadAverage()})`);

    // b. leader loss → first write
    const leaderLoss: number[] = [];
    for (let r = 0; r < runs; r++) {
      await healthy(cluster);
      const prober = new Prober(viaLb, `leader${r}`, 50, 100);
      await sleep(500);
      const leader = await waitUntil('an etcd leader', () => cluster.ha!.leader(), 30_000, 100);
      await cluster.kill(etcdComponent(leader), 'SIGKILL');
      const t0 = Date.now();
      leaderLoss.push(await prober.firstAckAfter(t0, 60_000));
      await prober.stop();
      await cluster.start(etcdComponent(leader));
    }
    ctx.say(`leader loss -> first write (ms): ${leaderLoss.join(', ')} (load average ${loadAverage()})`);

    // c. apiserver death → 20 watchers resumed
    const resumed: number[] = [];
    for (let r = 0; r < 3; r++) {
      await healthy(cluster);
      const watchers = new Watchers(viaLb, 20, `w${r}`);
      await watchers.start();
      const writer = new Writer(viaLb, { prefix: `w${r}`, retryForMs: 30_000 });
      try {
        await sleep(1000);
        const victim = r % 2 === 0 ? 'apiserver' : 'apiserver-2';
        await cluster.kill(victim, 'SIGKILL');
        const t0 = Date.now();
        await writer.resumedAfter(t0, 60_000);
        const first = writer.acked[writer.acked.length - 1]!;
        await waitUntil('every watcher to see a write made after the death', () => watchers.missing([first]).length === 0, 60_000, 10);
        resumed.push(Date.now() - t0);
        await cluster.start(victim);
      } finally {
        await writer.stop();
        watchers.stop();
      }
    }
    ctx.say(`apiserver death -> 20 watchers resumed (ms): ${resumed.join(', ')} (load average ${loadAverage()})`);

    const rows: ResultRow[] = [
      { metric: 'creates/s, HAProxy + 2 apiservers (baseline: 1 apiserver direct)', unit: '/s', orch: median(lb), baseline: median(one), direction: 'higher', note: 'median of 3 alternating 8 s rounds, 32 clients, same 3-member etcd' },
      { metric: `etcd leader SIGKILL -> first write acked, p50 of ${runs}`, unit: 'ms', orch: median(leaderLoss), direction: 'lower' },
      { metric: `etcd leader SIGKILL -> first write acked, p90 of ${runs}`, unit: 'ms', orch: percentile(leaderLoss, 90), direction: 'lower' },
      { metric: 'apiserver SIGKILL -> 20 watchers resumed, p50 of 3', unit: 'ms', orch: median(resumed), direction: 'lower' },
    ];
    ctx.say(renderTable('HA control plane', rows));
    ctx.say(`load average ${loadAverage()} (${os.cpus().length} cores)`);
    return 0;
  },
};
