// `npm run bench -- services-sync` (root): the service proxy's sync at 1,000 and 10,000
// services × 2 endpoints (10 % of them NodePorts), into a throw-away network namespace,
// in both modes side by side: iptables (iptables-restore of the host's iptables, nf_tables
// here) and nftables (`orch proxy --proxy-mode nftables`: nft -f). Per size and mode, in a
// fresh process (bench/lib/services-sync-worker.ts) holding the objects and rule state
// as the proxy does:
//   full sync           every chain written into the empty namespace, then again (what
//                       the periodic resync costs)
//   one change          one service's endpoints replaced, partial sync; median and max of 20
//   one service added   partial sync
//   floor               beside one change: a chain of one rule written into the same
//                       table (iptables-nft fetches the table before adding a rule: the
//                       least any sync costs at that size; nft: a one-rule transaction)
//   RSS                 of that process 15 s after the syncs (at rest: V8 gives freed pages
//                       back some seconds after a burst), beside the same process with 0
//                       services (the baseline: Node.js itself); and right after the
//                       syncs (busy), for what a burst costs
// Targets at 10,000: full < 3 s, one change < 100 ms, RSS < 100 MB.
//   the process         `--process N`: the real `orch proxy` (dist/) against a test API server
//                       holding N services and slices, per mode: start → everything
//                       programmed, and its RSS at rest (bench/lib/proxy-process-rss.ts)
// Options: --sizes 1000,10000  --modes iptables,nftables  --process 10000 (0: skip)
//          --netns NAME (default orch-bench-svcsync; removed after)
//          --out FILE (the table)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProxyProcessRig } from './lib/proxy-process-rss.js';
import { median } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

interface WorkerResult {
  n: number;
  fullMs: number;
  fullBytes: number;
  fullAgainMs: number;
  changeMs: number[];
  floorMs: number[];
  addMs: number;
  rssBusy: number;
  rss: number;
}

const MB = 1024 * 1024;

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function runWorker(n: number, netns: string, mode: string): WorkerResult {
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'ignore' });
  sh(`ip netns del ${netns} 2>/dev/null || true`);
  sh(`ip netns add ${netns}`);
  try {
    const worker = path.join(import.meta.dirname, 'lib', 'services-sync-worker.js');
    const out = execFileSync(process.execPath, ['--expose-gc', worker, String(n), netns, '20', mode], { encoding: 'utf8', maxBuffer: 16 * MB });
    return JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult;
  } finally {
    sh(`ip netns del ${netns} 2>/dev/null || true`);
  }
}

export const bench: Bench = {
  description: 'service proxy: full sync and one-change sync at 1,000 and 10,000 services × 2 endpoints, iptables and nftables modes side by side, proxy RSS (root)',
  async run(ctx: BenchContext): Promise<number> {
    const sizes = (opt(ctx.args, '--sizes') ?? '1000,10000').split(',').map(Number).filter((n) => n > 0); // --sizes 0: the process part alone
    const netns = opt(ctx.args, '--netns') ?? 'orch-bench-svcsync';
    ctx.cleanup.add(`network namespace ${netns}`, () => void execFileSync('sh', ['-c', `ip netns del ${netns} 2>/dev/null || true`]));
    ctx.say(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const modes = (opt(ctx.args, '--modes') ?? 'iptables,nftables').split(',');
    const base = runWorker(0, netns, modes[0]!);
    ctx.say(`baseline (0 services): RSS ${(base.rss / MB).toFixed(1)} MB`);
    const rows: ResultRow[] = [];
    for (const n of sizes) {
      for (const mode of modes) {
        const r = runWorker(n, netns, mode);
        const big = n >= 10_000;
        const m = `${n}, ${mode}`;
        ctx.say(`${m}: full ${r.fullMs.toFixed(0)} ms (${(r.fullBytes / MB).toFixed(1)} MB of rules), again ${r.fullAgainMs.toFixed(0)} ms, one change median ${median(r.changeMs).toFixed(1)} ms max ${Math.max(...r.changeMs).toFixed(1)} ms, add ${r.addMs.toFixed(1)} ms, RSS ${(r.rssBusy / MB).toFixed(1)} MB busy, ${(r.rss / MB).toFixed(1)} MB at rest; load ${os.loadavg()[0]!.toFixed(2)}`);
        rows.push(
          { metric: `full sync, ${m}`, unit: 'ms', orch: r.fullMs, target: big ? 3000 : undefined, direction: 'lower' },
          { metric: `full resync, ${m}`, unit: 'ms', orch: r.fullAgainMs, direction: 'lower' },
          {
            metric: `one change (median of 20), ${m}`,
            unit: 'ms',
            orch: median(r.changeMs),
            baseline: median(r.floorMs),
            target: big ? 100 : undefined,
            direction: 'lower',
            note: mode === 'nftables' ? 'baseline: nft -f of one chain of one rule into the same table (median of 5)' : 'baseline: iptables-restore --noflush of one chain of one rule into the same table (median of 5): what iptables-nft costs any sync that adds a rule',
          },
          { metric: `one change (max of 20), ${m}`, unit: 'ms', orch: Math.max(...r.changeMs), direction: 'lower' },
          { metric: `one service added, ${m}`, unit: 'ms', orch: r.addMs, target: big ? 100 : undefined, direction: 'lower' },
          { metric: `proxy RSS at rest, ${m}`, unit: 'MB', orch: r.rss / MB, baseline: base.rss / MB, target: big ? 100 : undefined, direction: 'lower', note: 'baseline: the same process with 0 services; 15 s after the last sync' },
          { metric: `proxy RSS right after the syncs, ${m}`, unit: 'MB', orch: r.rssBusy / MB, baseline: base.rssBusy / MB, direction: 'lower' },
        );
      }
    }
    const processN = Number(opt(ctx.args, '--process') ?? 10_000);
    if (processN > 0) {
      ctx.say(`the orch proxy process at ${processN} services (load ${os.loadavg()[0]!.toFixed(2)})`);
      const rig = new ProxyProcessRig(ctx);
      await rig.start(processN);
      for (const mode of modes) {
        execFileSync('sh', ['-c', `ip netns del ${netns} 2>/dev/null || true; ip netns add ${netns}`]);
        const r = await rig.measure(mode, netns);
        rows.push(
          { metric: `orch proxy process: start → all programmed, ${processN}, ${mode}`, unit: 'ms', orch: r.readyMs, direction: 'lower', note: 'informers listed, first full sync written, the Node report reflecting the last slice' },
          { metric: `orch proxy process RSS at rest, ${processN}, ${mode}`, unit: 'MB', orch: r.rss / MB, baseline: base.rss / MB, target: processN >= 10_000 ? 100 : undefined, direction: 'lower', note: 'baseline: the sync worker with 0 services; 60 s after everything was programmed' },
        );
      }
    }
    const table = renderTable('service proxy sync (one network namespace per run)', rows);
    ctx.say(table);
    const out = opt(ctx.args, '--out');
    if (out) fs.writeFileSync(out, table);
    return 0;
  },
};
