// One measurement of bench/services-sync.ts, in a process of its own so its memory is the
// proxy's alone: N services × 2 endpoints held as the proxy holds them (the API objects,
// the rule state), synced into network namespace NETNS (which must exist, empty).
// Prints one JSON line: full sync ms, one-change syncs ms, the floor (a one-chain
// iptables-restore, or a one-rule nft transaction into the same table) ms, one-add sync
// ms, RSS bytes.
//
//   node services-sync-worker.js N NETNS CHANGES [iptables|nftables] [REST_MS]
// RSS is taken twice: right after the syncs (busy) and after REST_MS without work (at rest).

import { silentLogger } from '../../foundation/logger.js';
import { hostCommands } from '../../foundation/host-commands.js';
import { NftBackend, nftTableName } from '../../proxy/nft/nft-backend.js';
import { instanceChains } from '../../proxy/rules/names.js';
import { IptablesBackend } from '../../proxy/sync/iptables-backend.js';
import { Syncer } from '../../proxy/sync/syncer.js';
import { service, slice } from '../../proxy/testing/objects.js';
import { StaticSource } from '../../proxy/testing/static-source.js';

const [n, netns, changes] = [Number(process.argv[2]), process.argv[3]!, Number(process.argv[4] ?? 20)];
const mode = process.argv[5] === 'nftables' ? 'nftables' : 'iptables';
const REST_MS = Number(process.argv[6] ?? 15_000);

/** Deterministic ClusterIPs spread over 10.96.0.0/12 as a random allocator spreads them. */
function clusterIP(i: number): string {
  const v = (i * 2654435761) % (1 << 20); // Knuth's multiplicative hash: distinct for i < 2^20
  const a = 0x0a600000 + Math.max(1, v);
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

const podIP = (i: number) => `10.${128 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;

function objects(i: number, epBase = 0) {
  const name = `svc-${i}`;
  const np = i % 10 === 0 ? { type: 'NodePort' as const } : {};
  const ports = [{ name: 'http', port: 80, protocol: 'TCP' as const, ...(i % 10 === 0 ? { nodePort: 30000 + (i % 2700) } : {}) }];
  return { svc: service(name, clusterIP(i), np, ports), slices: [slice(name, [{ ip: podIP(2 * i + epBase), node: 'n1' }, { ip: podIP(2 * i + 1 + epBase), node: 'n2' }])] };
}

async function main(): Promise<void> {
  const source = new StaticSource(['10.244.1.0/24']);
  for (let i = 0; i < n; i++) {
    const o = objects(i);
    source.put(o.svc, o.slices);
  }
  const commands = hostCommands(['nsenter', `--net=/var/run/netns/${netns}`], 120_000);
  const backend =
    mode === 'nftables' ? new NftBackend('bench0', commands) : new IptablesBackend(instanceChains('bench0'), commands, process.env.MAX_LINES ? Number(process.env.MAX_LINES) : undefined);
  const syncer = new Syncer({ backend, nodeName: 'n1', source, commands, logger: silentLogger(), syncPeriodMs: 3_600_000, minSyncPeriodMs: 0 });
  const time = async (full: boolean) => {
    const t0 = performance.now();
    const r = await syncer.sync(full);
    return { ms: performance.now() - t0, bytes: r.bytes };
  };
  const full = await time(true);
  const fullAgain = await time(true);
  const change: number[] = [];
  for (let k = 0; k < changes; k++) {
    // One service's endpoints replaced (a rolling update of its pods).
    const i = (k * 7919) % Math.max(1, n);
    const o = objects(i, 1_000_000 + k * 2);
    source.put(o.svc, o.slices);
    syncer.serviceChanged(`default/svc-${i}`);
    change.push((await time(false)).ms);
  }
  // The floor the tool sets for any partial sync at this size: one chain of one rule
  // rewritten (iptables-nft fetches the whole table before adding a rule; nft fetches
  // what the transaction names).
  const floor: number[] = [];
  const t = `ip ${nftTableName('bench0')}`;
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    if (mode === 'nftables') await commands.run('nft', ['-f', '-'], `add chain ${t} floor\nflush chain ${t} floor\nadd rule ${t} floor counter\n`);
    else await commands.run('iptables-restore', ['-w', '5', '--noflush'], '*nat\n:ORCH-SVC-bench0-FLOOR - [0:0]\n-A ORCH-SVC-bench0-FLOOR -j RETURN\nCOMMIT\n');
    floor.push(performance.now() - t0);
  }
  const added = objects(n + 1);
  source.put(added.svc, added.slices);
  syncer.serviceChanged(`default/svc-${n + 1}`);
  const add = (await time(false)).ms;
  global.gc?.();
  const rssBusy = process.memoryUsage().rss;
  // At rest: V8's memory reducer gives pages back some seconds after the last burst of
  // allocation; a proxy between syncs is at rest nearly all the time.
  await new Promise((r) => setTimeout(r, REST_MS));
  global.gc?.();
  const rss = process.memoryUsage().rss;
  process.stdout.write(`${JSON.stringify({ n, mode, fullMs: full.ms, fullBytes: full.bytes, fullAgainMs: fullAgain.ms, changeMs: change, floorMs: floor, addMs: add, rssBusy, rss })}\n`);
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
