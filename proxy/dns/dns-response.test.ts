import { describe, expect, it } from 'vitest';
import * as dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import { encodeResponse, formErrFromHeader, udpLimit } from './dns-response.js';
import { queryPacket } from './testing/dns-client.js';

const query = (edns?: number) => dnsPacket.decode(dnsPacket.encode(queryPacket('many.ns.svc.cluster.local', 'A', { id: 7, edns })));
const answers = (n: number): Answer[] => Array.from({ length: n }, (_, i) => ({ name: 'many.ns.svc.cluster.local', type: 'A', ttl: 5, class: 'IN', data: `10.0.${i >> 8}.${i & 255}` }));

describe('encoding answers', () => {
  it('the UDP limit: 512 without EDNS, the advertised size with it (512..4096)', () => {
    expect(udpLimit(query())).toBe(512);
    expect(udpLimit(query(1232))).toBe(1232);
    expect(udpLimit(query(100))).toBe(512);
    expect(udpLimit(query(65000))).toBe(4096);
  });

  it('an answer that fits is whole, with AA, RD copied, RA, the rcode, and OPT when the client sent one', () => {
    const { buf, truncated } = encodeResponse(query(1232), { rcode: 'NOERROR', answers: answers(3), authoritative: true }, 1232);
    const p = dnsPacket.decode(buf);
    expect(truncated).toBe(false);
    expect([p.id, p.flag_qr, p.flag_aa, p.flag_rd, p.flag_ra, p.flag_tc]).toEqual([7, true, true, true, true, false]);
    expect(p.answers).toHaveLength(3);
    expect(p.additionals?.map((a) => a.type)).toEqual(['OPT']);
    expect((dnsPacket.decode(encodeResponse(query(), { rcode: 'NXDOMAIN', authoritative: true }).buf) as unknown as { rcode: string }).rcode).toBe('NXDOMAIN');
  });

  it('too big: as many answers as fit, TC set, within the limit; over TCP (no limit) whole', () => {
    const cut = encodeResponse(query(), { rcode: 'NOERROR', answers: answers(60), authorities: [], additionals: answers(5), authoritative: true }, 512);
    const p = dnsPacket.decode(cut.buf);
    expect(cut.truncated).toBe(true);
    expect(cut.buf.length).toBeLessThanOrEqual(512);
    expect(p.flag_tc).toBe(true);
    expect(p.answers!.length).toBeGreaterThan(10);
    expect(p.additionals).toEqual([]);
    expect(dnsPacket.decode(encodeResponse(query(), { rcode: 'NOERROR', answers: answers(60), authoritative: true }).buf).answers).toHaveLength(60);
  });

  it('FORMERR from a bare header keeps the id; shorter than a header: nothing', () => {
    const res = formErrFromHeader(Buffer.from([0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]))!;
    expect(res.readUInt16BE(0)).toBe(0xabcd);
    expect(res.readUInt16BE(2) & 0x800f).toBe(0x8001);
    expect(formErrFromHeader(Buffer.from([1, 2, 3]))).toBeUndefined();
  });
});
