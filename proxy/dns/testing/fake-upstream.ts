// A stand-in for the node's resolver in tests: answers over UDP and TCP from a table of
// names, NXDOMAIN for the rest, and counts what it was asked. Not shipped.

import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';

export class FakeUpstream {
  readonly asked: { name: string; type: string; transport: 'udp' | 'tcp' }[] = [];
  private udp?: dgram.Socket;
  private tcp?: net.Server;
  /** Don't answer at all (an upstream that swallows queries). */
  silent = false;

  constructor(private readonly records: Record<string, Answer[]>) {}

  private answer(msg: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    const q = dnsPacket.decode(msg);
    const question = q.questions![0]!;
    this.asked.push({ name: question.name, type: question.type, transport });
    if (this.silent) return undefined;
    const answers = (this.records[question.name.toLowerCase()] ?? []).filter((a) => a.type === question.type);
    const known = question.name.toLowerCase() in this.records;
    return dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.RECURSION_AVAILABLE | (q.flags! & dnsPacket.RECURSION_DESIRED) | (known ? 0 : 3), questions: q.questions, answers });
  }

  async start(port: number, host = '127.0.0.1'): Promise<void> {
    const udp = (this.udp = dgram.createSocket('udp4'));
    udp.on('message', (msg, r) => {
      const res = this.answer(msg, 'udp');
      if (res) udp.send(res, r.port, r.address);
    });
    await new Promise<void>((resolve) => udp.bind(port, host, resolve));
    this.tcp = net.createServer((sock) => {
      sock.on('error', () => undefined);
      sock.once('data', (d) => {
        const res = this.answer(d.subarray(2, 2 + d.readUInt16BE(0)), 'tcp');
        if (!res) return;
        const len = Buffer.alloc(2);
        len.writeUInt16BE(res.length);
        sock.end(Buffer.concat([len, res]));
      });
    });
    await new Promise<void>((resolve) => this.tcp!.listen(port, host, resolve));
  }

  async stop(): Promise<void> {
    this.udp?.close();
    await new Promise((resolve) => (this.tcp ? this.tcp.close(resolve) : resolve(undefined)));
  }
}
