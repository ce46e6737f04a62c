// Encoding an answer for the wire: header flags, EDNS, and truncation. Over UDP an answer
// must fit the client's limit — 512 bytes without EDNS (RFC 1035), the advertised payload
// size with it (RFC 6891) — else as many answer records as fit are sent with the TC bit
// set and the client asks again over TCP, where the whole answer goes.

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** What the server advertises in its own OPT record (the DNS flag day 2020 default). */
export const SERVER_UDP_PAYLOAD = 1232;
const MIN_UDP = 512;
const MAX_UDP = 4096;

export function findOpt(p: Packet): (Answer & { type: 'OPT' }) | undefined {
  return p.additionals?.find((r) => r.type === 'OPT') as (Answer & { type: 'OPT' }) | undefined;
}

/** The largest UDP answer this client takes. */
export function udpLimit(query: Packet): number {
  const opt = findOpt(query) as { udpPayloadSize?: number } | undefined;
  if (!opt) return MIN_UDP;
  return Math.min(MAX_UDP, Math.max(MIN_UDP, opt.udpPayloadSize ?? MIN_UDP));
}

export interface ResponseContent {
  rcode: Rcode;
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
  /** Authoritative (the cluster zone) or not (forwarded data, a CNAME chase). */
  authoritative: boolean;
}

/** The response to `query`; `limit` = the UDP size limit, undefined over TCP (65,535). */
export function encodeResponse(query: DecodedPacket, c: ResponseContent, limit?: number): { buf: Buffer; truncated: boolean } {
  const qflags = query.flags ?? 0;
  const opcodeBits = qflags & 0x7800;
  let flags = opcodeBits | (qflags & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | RCODE[c.rcode];
  if (c.authoritative) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  const opt: Answer[] = findOpt(query) ? [{ type: 'OPT', name: '.', udpPayloadSize: SERVER_UDP_PAYLOAD, flags: 0, options: [] } as unknown as Answer] : [];
  const packet: Packet = {
    type: 'response',
    id: query.id,
    flags,
    questions: query.questions,
    answers: c.answers ?? [],
    authorities: c.authorities ?? [],
    additionals: [...(c.additionals ?? []), ...opt],
  };
  const buf = dnsPacket.encode(packet);
  if (limit === undefined || buf.length <= limit) return { buf, truncated: false };
  // Too big: drop the optional sections, then answers from the end, until it fits.
  const answers = [...(packet.answers ?? [])];
  let cut: Buffer;
  do {
    answers.pop();
    cut = dnsPacket.encode({ ...packet, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers, authorities: [], additionals: opt });
  } while (cut.length > limit && answers.length > 0);
  return { buf: cut, truncated: true };
}

/** An error answer for a query that could be decoded (or only its header: FORMERR). */
export function errorResponse(query: DecodedPacket, rcode: Rcode): Buffer {
  return encodeResponse(query, { rcode, authoritative: false }).buf;
}

/** FORMERR for bytes that are no DNS message but carry a header: the id, nothing else. */
export function formErrFromHeader(msg: Buffer): Buffer | undefined {
  if (msg.length < 12) return undefined;
  const out = Buffer.alloc(12);
  msg.copy(out, 0, 0, 2);
  out.writeUInt16BE(0x8000 | (msg.readUInt16BE(2) & 0x7900) | RCODE.FORMERR, 2);
  return out;
}
