// Real traffic between the harness hosts: a small node program runs inside a host's
// network namespace (nsenter --net, the same node binary as the suite) as server or
// client. TCP moves a payload and both ends hash it; UDP is a stop-and-wait echo (each
// datagram sent until its echo returns), so a lost datagram costs a retry, not the proof.
// The server reports the peer address it saw, for "the server sees the client's IP".
// Either end is a harness host (its index) or any network namespace given by path (a
// pod's sandbox, /proc/<pid>/ns/net: the pod network tests in pod-traffic.ts).

import { spawn } from 'node:child_process';
import { netnsPath } from './network.js';
import { exec } from './sh.js';

export interface Received {
  bytes: number;
  sha256: string;
  /** The client's address as the server saw it. */
  peer: string;
}

export interface Transfer {
  sentSha256: string;
  received: Received;
}

// argv: proto addr port. Prints "listening", then one JSON line when the transfer ends.
const SERVER = `
const [proto, addr, port] = process.argv.slice(1);
const h = require('crypto').createHash('sha256');
let bytes = 0, peer = '', ended = false;
const done = () => { if (ended) return; ended = true; console.log(JSON.stringify({ bytes, sha256: h.digest('hex'), peer })); process.exit(0); };
if (proto === 'tcp') {
  const srv = require('net').createServer((s) => {
    peer = s.remoteAddress.replace(/^::ffff:/, '');
    s.on('data', (d) => { bytes += d.length; h.update(d); });
    s.on('end', () => { s.end(); srv.close(); done(); });
  });
  srv.listen(Number(port), addr, () => console.log('listening'));
} else {
  const sock = require('dgram').createSocket(addr.includes(':') ? 'udp6' : 'udp4');
  let next = 0;
  sock.on('message', (m, r) => {
    peer = r.address;
    const seq = m.readUInt32BE(0);
    // The end frame: echo it (again, if the first echo was lost), then finish shortly after.
    if (m.length === 4) { sock.send(m, r.port, r.address); setTimeout(done, 500); return; }
    if (seq === next) { bytes += m.length - 4; h.update(m.subarray(4)); next++; }
    sock.send(m, r.port, r.address);
  });
  sock.bind(Number(port), addr, () => console.log('listening'));
}
`;

// argv: proto addr port bytes timeoutMs chunk. Sends pseudo-random bytes, prints their
// sha256. UDP datagrams carry a 4-byte sequence number and \`chunk\` bytes of payload.
const CLIENT = `
const [proto, addr, port, total, limit, chunk] = process.argv.slice(1);
const crypto = require('crypto');
const data = crypto.randomBytes(Number(total));
const sha = crypto.createHash('sha256').update(data).digest('hex');
const fail = (m) => { console.error(m); process.exit(1); };
setTimeout(() => fail('transfer timed out'), Number(limit)).unref();
if (proto === 'tcp') {
  const s = require('net').connect(Number(port), addr, () => s.end(data));
  s.on('error', (e) => fail(e.message));
  s.on('close', () => console.log(sha));
  s.resume();
} else {
  const sock = require('dgram').createSocket(addr.includes(':') ? 'udp6' : 'udp4');
  const CHUNK = Number(chunk), n = Math.ceil(data.length / CHUNK);
  let seq = 0, timer;
  const frame = (i) => { const b = Buffer.alloc(4); b.writeUInt32BE(i); return i < n ? Buffer.concat([b, data.subarray(i * CHUNK, (i + 1) * CHUNK)]) : b; };
  const send = () => { clearTimeout(timer); sock.send(frame(seq), Number(port), addr); timer = setTimeout(send, 200); };
  sock.on('message', (m) => {
    if (m.readUInt32BE(0) !== seq) return;
    if (seq === n) { clearTimeout(timer); console.log(sha); sock.close(); return; }
    seq++; send();
  });
  sock.on('error', (e) => fail(e.message));
  send();
}
`;

/** A harness host (its index) or a network namespace by path (e.g. a pod's /proc/<pid>/ns/net). */
export type Place = number | string;

const nsOf = (p: Place) => (typeof p === 'number' ? netnsPath(p) : p);
const nameOf = (p: Place) => (typeof p === 'number' ? `h${p}` : p);

/** Runs a node program inside a host's (or another) network namespace and waits for it. */
export function nodeInHost(i: Place, script: string, args: string[], timeoutMs = 30_000) {
  return exec('nsenter', [`--net=${nsOf(i)}`, process.execPath, '-e', script, '--', ...args], { timeoutMs });
}

/**
 * Moves `bytes` from `from` to a server in `to` listening at `addr` (an address of `to`).
 * Rejects with the stderr of the end that failed. UDP goes in datagrams of `chunk` + 4
 * bytes (default 1200 + 4).
 */
export async function transfer(
  proto: 'tcp' | 'udp', from: Place, to: Place, addr: string, bytes: number,
  opts: { port?: number; timeoutMs?: number; chunk?: number } = {},
): Promise<Transfer> {
  const port = opts.port ?? 5201;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const server = spawn('nsenter', [`--net=${nsOf(to)}`, process.execPath, '-e', SERVER, '--', proto, addr, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  server.stdout.on('data', (d) => (out += String(d)));
  server.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number>((resolve) => server.on('exit', (code) => resolve(code ?? 1)));
  const kill = setTimeout(() => server.kill('SIGKILL'), timeoutMs + 20_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => (out.includes('listening') ? resolve() : undefined);
      server.stdout.on('data', check);
      void exited.then((code) => reject(new Error(`server in ${nameOf(to)} exited (${code}) before listening: ${err}`)));
    });
    const client = await nodeInHost(from, CLIENT, [proto, addr, String(port), String(bytes), String(timeoutMs), String(opts.chunk ?? 1200)], timeoutMs + 10_000);
    if (client.code !== 0) throw new Error(`${proto} client in ${nameOf(from)} → ${addr}:${port} failed: ${client.stderr.trim()}`);
    const code = await exited;
    const line = out.split('\n').find((l) => l.startsWith('{'));
    if (code !== 0 || !line) throw new Error(`server in ${nameOf(to)} failed (${code}): ${err}`);
    return { sentSha256: client.stdout.trim(), received: JSON.parse(line) as Received };
  } finally {
    clearTimeout(kill);
    server.kill('SIGKILL');
  }
}

/** Can `from` open a TCP connection to addr:port within timeoutMs? */
export async function tcpConnects(from: Place, addr: string, port: number, timeoutMs = 2000): Promise<boolean> {
  const script = `const s=require('net').connect(${port},'${addr}');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(2),${timeoutMs})`;
  return (await nodeInHost(from, script, [])).code === 0;
}
