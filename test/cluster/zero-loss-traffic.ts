// Continuous HTTP traffic for the zero-loss scenario (scenarios/zero-loss.test.ts) and
// bench/rollout.ts: one node program per host, inside the host's network namespace
// (nsenter --net, as host-traffic.ts runs its programs), running several request loops at
// once on its event loop. Each loop sends GET / without pause, one request at a time,
// to its targets in turn (a NodePort loop alternates between its own host's address and
// another host's), either over keep-alive connections (one per target, reused) or with a
// new connection per request (`Connection: close`). Nothing is retried: every request
// that does not end in a 2xx answer counts, by kind — the error code (ECONNREFUSED,
// ECONNRESET, ...), TIMEOUT (no answer within the timeout), or HTTP_<status>.
//
// Control over stdin, one command a line: `phase <name>` tags what follows (the report
// counts failures per phase), `stop` (or stdin closing: the test died) prints the report
// as one JSON line and exits. The program prints `ready` once every loop had an answer.
// The backends (orch.local/zl-app) answer "<pod> <version>".

import { spawn, type ChildProcess } from 'node:child_process';
import { netnsPath } from './network.js';

export interface LoopSpec {
  name: string;
  /** Base URLs, e.g. http://10.96.0.10:80; requests go to `${target}/`, in turn. */
  targets: string[];
  keepAlive: boolean;
}

export interface LoopReport {
  name: string;
  keepAlive: boolean;
  sent: number;
  ok: number;
  /** Failed requests by kind. */
  failed: Record<string, number>;
  /** Failed requests by phase, then kind. */
  failedByPhase: Record<string, Record<string, number>>;
  /** Answers by version (the second word of the body). */
  versions: Record<string, number>;
  /** The first few failures: wall-clock time (UTC, for the components' logs), ms since start, phase, target, kind. */
  samples: string[];
  /** The first failure of each kind, the same way. */
  firstOfKind: Record<string, string>;
}

const CLIENT = `
const http = require('http');
const [specJson, timeoutMs] = process.argv.slice(1);
const specs = JSON.parse(specJson);
const t0 = Date.now();
let phase = 'start', stopping = false, readyPrinted = false;
const loops = specs.map((s) => ({ ...s, sent: 0, ok: 0, failed: {}, failedByPhase: {}, versions: {}, samples: [], firstOfKind: {},
  agents: s.targets.map(() => (s.keepAlive ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false)) }));
function fail(l, target, kind) {
  l.failed[kind] = (l.failed[kind] || 0) + 1;
  const p = (l.failedByPhase[phase] = l.failedByPhase[phase] || {});
  p[kind] = (p[kind] || 0) + 1;
  const sample = new Date().toISOString().slice(11, 23) + ' (+' + (Date.now() - t0) + 'ms) ' + phase + ' ' + target + ' ' + kind;
  if (l.samples.length < 10) l.samples.push(sample);
  if (!l.firstOfKind[kind]) l.firstOfKind[kind] = sample;
}
function once(l, i) {
  const target = l.targets[i];
  const u = new URL(target);
  return new Promise((resolve) => {
    let done = false;
    const end = (kind, body) => { if (done) return; done = true; resolve([kind, body]); };
    const req = http.get({ host: u.hostname, port: u.port || 80, path: '/', agent: l.agents[i],
      headers: l.keepAlive ? {} : { Connection: 'close' }, timeout: Number(timeoutMs) }, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (b += d));
      res.on('end', () => end(res.statusCode >= 200 && res.statusCode < 300 ? undefined : 'HTTP_' + res.statusCode, b.trim()));
      res.on('error', (e) => end(e.code || e.message));
    });
    req.on('timeout', () => { req.destroy(); end('TIMEOUT'); });
    req.on('error', (e) => end(e.code || e.message));
  });
}
async function run(l) {
  for (let n = 0; !stopping; n++) {
    const i = n % l.targets.length;
    l.sent++;
    const [kind, body] = await once(l, i);
    if (kind) { fail(l, l.targets[i], kind); continue; }
    l.ok++;
    const v = (body.split(' ')[1] || '?');
    l.versions[v] = (l.versions[v] || 0) + 1;
    if (!readyPrinted && loops.every((x) => x.ok > 0)) { readyPrinted = true; console.log('ready'); }
  }
}
const running = loops.map(run);
function stop() {
  if (stopping) return;
  stopping = true;
  Promise.all(running).then(() => {
    console.log(JSON.stringify(loops.map(({ agents, targets, ...r }) => r)));
    process.exit(0);
  });
}
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let k = buf.indexOf('\\n'); k >= 0; k = buf.indexOf('\\n')) {
    const line = buf.slice(0, k).trim();
    buf = buf.slice(k + 1);
    if (line.startsWith('phase ')) phase = line.slice(6);
    else if (line === 'stop') stop();
  }
});
process.stdin.on('end', stop);
`;

