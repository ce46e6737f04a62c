// `npm run bench -- dns`: the cluster DNS server (proxy/dns) on one node, as pods load it.
// The server runs in its own process with 1,000 ClusterIP and 1,000 headless Services;
// 1,000 resolvers, each with its own UDP socket, look names up the way glibc does: A and
// AAAA sent together from one socket, the lookup done when both answers are in (AAAA of a
// v4-only service is an empty NOERROR). A lookup unanswered for 5 s is sent again, as a
// resolver would: a "5-second stall", the symptom of Kubernetes' conntrack race, counted.
// Two loads per server, --seconds each (default 10):
//   closed loop  every resolver looks up again as soon as answered: the most the server
//                answers per second (1,000 lookups always in flight, so latency here is the
//                queue, by Little's law: 2,000 queries / rate)
//   open loop    a fixed offered rate (--rate lookups/s, default 5,000 = 10,000 queries/s)
//                spread over the 1,000 resolvers: the latency a pod sees on a busy node
// The same client against a bare dns-packet responder (one fixed record, no zone) in the
// same run is the baseline. Targets (issue 15): ≥ 20,000 qps, p99 < 5 ms, zero stalls.
// Options: --seconds N, --clients N, --services N, --rate N, --strict (exit 1 on a miss).
// Not covered: the path from a real pod through the bridge (the end-to-end run once the
// proxy runs the component).

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dnsPacket from 'dns-packet';
import { freePort } from '../test/helpers/ports.js';
import { summarize } from './lib/stats.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import { readRss, MB } from './lib/rss.js';
import type { Bench, BenchContext } from './lib/types.js';

const STALL_MS = 5000;

interface LoadResult {
  qps: number;
  p50: number;
  p99: number;
  max: number;
  lookups: number;
  stalls: number;
}

function arg(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
}

