// Traffic to Services on the multi-host harness, for scenario 11 (scenarios/services.test.ts).
// Small node programs run inside a network namespace (a pod's sandbox, a host, the root
// namespace: host-traffic.ts's nodeInHost) and report in one JSON line:
//  - spread: many short HTTP requests to one URL, each on a new connection (so each is a
//    new load-balancing decision), counted by what the backend answered. The backends'
//    `who` CGI prints "<pod name> <client address as the pod saw it>". A name in the URL
//    is resolved as the pod resolves it: the nameserver and search list of its
//    resolv.conf, ndots:5 (every lookup goes to the cluster DNS, timed).
//  - udpAsk: one datagram to ip:port, the answer (retried: UDP may drop one).
//  - connectOutcome: how a TCP connection attempt ends, and how fast.
// The UDP backend (udpEcho) runs in a pod's namespace beside its containers, answering
// "<name> <peer address>".

import { spawn, type ChildProcess } from 'node:child_process';
import type { Pod } from '../../api/types.js';
import { nodeName } from './harness.js';
import { nodeInHost, type Place } from './host-traffic.js';
import { netnsPath } from './network.js';
import { run, waitUntil } from './sh.js';

/** The backend command: busybox httpd on 8080 with /cgi-bin/who (the `web` image has no CGI). */
export const WHO_BACKEND = [
  'sh', '-c',
  'mkdir -p /tmp/w/cgi-bin && printf \'#!/bin/sh\\necho "Content-Type: text/plain"\\necho\\necho "$(hostname) $REMOTE_ADDR"\\n\' > /tmp/w/cgi-bin/who && ' +
    'chmod +x /tmp/w/cgi-bin/who && trap "exit 0" TERM; httpd -f -p 8080 -h /tmp/w & wait',
];

/** A client pod pinned to host `host`: a shell that sleeps until it is told to stop. */
export function clientPod(name: string, host: number, namespace: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { role: 'client' } },
    spec: {
      nodeName: nodeName(host),
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'sh', image: 'orch.local/busybox:latest', imagePullPolicy: 'Never', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'] }],
    },
  } as Pod;
}

/**
 * Waits (up to 10 s) until the first client's connection to ip:port is refused, then tries
 * once from every other client: how long the wait was, how fast that refusal came, and what
 * the others got (a service without endpoints must refuse everywhere, at once).
 */
export async function refusedFromEveryClient(clients: readonly { netns: string }[], ip: string, port: number): Promise<{ waitedMs: number; refusedMs: number; others: string[] }> {
  const t0 = Date.now();
  const first = await waitUntil('connections refused', async () => {
    const r = await connectOutcome(clients[0]!.netns, ip, port, 3000);
    return r.outcome === 'ECONNREFUSED' ? r : undefined;
  }, 10_000, 200);
  const waitedMs = Date.now() - t0;
  const others: string[] = [];
  for (const c of clients.slice(1)) others.push((await connectOutcome(c.netns, ip, port, 3000)).outcome);
  return { waitedMs, refusedMs: first.ms, others };
}

const SPREAD = `
const [url, count, timeoutMs, nameserver, ...search] = process.argv.slice(1);
const http = require('http'), net = require('net');
const u = new URL(url);
const resolver = new (require('dns').promises.Resolver)({ timeout: 2000, tries: 1 });
if (nameserver) resolver.setServers([nameserver]);
let dnsMaxMs = 0, lookups = 0;
async function resolveName(host) {
  if (net.isIP(host)) return host;
  const names = (host.split('.').length - 1 < 5 ? search.map((s) => host + '.' + s) : []).concat([host]);
  for (const n of names) {
    const t0 = Date.now();
    try { const a = await resolver.resolve4(n); lookups++; dnsMaxMs = Math.max(dnsMaxMs, Date.now() - t0); if (a.length) return a[0]; }
    catch (e) { lookups++; dnsMaxMs = Math.max(dnsMaxMs, Date.now() - t0); if (e.code !== 'ENOTFOUND' && e.code !== 'ENODATA') throw e; }
  }
  throw Object.assign(new Error('cannot resolve ' + host), { code: 'NXDOMAIN' });
}
const answers = {}, errors = {};
(async () => {
  for (let i = 0; i < Number(count); i++) {
    try {
      const ip = await resolveName(u.hostname);
      const body = await new Promise((res, rej) => {
        const req = http.get({ host: ip, port: u.port || 80, path: u.pathname, agent: false, timeout: Number(timeoutMs), insecureHTTPParser: true }, (r) => {
          let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => res(b.trim()));
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
        req.on('error', rej);
      });
      answers[body] = (answers[body] || 0) + 1;
    } catch (e) { const k = e.code || e.message; errors[k] = (errors[k] || 0) + 1; }
  }
  console.log(JSON.stringify({ answers, errors, dnsMaxMs, lookups }));
})();
`;

