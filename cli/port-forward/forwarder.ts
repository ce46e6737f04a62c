// The client side of `orch port-forward`: local listeners, and per accepted connection one
// WebSocket to pods/{name}/portforward?ports=REMOTE speaking v4.channel.k8s.io (the
// kubelet's channel protocol: channel 0 data, channel 1 errors, each opened by the port as
// a little-endian uint16). One WebSocket per connection rather than kubectl's one SPDY
// session for all: a failed connection (a closed port in the pod) can never take the
// others down, and the client needs no SPDY. The cost is a WebSocket handshake through
// the apiserver per connection. The channel protocol has no half-close: after the local
// client stops sending, the WebSocket stays open until the pod's side closes.

import net from 'node:net';
import WebSocket from 'ws';
import type { ClientConfig } from '../../client/types.js';

const PROTOCOL = 'v4.channel.k8s.io';
/** Bytes queued on the WebSocket before the local socket is paused. */
const MAX_QUEUED = 4 * 1024 * 1024;

export interface ForwarderOptions {
  config: ClientConfig;
  namespace: string;
  pod: string;
  addresses: string[];
  ports: { local: number; remote: number }[];
  out(line: string): void;
  err(line: string): void;
}

export interface Forwarder {
  /** The listeners' addresses, as printed ("127.0.0.1:8080"). */
  listening: { address: string; local: number; remote: number }[];
  close(): Promise<void>;
}

function wsUrl(config: ClientConfig, namespace: string, pod: string, remote: number): string {
  const u = new URL(config.server);
  const scheme = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${u.host}${u.pathname.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${remote}`;
}

/** Forwards one accepted connection over its own WebSocket. */
function forwardConnection(sock: net.Socket, o: ForwarderOptions, local: number, remote: number, open: Set<WebSocket>): void {
  const ws = new WebSocket(wsUrl(o.config, o.namespace, o.pod, remote), [PROTOCOL], {
    headers: o.config.token ? { Authorization: `Bearer ${o.config.token}` } : {},
    ca: o.config.ca,
    rejectUnauthorized: !o.config.insecureSkipTLSVerify,
    perMessageDeflate: false,
  });
  open.add(ws);
  let seenPort = [false, false];
  let errorText = '';
  let queued = 0;
  sock.pause();
  ws.on('open', () => {
    sock.resume();
  });
  sock.on('data', (chunk: Buffer) => {
    queued += chunk.length;
    ws.send(Buffer.concat([Buffer.from([0]), chunk]), () => {
      queued -= chunk.length;
      if (queued < MAX_QUEUED / 2 && sock.isPaused()) sock.resume();
    });
    if (queued > MAX_QUEUED) sock.pause();
  });
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (!isBinary || raw.length === 0) return;
    const channel = raw[0]!;
    let payload = raw.subarray(1);
    if (channel > 1) return;
    if (!seenPort[channel]) {
      seenPort[channel] = true;
      payload = payload.subarray(2);
    }
    if (channel === 1) errorText += payload.toString();
    else if (payload.length && !sock.write(payload)) {
      ws.pause();
      sock.once('drain', () => ws.resume());
    }
  });
  ws.on('unexpected-response', (_req, res) => {
    let body = '';
    res.on('data', (d: Buffer) => (body += d));
    res.on('end', () => {
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        // not a Status: print as is
      }
      errorText ||= `the server refused the port-forward (HTTP ${res.statusCode}): ${message.slice(0, 500)}`;
      ws.terminate();
    });
  });
  ws.on('error', (err) => {
    errorText ||= err.message;
  });
  ws.on('close', () => {
    open.delete(ws);
    if (errorText) o.err(`error: an error occurred forwarding ${local} -> ${remote}: ${errorText}`);
    // The pod's side is over: flush what it sent, then close.
    sock.end();
  });
  sock.on('error', () => sock.destroy());
  sock.on('close', () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
    seenPort = [true, true];
  });
}

function listen(address: string, port: number, onConn: (s: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer({ allowHalfOpen: true }, onConn);
    srv.once('error', reject);
    srv.listen(port, address, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

export async function startForwarder(o: ForwarderOptions): Promise<Forwarder> {
  const servers: net.Server[] = [];
  const open = new Set<WebSocket>();
  const sockets = new Set<net.Socket>();
  const listening: Forwarder['listening'] = [];
  const close = async () => {
    for (const ws of open) ws.terminate();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  };
  try {
    for (const p of o.ports) {
      let local = p.local;
      for (const address of o.addresses) {
        // Every address of one port shares its local number (the first one picks it when 0).
        const srv = await listen(address, local, (sock) => {
          o.out(`Handling connection for ${local}`);
          sockets.add(sock);
          sock.once('close', () => sockets.delete(sock));
          forwardConnection(sock, o, local, p.remote, open);
        });
        servers.push(srv);
        local = (srv.address() as net.AddressInfo).port;
        const shown = net.isIPv6(address) ? `[${address}]` : address;
        listening.push({ address: `${shown}:${local}`, local, remote: p.remote });
        o.out(`Forwarding from ${shown}:${local} -> ${p.remote}`);
      }
    }
  } catch (err) {
    await close();
    throw new Error(`unable to listen on a local port: ${(err as Error).message}`);
  }
  return { listening, close };
}