/** A running client in one host's namespace. */
export class TrafficClient {
  private out = '';
  private err = '';
  private readonly exited: Promise<number>;

  private constructor(readonly host: number, private readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (this.out += d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.err += d));
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code ?? 1)));
  }

  /** Starts the loops in host `host`'s namespace and resolves once each had an answer. */
  static async start(host: number, loops: LoopSpec[], opts: { timeoutMs?: number; readyWithinMs?: number } = {}): Promise<TrafficClient> {
    const proc = spawn('nsenter', [`--net=${netnsPath(host)}`, process.execPath, '-e', CLIENT, '--', JSON.stringify(loops), String(opts.timeoutMs ?? 5000)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const c = new TrafficClient(host, proc);
    const within = opts.readyWithinMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`traffic client on h${host}: no answer on every loop within ${within / 1000} s`)), within);
      const check = () => (c.out.includes('ready\n') ? (clearTimeout(timer), resolve()) : undefined);
      proc.stdout!.on('data', check);
      void c.exited.then((code) => (clearTimeout(timer), reject(new Error(`traffic client on h${host} exited (${code}): ${c.err.trim()}`))));
    });
    return c;
  }

  phase(name: string): void {
    this.proc.stdin!.write(`phase ${name}\n`);
  }

  /** Stops the loops (each finishes its request in flight) and returns their reports. */
  async stop(): Promise<LoopReport[]> {
    this.proc.stdin!.end('stop\n');
    const kill = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
    const code = await this.exited;
    clearTimeout(kill);
    const line = this.out.split('\n').find((l) => l.startsWith('['));
    if (code !== 0 || !line) throw new Error(`traffic client on h${this.host} failed (${code}): ${this.err.trim()}`);
    return (JSON.parse(line) as LoopReport[]).map((r) => ({ ...r, name: `h${this.host} ${r.name}` }));
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

/** The four loops of host i: {ClusterIP, NodePort} × {keep-alive, a connection per request}. */
export function standardLoops(i: number, hosts: number, clusterIP: string, port: number, nodePort: number, hostIP: (i: number) => string): LoopSpec[] {
  const other = (i % hosts) + 1;
  const np = [`http://${hostIP(i)}:${nodePort}`, `http://${hostIP(other)}:${nodePort}`];
  return [
    { name: 'clusterIP keep-alive', targets: [`http://${clusterIP}:${port}`], keepAlive: true },
    { name: 'clusterIP new-conn', targets: [`http://${clusterIP}:${port}`], keepAlive: false },
    { name: `nodePort h${i}+h${other} keep-alive`, targets: np, keepAlive: true },
    { name: `nodePort h${i}+h${other} new-conn`, targets: np, keepAlive: false },
  ];
}

export interface TrafficTotals {
  sent: number;
  ok: number;
  failed: Record<string, number>;
  versions: Record<string, number>;
}

/** Sums loop reports. */
export function totals(reports: LoopReport[]): TrafficTotals {
  const t: TrafficTotals = { sent: 0, ok: 0, failed: {}, versions: {} };
  for (const r of reports) {
    t.sent += r.sent;
    t.ok += r.ok;
    for (const [k, n] of Object.entries(r.failed)) t.failed[k] = (t.failed[k] ?? 0) + n;
    for (const [k, n] of Object.entries(r.versions)) t.versions[k] = (t.versions[k] ?? 0) + n;
  }
  return t;
}

/** One line per loop: "h1 clusterIP keep-alive: 1234 sent, 1230 ok, failed {...} [phase: {...}]". */
export const describeReports = (reports: LoopReport[]): string =>
  reports.map((r) => `${r.name}: ${r.sent} sent, ${r.ok} ok, versions ${JSON.stringify(r.versions)}, failed ${JSON.stringify(r.failed)}${Object.keys(r.failedByPhase).length ? ` by phase ${JSON.stringify(r.failedByPhase)}` : ''}${r.samples.length ? `\n    first failures: ${r.samples.slice(0, 5).join(' | ')}; first of each kind: ${Object.values(r.firstOfKind).join(' | ')}` : ''}`).join('\n');
