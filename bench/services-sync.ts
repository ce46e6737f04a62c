// `npm run bench -- services-sync` (root): the service proxy's iptables sync at 1,000 and
// 10,000 services × 2 endpoints (10 % of them NodePorts), into a throw-away network
// namespace (iptables-restore of the host's iptables, nf_tables here). Per size, in a
// fresh process (bench/lib/services-sync-worker.ts) holding the objects and rule state
// as the proxy does:
//   full sync           every chain written into the empty namespace, then again (what
//                       the periodic resync costs)
//   one change          one service's endpoints replaced, partial sync; median and max of 20
//   one service added   partial sync
//   floor               beside one change: an iptables-restore that writes a chain of
//                       one rule into the same table (iptables-nft fetches the table
//                       before adding a rule: the least any sync costs at that size)
//   RSS                 of that process after the syncs, beside the same process with 0
//                       services (the baseline: Node.js itself)
// Targets at 10,000: full < 3 s, one change < 100 ms, RSS < 100 MB.
// Options: --sizes 1000,10000  --netns NAME (default orch-bench-svcsync; removed after)
//          --out FILE (the table)

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  rss: number;
}

const MB = 1024 * 1024;

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function runWorker(n: number, netns: string): WorkerResult {
  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { stdio: 'ignore' });
  sh(`ip netns del ${netns} 2>/dev/null || true`);
  sh(`ip netns add ${netns}`);
  try {
    const worker = path.join(import.meta.dirname, 'lib', 'services-sync-worker.js');
    const out = execFileSync(process.execPath, ['--expose-gc', worker, String(n), netns, '20'], { encoding: 'utf8', maxBuffer: 16 * MB });
    return JSON.parse(out.trim().split('\n').at(-1)!) as WorkerResult;
  } finally {
    sh(`ip netns del ${netns} 2>/dev/null || true`);
  }
}

export const bench: Bench = {
  description: 'service proxy: iptables full sync and one-change sync at 1,000 and 10,000 services × 2 endpoints, proxy RSS (root)',
  async run(ctx: BenchContext): Promise<number> {
    const sizes = (opt(ctx.args, '--sizes') ?? '1000,10000').split(',').map(Number);
    const netns = opt(ctx.args, '--netns') ?? 'orch-bench-svcsync';
    ctx.cleanup.add(`network namespace ${netns}`, () => void execFileSync('sh', ['-c', `ip netns del ${netns} 2>/dev/null || true`]));
    ctx.say(`load average: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const base = runWorker(0, netns);
    ctx.say(`baseline (0 services): RSS ${(base.rss / MB).toFixed(1)} MB`);
    const rows: ResultRow[] = [];
    for (const n of sizes) {
      const r = runWorker(n, netns);
      const big = n >= 10_000;
      ctx.say(`${n} services: full ${r.fullMs.toFixed(0)} ms (${(r.fullBytes / MB).toFixed(1)} MB of rules), again ${r.fullAgainMs.toFixed(0)} ms, one change median ${median(r.changeMs).toFixed(1)} ms max ${Math.max(...r.changeMs).toFixed(1)} ms, add ${r.addMs.toFixed(1)} ms, RSS ${(r.rss / MB).toFixed(1)} MB`);
      rows.push(
        { metric: `full sync, ${n} services`, unit: 'ms', orch: r.fullMs, target: big ? 3000 : undefined, direction: 'lower' },
        { metric: `full resync, ${n} services`, unit: 'ms', orch: r.fullAgainMs, direction: 'lower' },
        {
          metric: `one change (median of 20), ${n}`,
          unit: 'ms',
          orch: median(r.changeMs),
          baseline: median(r.floorMs),
          target: big ? 100 : undefined,
          direction: 'lower',
          note: 'baseline: iptables-restore --noflush of one chain of one rule into the same table (median of 5): what iptables-nft costs any sync that adds a rule',
        },
        { metric: `one change (max of 20), ${n}`, unit: 'ms', orch: Math.max(...r.changeMs), direction: 'lower' },
        { metric: `one service added, ${n}`, unit: 'ms', orch: r.addMs, target: big ? 100 : undefined, direction: 'lower' },
        { metric: `proxy RSS, ${n} services`, unit: 'MB', orch: r.rss / MB, baseline: base.rss / MB, target: big ? 100 : undefined, direction: 'lower', note: 'baseline: the same process with 0 services' },
      );
    }
    const table = renderTable('service proxy sync (iptables-restore, one network namespace)', rows);
    ctx.say(table);
    const out = opt(ctx.args, '--out');
    if (out) fs.writeFileSync(out, table);
    return 0;
  },
};
