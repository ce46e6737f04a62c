// A DNS client for tests and the benchmark: dns-packet over node:dgram / node:net, one
// query per call, with a timeout. Not shipped.

import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet, RecordType } from 'dns-packet';

export interface QueryOptions {
  /** EDNS payload size to advertise; undefined: no OPT record (plain 512-byte DNS). */
  edns?: number;
  timeoutMs?: number;
  id?: number;
}

export function queryPacket(name: string, type: RecordType, o: QueryOptions = {}): Packet {
  return {
    type: 'query',
    id: o.id ?? Math.floor(Math.random() * 65536),
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: 0, options: [] } as unknown as dnsPacket.Answer] : [],
  };
}

export function udpExchange(host: string, port: number, msg: Buffer, timeoutMs = 5000): Promise<{ buf: Buffer; packet: DecodedPacket }> {
  const s = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('message', (buf) => {
      clearTimeout(timer);
      s.close();
      resolve({ buf, packet: dnsPacket.decode(buf) });
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      s.close();
      reject(err);
    });
    s.send(msg, port, host);
  });
}

export function tcpExchange(host: string, port: number, msg: Buffer, timeoutMs = 5000): Promise<{ buf: Buffer; packet: DecodedPacket }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no TCP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('connect', () => sock.write(dnsPacket.streamEncode(dnsPacket.decode(msg))));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.end();
        const body = buf.subarray(2, 2 + buf.readUInt16BE(0));
        resolve({ buf: body, packet: dnsPacket.decode(body) });
      }
    });
  });
}

/** One question over UDP, or TCP. */
export async function ask(host: string, port: number, name: string, type: RecordType, o: QueryOptions & { tcp?: boolean } = {}): Promise<DecodedPacket> {
  const msg = dnsPacket.encode(queryPacket(name, type, o));
  return (o.tcp ? await tcpExchange(host, port, msg, o.timeoutMs) : await udpExchange(host, port, msg, o.timeoutMs)).packet;
}

export const rcodeOf = (p: DecodedPacket): string => (p as unknown as { rcode: string }).rcode;

/** A free port on 127.0.0.1 for both UDP and TCP (the kernel's pick for TCP, checked for UDP). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}
