// One query in, one answer out: decode, answer from the cluster zone or forward, encode
// within the client's size limit. Transport-neutral (dns-listeners.ts owns the sockets).

import * as dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import type { Logger } from '../../foundation/logger.js';
import type { ClusterZone } from './cluster-zone.js';
import type { Forwarder } from './dns-forwarder.js';
import type { DnsMetrics, QueryResult } from './dns-metrics.js';
import { encodeResponse, errorResponse, formErrFromHeader, udpLimit } from './dns-response.js';

export type Transport = 'udp' | 'tcp';

/**
 * Answers of the zone, encoded, by the query's bytes after its id (flags, question, EDNS:
 * everything the answer depends on) and transport. A pod's resolver asks the same few names
 * over and over (its search list × A/AAAA): a hit is a copy and the client's id, no decode
 * and no encode. Emptied whenever the zone changes, so it never serves a stale answer.
 */
const CACHE_MAX = 10_000;

interface Cached {
  buf: Buffer;
  type: string;
  result: QueryResult;
}

export class DnsHandler {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly zone: ClusterZone,
    private readonly forwarder: Forwarder,
    private readonly metrics: DnsMetrics | undefined,
    private readonly logger: Logger,
  ) {
    zone.onChange(() => this.cache.clear());
  }

  /** The cached answer to msg, synchronously (the common case: no promise, no decode), or undefined. */
  cached(msg: Buffer, transport: Transport): Buffer | undefined {
    if (msg.length <= 12) return undefined;
    const hit = this.cache.get(transport + msg.toString('latin1', 2));
    if (!hit) return undefined;
    const out = Buffer.allocUnsafe(hit.buf.length);
    hit.buf.copy(out);
    msg.copy(out, 0, 0, 2);
    this.metrics?.query(hit.type, hit.result);
    return out;
  }

  /** The answer to send, or undefined when nothing should be sent (not even a header). */
  async handle(msg: Buffer, transport: Transport): Promise<Buffer | undefined> {
    const hit = this.cached(msg, transport);
    if (hit) return hit;
    const key = msg.length > 12 ? transport + msg.toString('latin1', 2) : undefined;
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      this.metrics?.query(undefined, 'formerr');
      return formErrFromHeader(msg);
    }
    if (query.type !== 'query') return undefined; // a response sent to us: never answer it (no loops)
    const q = query.questions?.[0];
    if (((query.flags ?? 0) & 0x7800) !== 0) {
      this.metrics?.query(q?.type, 'notimp');
      return errorResponse(query, 'NOTIMP'); // only standard queries (opcode 0)
    }
    if (!q || query.questions!.length !== 1) {
      this.metrics?.query(q?.type, 'formerr');
      return errorResponse(query, 'FORMERR');
    }
    const limit = transport === 'udp' ? udpLimit(query) : undefined;
    const found = this.zone.lookup(q.name, q.type);
    if (found.kind === 'forward') return this.forward(msg, query, transport);

    let answers = found.answers;
    if (found.chase) answers = [...answers, ...(await this.chase(query, found.chase, transport))];
    const rcode = found.result === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR';
    const res = encodeResponse(query, { rcode, answers, authorities: found.authorities, additionals: found.additionals, authoritative: !found.chase }, limit);
    if (res.truncated) this.metrics?.truncated();
    this.metrics?.query(q.type, found.result);
    // Only the zone's own answers: a chased ExternalName target comes from elsewhere.
    if (key !== undefined && !found.chase) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, { buf: res.buf, type: q.type, result: found.result });
    }
    return res.buf;
  }

  private async forward(msg: Buffer, query: DecodedPacket, transport: Transport): Promise<Buffer> {
    const q = query.questions![0]!;
    const started = performance.now();
    try {
      const res = await this.forwarder.forward(msg, transport);
      this.metrics?.forwarded((performance.now() - started) / 1000, true);
      this.metrics?.query(q.type, 'forwarded');
      return res;
    } catch (err) {
      this.metrics?.forwarded((performance.now() - started) / 1000, false);
      this.metrics?.query(q.type, 'servfail');
      this.logger.debug({ err, name: q.name, type: q.type }, 'forwarding failed');
      return errorResponse(query, 'SERVFAIL');
    }
  }

  /**
   * An ExternalName's target resolved through the node's resolvers, so a client gets the
   * addresses in one answer, as from CoreDNS. Best effort: without them the CNAME alone is
   * still a valid answer (the client resolves the target itself).
   */
  private async chase(query: DecodedPacket, target: string, transport: Transport): Promise<Answer[]> {
    const q = query.questions![0]!;
    const sub = dnsPacket.encode({ type: 'query', id: 0, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: target, type: q.type, class: 'IN' }] });
    try {
      const res = dnsPacket.decode(await this.forwarder.forward(sub, transport));
      return res.answers ?? [];
    } catch (err) {
      this.logger.debug({ err, target }, 'could not resolve an ExternalName target');
      return [];
    }
  }
}