export interface Spread {
  /** Requests answered, per backend pod. */
  byPod: Map<string, number>;
  /** The client addresses the backends saw. */
  sources: Set<string>;
  /** Failed requests by error code. */
  errors: Record<string, number>;
  dnsMaxMs: number;
  lookups: number;
}

/** `count` GETs of `url` from `from`; `dns` resolves a name as a pod with that resolv.conf would. */
export async function spread(from: Place, url: string, count: number, opts: { timeoutMs?: number; dns?: { nameserver: string; search: string[] } } = {}): Promise<Spread> {
  const args = [url, String(count), String(opts.timeoutMs ?? 3000), ...(opts.dns ? [opts.dns.nameserver, ...opts.dns.search] : [])];
  const r = await nodeInHost(from, SPREAD, args, 120_000);
  if (r.code !== 0) throw new Error(`requests to ${url} failed to run: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { answers: Record<string, number>; errors: Record<string, number>; dnsMaxMs: number; lookups: number };
  const byPod = new Map<string, number>();
  const sources = new Set<string>();
  for (const [body, n] of Object.entries(out.answers)) {
    const [pod, source] = body.split(' ');
    byPod.set(pod!, (byPod.get(pod!) ?? 0) + n);
    // busybox httpd listens on IPv6 and prints IPv4 peers as [::ffff:a.b.c.d].
    if (source) sources.add(source.replace(/^\[(.*)\]$/, '$1').replace(/^::ffff:/, ''));
  }
  return { byPod, sources, errors: out.errors, dnsMaxMs: out.dnsMaxMs, lookups: out.lookups };
}

/** "a 212, b 190, c 198; errors {...}" for assertion messages. */
export const describeSpread = (s: Spread): string =>
  `${[...s.byPod].map(([p, n]) => `${p} ${n}`).join(', ') || 'no answer'}; sources ${[...s.sources].join(', ')}; errors ${JSON.stringify(s.errors)}`;

const CONNECT = `
const [ip, port, timeoutMs] = process.argv.slice(1);
const t0 = Date.now();
const s = require('net').connect(Number(port), ip);
const done = (outcome) => { console.log(JSON.stringify({ outcome, ms: Date.now() - t0 })); process.exit(0); };
s.on('connect', () => { s.destroy(); done('connected'); });
s.on('error', (e) => done(e.code || e.message));
setTimeout(() => done('TIMEOUT'), Number(timeoutMs));
`;

/** How a TCP connection to ip:port from `from` ends: 'connected', 'ECONNREFUSED', 'TIMEOUT', ... and after how long. */
export async function connectOutcome(from: Place, ip: string, port: number, timeoutMs = 3000): Promise<{ outcome: string; ms: number }> {
  const r = await nodeInHost(from, CONNECT, [ip, String(port), String(timeoutMs)], timeoutMs + 15_000);
  if (r.code !== 0) throw new Error(`connect to ${ip}:${port} failed to run: ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim()) as { outcome: string; ms: number };
}

const UDP_ASK = `
const [ip, port] = process.argv.slice(1);
const sock = require('dgram').createSocket('udp4');
let tries = 0;
const ask = () => { if (++tries > 5) { console.log(JSON.stringify({ answer: null })); process.exit(0); } sock.send('who', Number(port), ip); };
sock.on('message', (m) => { console.log(JSON.stringify({ answer: String(m) })); process.exit(0); });
setInterval(ask, 1000); ask();
`;

/** One UDP question to ip:port from `from`: the answer, or undefined after 5 tries. */
export async function udpAsk(from: Place, ip: string, port: number): Promise<string | undefined> {
  const r = await nodeInHost(from, UDP_ASK, [ip, String(port)], 20_000);
  if (r.code !== 0) throw new Error(`UDP to ${ip}:${port} failed to run: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout.trim()) as { answer: string | null }).answer ?? undefined;
}

const UDP_ECHO = `
const [port, name] = process.argv.slice(1);
const sock = require('dgram').createSocket('udp4');
sock.on('message', (m, r) => sock.send(name + ' ' + r.address, r.port, r.address));
sock.bind(Number(port), () => console.log('listening'));
`;

/** A UDP server in a namespace answering "<name> <peer>"; kill() stops it. */
export async function udpEcho(netns: string, port: number, name: string): Promise<ChildProcess> {
  const p = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', UDP_ECHO, '--', String(port), name], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    p.stdout!.on('data', (d) => (String(d).includes('listening') ? resolve() : undefined));
    p.once('exit', (code) => reject(new Error(`UDP echo ${name} exited (${code})`)));
  });
  return p;
}

/** The nat table of host i as iptables-save prints it. */
export function natRules(i: number): Promise<string> {
  return run('nsenter', [`--net=${netnsPath(i)}`, 'iptables-save', '-t', 'nat']);
}
