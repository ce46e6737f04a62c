// Forwarding names outside the cluster zone to the node's own resolvers (its
// /etc/resolv.conf: the server runs on the host, so whatever the host uses works, loopback
// stubs such as systemd-resolved's included). The query goes out as the client sent it
// (its EDNS size, its RD bit) under a fresh random id, to each upstream in order until one
// answers within the timeout; the answer comes back verbatim under the client's id. UDP
// queries go out over UDP (a truncated upstream answer is relayed, TC and all, and the
// client retries over TCP), TCP queries over TCP. One connected UDP socket per upstream:
// the kernel then reports "port unreachable" (ECONNREFUSED), so a resolver that is down
// fails a query at once instead of after the timeout.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import type { Logger } from '../../foundation/logger.js';

export interface Upstream {
  host: string;
  port: number;
}

interface Pending {
  resolve(buf: Buffer): void;
  reject(err: Error): void;
}

/** One connected UDP socket to one upstream, with its queries in flight by id. */
class UdpUpstream {
  private socket?: dgram.Socket;
  private ready?: Promise<dgram.Socket>;
  private readonly pending = new Map<number, Pending>();

  constructor(
    readonly upstream: Upstream,
    private readonly logger: Logger,
  ) {}

  private open(): Promise<dgram.Socket> {
    if (this.ready) return this.ready;
    const s = dgram.createSocket(net.isIPv6(this.upstream.host) ? 'udp6' : 'udp4');
    this.socket = s;
    this.ready = new Promise((resolve, reject) => {
      s.once('error', reject);
      s.connect(this.upstream.port, this.upstream.host, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    s.on('message', (msg) => {
      if (msg.length < 12) return;
      const p = this.pending.get(msg.readUInt16BE(0));
      if (!p) return; // late (timed out) or forged
      this.pending.delete(msg.readUInt16BE(0));
      p.resolve(msg);
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      // ICMP port unreachable (or host unreachable) for one of our datagrams: nothing of
      // what is in flight to this upstream will be answered.
      this.logger.debug({ err, upstream: this.upstream }, 'upstream socket error');
      this.failAll(err);
    });
    this.ready.catch(() => this.close());
    return this.ready;
  }

  async query(msg: Buffer, timeoutMs: number): Promise<Buffer> {
    const s = await this.open();
    let id: number;
    do id = randomInt(0, 0x10000);
    while (this.pending.has(id));
    const out = Buffer.from(msg);
    out.writeUInt16BE(id, 0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no answer from ${this.upstream.host}:${this.upstream.port} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (b) => (clearTimeout(timer), resolve(b)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      s.send(out, (err) => {
        if (!err) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private failAll(err: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(err);
  }

  close(): void {
    this.failAll(new Error('forwarder stopped'));
    this.socket?.close();
    this.socket = undefined;
    this.ready = undefined;
  }
}

function tcpQuery(u: Upstream, msg: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.host, port: u.port });
    let buf = Buffer.alloc(0);
    const done = (err?: Error, res?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(res!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${u.host}:${u.port} (tcp) within ${timeoutMs} ms`)), timeoutMs);
    sock.on('error', (err) => done(err));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(undefined, buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('end', () => done(new Error(`${u.host}:${u.port} closed the connection without an answer`)));
  });
}

export interface ForwarderOptions {
  upstreams: Upstream[];
  /** Per upstream and attempt. */
  timeoutMs: number;
  logger: Logger;
}

export class Forwarder {
  private readonly udp: UdpUpstream[];

  constructor(private readonly opts: ForwarderOptions) {
    this.udp = opts.upstreams.map((u) => new UdpUpstream(u, opts.logger));
  }

  get upstreams(): Upstream[] {
    return this.opts.upstreams;
  }

  /** The upstream's answer under the query's own id; rejects when no upstream answered. */
  async forward(msg: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer> {
    if (this.opts.upstreams.length === 0) throw new Error('no upstream resolvers configured');
    const id = msg.readUInt16BE(0);
    let last: Error | undefined;
    for (let i = 0; i < this.opts.upstreams.length; i++) {
      try {
        const res = transport === 'udp' ? await this.udp[i]!.query(msg, this.opts.timeoutMs) : await tcpQuery(this.opts.upstreams[i]!, msg, this.opts.timeoutMs);
        const out = Buffer.from(res);
        out.writeUInt16BE(id, 0);
        return out;
      } catch (err) {
        last = err as Error;
      }
    }
    throw last ?? new Error('no upstream answered');
  }

  close(): void {
    for (const u of this.udp) u.close();
  }
}

/** `nameserver` lines as upstreams on port 53 (IPv6 zone suffixes such as fe80::1%eth0 kept). */
export function upstreamsFrom(nameservers: string[], port = 53): Upstream[] {
  return nameservers.filter((n) => net.isIP(n.replace(/%.*$/, '')) !== 0).map((host) => ({ host, port }));
}
