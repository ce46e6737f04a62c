// Test rig for the port-forward handler alone: TCP servers standing in for a pod's ports,
// and a minimal Kubernetes-shaped HTTP front (discovery, GET pod, the portforward
// Upgrade) that hands upgrades to the real handler, so real kubectl and client-node can be
// pointed at it without an apiserver, etcd or Docker. The full path (apiserver proxy, agent,
// container) is tested in test/e2e/pod-port-forward-kubectl.test.ts.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ApiError, errors } from '../../../api/errors.js';
import { silentLogger } from '../../../foundation/logger.js';
import { choosePortForwardProtocol, createPortForwardHandler } from '../port-forward.js';
import { refuseUpgrade } from '../../../foundation/upgrade-refusal.js';

export interface PodServers {
  /** Echoes every byte back. */
  echo: number;
  /** Reads until the client half-closes, then answers the sha256 (hex) of what it read and closes. */
  hash: number;
  /** Sends `bigBytes` of deterministic data, then closes. */
  big: number;
  bigSha: string;
  /** A port nothing listens on. */
  closed: number;
  close(): Promise<void>;
}

export function bigPayload(bytes: number): Buffer {
  // Deterministic, incompressible-looking content (so a mangled byte changes the hash).
  const out = Buffer.alloc(bytes);
  let seed = crypto.createHash('sha256').update('orch-port-forward').digest();
  for (let off = 0; off < bytes; off += seed.length) {
    seed.copy(out, off);
    seed = crypto.createHash('sha256').update(seed).digest();
  }
  return out;
}

async function listen(onConn: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    onConn(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return srv;
}

export async function startPodServers(bigBytes: number): Promise<PodServers> {
  const big = bigPayload(bigBytes);
  const servers = [
    await listen((s) => s.pipe(s)),
    await listen((s) => {
      const h = crypto.createHash('sha256');
      s.on('data', (c) => h.update(c));
      s.on('end', () => s.end(h.digest('hex')));
    }),
    await listen((s) => s.end(big)),
  ];
  const probe = await listen(() => undefined);
  const closed = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const port = (i: number) => (servers[i]!.address() as AddressInfo).port;
  return {
    echo: port(0),
    hash: port(1),
    big: port(2),
    bigSha: crypto.createHash('sha256').update(big).digest('hex'),
    closed,
    close: async () => {
      for (const s of servers) {
        s.close();
      }
    },
  };
}

export interface Front {
  url: string;
  /** The protocol of every port-forward request so far (spdy, spdy-ws, channels). */
  protocols: string[];
  close(): Promise<void>;
}

/** Discovery + GET pod + the portforward Upgrade (to the real handler, dialling 127.0.0.1). */
export async function startFront(): Promise<Front> {
  const handler = createPortForwardHandler({
    runtime: undefined as never,
    nodeName: 'h17-portforward-node',
    logger: silentLogger(),
    findTarget: async (_ns, pod) => {
      if (pod === 'missing') throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'pod "missing" not found', code: 404 });
      return { host: '127.0.0.1', podUid: 'uid-1' };
    },
  });
  const protocols: string[] = [];
  const json = (res: http.ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api') return json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') return json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (url.pathname === '/api/v1')
      return json(res, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          { name: 'pods/portforward', singularName: '', namespaced: true, kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
        ],
      });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (m) return json(res, { apiVersion: 'v1', kind: 'Pod', metadata: { name: m[2], namespace: m[1], uid: 'uid-1' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } });
    res.writeHead(404).end();
  });
  const upgraded = new Set<net.Socket>();
  srv.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/.exec(url.pathname);
    socket.on('error', () => undefined);
    if (!m) return socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    try {
      protocols.push(choosePortForwardProtocol({ req, query: url.searchParams }).kind);
    } catch {
      protocols.push('refused');
    }
    handler({ kind: 'portForward', namespace: m[1]!, pod: m[2]!, query: url.searchParams, req, socket, head }).catch((err) => {
      refuseUpgrade(socket, err instanceof ApiError ? err.status : errors.internal(String(err)).status);
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    protocols,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        for (const s of upgraded) s.destroy();
        srv.close(() => r());
      }),
  };
}

export interface ForwardProcess {
  proc: ChildProcess;
  output: () => string;
  /** Resolves with the local ports once every "Forwarding from 127.0.0.1:L -> R" line is out. */
  ready: Promise<number[]>;
  stop(): Promise<number | null>;
}

/** Starts a port-forward CLI (kubectl or orch) and waits for its "Forwarding from" lines. */
export function startForward(cmd: string, args: string[], expectedLines: number, env: NodeJS.ProcessEnv = {}): ForwardProcess {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const ready = new Promise<number[]>((resolve, reject) => {
    const check = () => {
      const ports = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> \d+/g)].map((m) => Number(m[1]));
      if (ports.length >= expectedLines) resolve(ports);
    };
    proc.stdout!.on('data', (d) => {
      out += d;
      check();
    });
    proc.stderr!.on('data', (d) => {
      out += d;
    });
    proc.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) before forwarding:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    proc,
    output: () => out,
    ready,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(proc.exitCode);
        proc.once('exit', (code) => resolve(code));
        proc.kill('SIGINT');
      }),
  };
}

/** One TCP exchange through a local port: sends `data`, half-closes, collects the answer. */
export function exchange(port: number, data: Buffer | string, opts: { halfClose?: boolean } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => {
      s.end();
      resolve(Buffer.concat(chunks));
    });
    s.on('error', reject);
    s.on('connect', () => {
      s.write(data);
      if (opts.halfClose !== false) s.end();
    });
  });
}

/** sha256 of everything a local port sends before closing (nothing is sent to it). */
export function download(port: number): Promise<{ sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const h = crypto.createHash('sha256');
    let bytes = 0;
    s.on('data', (c) => {
      bytes += c.length;
      h.update(c);
    });
    s.on('end', () => resolve({ sha: h.digest('hex'), bytes }));
    s.on('error', reject);
  });
}

/** A raw SPDY/3.1 port-forward upgrade (what kubectl's fallback sends): the socket after the 101, and the head. */
export function spdyUpgrade(url: string, path: string, headers: Record<string, string> = {}): Promise<{ socket: net.Socket; status: number; head: string; rest: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) });
    let buf = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => {
      const extra = Object.entries({ 'X-Stream-Protocol-Version': 'portforward.k8s.io', ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${extra}Content-Length: 0\r\n\r\n`);
    });
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const head = buf.subarray(0, end).toString();
      resolve({ socket, status: Number(head.split(' ')[1]), head, rest: buf.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** An HTTP request to 127.0.0.1:port (no keep-alive): the status and the body. */
export function httpCall(port: number, method: string, urlPath: string, body?: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, agent: false, headers: body ? { 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The sha256 and size of an HTTP GET's body, hashed as it streams (no 100 MB buffer). */
export function httpDownload(port: number, urlPath: string): Promise<{ status: number; sha: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
        const h = crypto.createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          h.update(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sha: h.digest('hex'), bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
