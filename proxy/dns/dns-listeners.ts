// The server's sockets: UDP and TCP on port 53 (configurable) of each listen address —
// the node's pod gateway addresses, which live on the bridge the agent creates. The proxy
// may start before that bridge exists, so an address that cannot be bound yet
// (EADDRNOTAVAIL) is tried again every retryMs, and the component reports not ready until
// every address listens. TCP connections may carry several queries (RFC 7766), answered
// as they complete, each with its two-byte length.

import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../foundation/logger.js';
import type { Transport } from './dns-handler.js';

export interface QueryHandler {
  /** A ready answer, synchronously, when there is one (the answer cache). */
  cached(msg: Buffer, transport: Transport): Buffer | undefined;
  handle(msg: Buffer, transport: Transport): Promise<Buffer | undefined>;
}

/** A TCP connection with nothing in flight is closed after this long (RFC 7766 suggests seconds). */
const TCP_IDLE_MS = 10_000;
/** Socket buffers of the UDP listeners (see bindUdp). */
export const UDP_BUFFER_BYTES = 4 * 1024 * 1024;

interface Binding {
  address: string;
  udp?: dgram.Socket;
  tcp?: net.Server;
  listening: boolean;
  error?: string;
  timer?: NodeJS.Timeout;
}

export interface ListenerOptions {
  port: number;
  retryMs: number;
  logger: Logger;
  handler: QueryHandler;
}

export class DnsListeners {
  private readonly bindings = new Map<string, Binding>();
  private closed = false;
  private readonly conns = new Set<net.Socket>();

  constructor(private readonly opts: ListenerOptions) {}

  /** Listen on exactly these addresses (new ones are bound, dropped ones closed). */
  setAddresses(addresses: string[]): void {
    const want = new Set(addresses);
    for (const [addr, b] of this.bindings) {
      if (want.has(addr)) continue;
      this.unbind(b);
      this.bindings.delete(addr);
    }
    for (const addr of want) {
      if (this.bindings.has(addr)) continue;
      const b: Binding = { address: addr, listening: false };
      this.bindings.set(addr, b);
      void this.bind(b);
    }
  }

  /**
   * Why not every address listens yet; undefined when all do. No address at all (a node
   * without a pod CIDR: no pod network, or not allocated yet) is ready: there is nothing to
   * serve, and a proxy whose rules are synced must not look broken for it.
   */
  notReady(): string | undefined {
    if (this.bindings.size === 0) return undefined;
    const waiting = [...this.bindings.values()].filter((b) => !b.listening);
    if (waiting.length === 0) return undefined;
    return waiting.map((b) => `cannot listen on ${b.address}:${this.opts.port} yet: ${b.error ?? 'binding'}`).join('; ');
  }

  private async bind(b: Binding): Promise<void> {
    try {
      b.udp = await this.bindUdp(b.address);
      b.tcp = await this.bindTcp(b.address);
      b.listening = true;
      b.error = undefined;
      this.opts.logger.info({ address: b.address, port: this.opts.port }, 'cluster DNS listening');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      this.unbind(b);
      if (this.closed || this.bindings.get(b.address) !== b) return;
      const first = b.error === undefined;
      b.error = e.code === 'EADDRNOTAVAIL' ? 'the address is not on this host (yet)' : e.message;
      if (first) this.opts.logger.warn({ err, address: b.address, port: this.opts.port }, 'cluster DNS cannot listen yet; retrying');
      b.timer = setTimeout(() => void this.bind(b), this.opts.retryMs);
    }
  }

  private bindUdp(address: string): Promise<dgram.Socket> {
    // A burst of queries (every pod of a node resolving at once: 1,000 clients × A+AAAA)
    // arrives faster than one event loop reads: the kernel's default 208 KB receive buffer
    // then drops datagrams, and each drop is a client waiting out its 5 s timeout. 4 MB
    // (the kernel caps it at net.core.rmem_max) holds several thousand queries.
    const s = dgram.createSocket({ type: net.isIPv6(address) ? 'udp6' : 'udp4', recvBufferSize: UDP_BUFFER_BYTES, sendBufferSize: UDP_BUFFER_BYTES });
    return new Promise((resolve, reject) => {
      s.once('error', (err) => {
        s.close();
        reject(err);
      });
      s.bind({ address, port: this.opts.port, exclusive: true }, () => {
        s.removeAllListeners('error');
        s.on('error', (err) => this.opts.logger.warn({ err, address }, 'DNS UDP socket error'));
        s.on('message', (msg, rinfo) => {
          const hit = this.opts.handler.cached(msg, 'udp');
          if (hit) return void s.send(hit, rinfo.port, rinfo.address);
          this.opts.handler.handle(msg, 'udp').then(
            (res) => res && s.send(res, rinfo.port, rinfo.address),
            (err: unknown) => this.opts.logger.error({ err }, 'DNS query failed'),
          );
        });
        resolve(s);
      });
    });
  }

  private bindTcp(address: string): Promise<net.Server> {
    const server = net.createServer({ allowHalfOpen: true }, (sock) => this.serveTcp(sock));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port: this.opts.port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.opts.logger.warn({ err, address }, 'DNS TCP server error'));
        resolve(server);
      });
    });
  }

  private serveTcp(sock: net.Socket): void {
    this.conns.add(sock);
    let buf = Buffer.alloc(0);
    let inFlight = 0;
    let ended = false;
    const finish = () => {
      if (ended && inFlight === 0) sock.end();
    };
    sock.setTimeout(TCP_IDLE_MS, () => {
      if (inFlight === 0) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('end', () => {
      ended = true;
      finish();
    });
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        inFlight++;
        this.opts.handler.handle(Buffer.from(msg), 'tcp')
          .then((res) => {
            if (!res || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(res.length);
            sock.write(Buffer.concat([len, res]));
          })
          .catch((err: unknown) => this.opts.logger.error({ err }, 'DNS query failed'))
          .finally(() => {
            inFlight--;
            finish();
          });
      }
    });
  }

  private unbind(b: Binding): void {
    clearTimeout(b.timer);
    b.udp?.close();
    b.tcp?.close();
    b.udp = undefined;
    b.tcp = undefined;
    b.listening = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const b of this.bindings.values()) this.unbind(b);
    this.bindings.clear();
    for (const c of this.conns) c.destroy();
  }
}