async function startServer(mode: 'orch' | 'baseline', port: number, services: number, ctx: BenchContext): Promise<ChildProcess> {
  const main = path.join(path.dirname(fileURLToPath(import.meta.url)), 'lib', 'dns-server-main.js');
  const child = spawn(process.execPath, [main, mode, String(port), String(services)], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.cleanup.add(`dns server (${mode})`, () => void child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dns server (${mode}) exited with ${code}`)));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
  });
  return child;
}

/** Encoded queries by name and type (the client must cost little: it shares the cores). */
class Queries {
  private readonly bufs = new Map<string, Buffer>();
  get(name: string, type: 'A' | 'AAAA', id: number): Buffer {
    const key = `${type} ${name}`;
    let b = this.bufs.get(key);
    if (!b) this.bufs.set(key, (b = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type, class: 'IN' }] })));
    const out = Buffer.from(b);
    out.writeUInt16BE(id, 0);
    return out;
  }
}

/**
 * One resolver with its own socket. lookup() sends A and AAAA together and resolves with
 * the time until both answers are in; unanswered for 5 s, both are sent again (a stall).
 */
class Resolver {
  private readonly sock = dgram.createSocket('udp4');
  /** By the A query's id (even); the AAAA query has id + 1. answered: bit 0 A, bit 1 AAAA. */
  private readonly pending = new Map<number, { started: number; done: (ms: number) => void; timer?: NodeJS.Timeout; answered: number }>();
  private nextId: number;
  stalls = 0;
  answers = 0;

  constructor(private readonly port: number, private readonly queries: Queries, seed: number) {
    this.nextId = (seed * 7919) & 0xfffe;
    this.sock.on('message', (msg) => this.onAnswer(msg.readUInt16BE(0)));
  }

  ready(): Promise<void> {
    return new Promise((resolve) => this.sock.bind(0, '127.0.0.1', resolve));
  }

  lookup(name: string): Promise<number> {
    const id = this.nextId;
    this.nextId = (this.nextId + 2) & 0xfffe;
    return new Promise((done) => {
      const send = () => {
        this.sock.send(this.queries.get(name, 'A', id), this.port, '127.0.0.1');
        this.sock.send(this.queries.get(name, 'AAAA', id + 1), this.port, '127.0.0.1');
      };
      const entry: { started: number; done: (ms: number) => void; timer?: NodeJS.Timeout; answered: number } = { started: performance.now(), done, answered: 0 };
      const arm = () =>
        (entry.timer = setTimeout(() => {
          this.stalls++;
          send();
          arm();
        }, STALL_MS));
      this.pending.set(id, entry);
      send();
      arm();
    });
  }

  private onAnswer(rid: number): void {
    const id = rid & 0xfffe;
    const e = this.pending.get(id);
    if (!e || e.answered & (1 << (rid & 1))) return;
    e.answered |= 1 << (rid & 1);
    this.answers++;
    if (e.answered !== 3) return;
    clearTimeout(e.timer);
    this.pending.delete(id);
    e.done(performance.now() - e.started);
  }

  close(): void {
    this.sock.close();
  }
}

async function resolvers(port: number, clients: number): Promise<Resolver[]> {
  const queries = new Queries();
  const rs = Array.from({ length: clients }, (_, i) => new Resolver(port, queries, i));
  await Promise.all(rs.map((r) => r.ready()));
  return rs;
}

function result(rs: Resolver[], latencies: number[], elapsedS: number): LoadResult {
  const s = summarize(latencies);
  const answers = rs.reduce((n, r) => n + r.answers, 0);
  return { qps: answers / elapsedS, p50: s.p50, p99: s.p99, max: s.max, lookups: s.n, stalls: rs.reduce((n, r) => n + r.stalls, 0) };
}

const pick = (names: string[]) => names[Math.floor(Math.random() * names.length)]!;

/** Saturation: every resolver starts its next lookup as soon as the last one is answered. */
async function closedLoop(port: number, clients: number, seconds: number, names: string[]): Promise<LoadResult> {
  const rs = await resolvers(port, clients);
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    rs.map(async (r) => {
      while (performance.now() < deadline) latencies.push(await r.lookup(pick(names)));
    }),
  );
  const out = result(rs, latencies, (performance.now() - t0) / 1000);
  for (const r of rs) r.close();
  return out;
}

/** A fixed offered load: each resolver looks a name up every clients/rate seconds, whether or not the last one was answered. */
async function openLoop(port: number, clients: number, lookupsPerSecond: number, seconds: number, names: string[]): Promise<LoadResult> {
  const rs = await resolvers(port, clients);
  const latencies: number[] = [];
  const periodMs = (clients / lookupsPerSecond) * 1000;
  const t0 = performance.now();
  const inflight: Promise<void>[] = [];
  await Promise.all(
    rs.map(async (r) => {
      await new Promise((res) => setTimeout(res, Math.random() * periodMs)); // spread the phases
      for (let next = performance.now(); next < t0 + seconds * 1000; next += periodMs) {
        inflight.push(r.lookup(pick(names)).then((ms) => void latencies.push(ms)));
        await new Promise((res) => setTimeout(res, Math.max(0, next + periodMs - performance.now())));
      }
    }),
  );
  await Promise.all(inflight);
  const out = result(rs, latencies, (performance.now() - t0) / 1000);
  for (const r of rs) r.close();
  return out;
}

export const bench: Bench = {
  description: 'cluster DNS: queries/s and A+AAAA lookup p99 with 1,000 concurrent clients, 5-second stalls — vs a bare dns-packet responder',
  async run(ctx) {
    const seconds = arg(ctx.args, '--seconds', 10);
    const clients = arg(ctx.args, '--clients', 1000);
    const services = arg(ctx.args, '--services', 1000);
    const rate = arg(ctx.args, '--rate', 5000);
    const names = Array.from({ length: services }, (_, i) => (i % 2 ? `svc-${i}.bench.svc.cluster.local` : `headless-${i}.bench.svc.cluster.local`));
    ctx.say(`cluster DNS: ${services} ClusterIP + ${services} headless services, ${clients} concurrent resolvers (A+AAAA per lookup), ${seconds} s per run`);
    ctx.say(`load: closed loop (each resolver looks up again as soon as answered: the maximum rate), then open loop at ${rate} lookups/s = ${rate * 2} queries/s offered`);
    const measure = async (mode: 'orch' | 'baseline') => {
      const port = await freePort();
      const server = await startServer(mode, port, services, ctx);
      const sat = await closedLoop(port, clients, seconds, names);
      const fixed = await openLoop(port, clients, rate, seconds, names);
      const rss = readRss(server.pid!).rss / MB;
      server.kill('SIGKILL');
      const line = (what: string, r: LoadResult) => `${mode} ${what}: ${Math.round(r.qps)} qps, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, ${r.lookups} lookups, ${r.stalls} stalls`;
      ctx.say(line('closed loop', sat));
      ctx.say(line(`open loop ${rate * 2} qps`, fixed));
      return { sat, fixed, rss };
    };
    const b = await measure('baseline');
    const o = await measure('orch');

    const rows: ResultRow[] = [
      { metric: 'queries per second (closed loop)', unit: 'qps', orch: o.sat.qps, baseline: b.sat.qps, target: 20_000, direction: 'higher' },
      { metric: 'lookup p99, closed loop', unit: 'ms', orch: o.sat.p99, baseline: b.sat.p99, direction: 'lower', note: `${clients} lookups always in flight: latency = queue length / throughput (Little's law)` },
      { metric: `lookup p50 at ${rate * 2} qps`, unit: 'ms', orch: o.fixed.p50, baseline: b.fixed.p50, direction: 'lower' },
      { metric: `lookup p99 at ${rate * 2} qps`, unit: 'ms', orch: o.fixed.p99, baseline: b.fixed.p99, target: 5, direction: 'lower', note: `${clients} resolvers, each one A+AAAA lookup every ${Math.round((clients / rate) * 1000)} ms` },
      { metric: 'lookup max (both loads)', unit: 'ms', orch: Math.max(o.sat.max, o.fixed.max), baseline: Math.max(b.sat.max, b.fixed.max), direction: 'lower' },
      { metric: '5-second stalls (both loads)', unit: '', orch: o.sat.stalls + o.fixed.stalls, baseline: b.sat.stalls + b.fixed.stalls, target: 1, direction: 'lower', note: 'a lookup unanswered for 5 s (re-sent, as resolvers do); target: none' },
      { metric: 'server RSS', unit: 'MB', orch: o.rss, baseline: b.rss, direction: 'lower' },
    ];
    ctx.say(renderTable('cluster DNS, one node (loopback; client and server processes share the cores)', rows));
    const failed = rows.some((r) => verdict(r) === 'FAIL');
    return failed && ctx.args.includes('--strict') ? 1 : 0;
  },
};
