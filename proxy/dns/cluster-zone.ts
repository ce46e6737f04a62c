// The cluster zone in memory: every record of every Service, kept current from the
// Service and EndpointSlice caches one Service at a time (a change rebuilds only the
// records of the Service it touches), and the lookup that answers a question from it with
// the DNS semantics a resolver relies on:
//   - a name with records of the asked type         → NOERROR + the records
//   - a name with a CNAME (ExternalName)             → NOERROR + the CNAME (the caller chases it)
//   - a name that exists with other types only, or
//     an empty non-terminal (`<ns>.svc.<domain>`)    → NOERROR, no answer, SOA in authority (NODATA)
//   - any other name of the domain                   → NXDOMAIN, SOA in authority
//   - names outside the domain, and reverse names of
//     addresses that are no service's                → forwarded to the node's resolvers

import type { Answer, RecordType } from 'dns-packet';
import { objectKey } from '../../api/resources.js';
import type { EndpointSlice, Service } from '../../api/types.js';
import { ancestorsBelow, canonicalName, inDomain, isReverseName, parsePodName } from './dns-names.js';
import { buildServiceRecords, RECORD_TTL } from './service-records.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** The schema version the zone implements (spec 2.2: TXT dns-version.<domain>). */
export const DNS_SCHEMA_VERSION = '1.1.0';

export type LookupResult =
  | { kind: 'forward' }
  | {
      kind: 'local';
      result: 'answer' | 'nodata' | 'nxdomain';
      answers: Answer[];
      authorities: Answer[];
      additionals: Answer[];
      /** The CNAME target to resolve next (ExternalName pointing outside the zone). */
      chase?: string;
    };

/** Key of the pseudo-owner of the zone's own records (apex NS, the nameserver's addresses). */
const ZONE_OWNER = '#zone';

export class ClusterZone {
  readonly domain: string;
  private readonly services = new Map<string, Service>();
  /** service key → its slices by slice key */
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  /** slice key → the service key it was filed under (its label may change) */
  private readonly sliceOwner = new Map<string, string>();
  /** owner name → service key → records (PTR names may be shared by several services) */
  private readonly names = new Map<string, Map<string, Answer[]>>();
  /** names each service (or the zone itself) contributed, to remove them on the next rebuild */
  private readonly contributed = new Map<string, string[]>();
  /** empty non-terminals: name → how many record names lie below it */
  private readonly ents = new Map<string, number>();
  private serial = 1;
  private readonly listeners: (() => void)[] = [];

  constructor(domain: string) {
    this.domain = canonicalName(domain);
  }

  /** Called after every change (the answer cache drops what it holds). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  // ------------------------------------------------------------------ updates

  setService(svc: Service): void {
    const key = objectKey(svc);
    this.services.set(key, svc);
    this.rebuild(key);
  }

  deleteService(svc: Service): void {
    const key = objectKey(svc);
    this.services.delete(key);
    this.rebuild(key);
  }

  setSlice(slice: EndpointSlice): void {
    const key = objectKey(slice);
    const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    const owner = svcName ? `${slice.metadata.namespace ?? 'default'}/${svcName}` : undefined;
    const before = this.sliceOwner.get(key);
    if (before && before !== owner) this.dropSlice(key, before);
    if (!owner) return;
    this.sliceOwner.set(key, owner);
    let m = this.slices.get(owner);
    if (!m) this.slices.set(owner, (m = new Map()));
    m.set(key, slice);
    this.rebuild(owner);
  }

  deleteSlice(slice: EndpointSlice): void {
    const key = objectKey(slice);
    const owner = this.sliceOwner.get(key);
    if (owner) this.dropSlice(key, owner);
  }

  /** The addresses the zone's nameserver (`ns.dns.<domain>`, the apex NS) answers with. */
  setNameserverAddresses(ips: string[]): void {
    const ns = `ns.dns.${this.domain}`;
    const recs: Answer[] = [{ name: this.domain, type: 'NS', ttl: RECORD_TTL, class: 'IN', data: ns }];
    for (const ip of ips) recs.push({ name: ns, type: ip.includes(':') ? 'AAAA' : 'A', ttl: RECORD_TTL, class: 'IN', data: ip });
    this.replace(ZONE_OWNER, recs);
  }

  private dropSlice(key: string, owner: string): void {
    this.sliceOwner.delete(key);
    const m = this.slices.get(owner);
    m?.delete(key);
    if (m && m.size === 0) this.slices.delete(owner);
    this.rebuild(owner);
  }

  private rebuild(svcKey: string): void {
    const svc = this.services.get(svcKey);
    if (!svc) return this.replace(svcKey, []);
    const built = buildServiceRecords(svc, this.slices.get(svcKey)?.values() ?? [], this.domain);
    this.replace(svcKey, [...built.records, ...built.ptrs]);
  }

  private replace(owner: string, records: Answer[]): void {
    for (const name of this.contributed.get(owner) ?? []) {
      const m = this.names.get(name);
      m?.delete(owner);
      if (m && m.size === 0) {
        this.names.delete(name);
        this.countEnts(name, -1);
      }
    }
    const byName = new Map<string, Answer[]>();
    for (const r of records) {
      const list = byName.get(r.name) ?? [];
      list.push(r);
      byName.set(r.name, list);
    }
    for (const [name, recs] of byName) {
      let m = this.names.get(name);
      if (!m) {
        this.names.set(name, (m = new Map()));
        this.countEnts(name, +1);
      }
      m.set(owner, recs);
    }
    if (byName.size) this.contributed.set(owner, [...byName.keys()]);
    else this.contributed.delete(owner);
    this.serial = (this.serial + 1) >>> 0 || 1;
    for (const fn of this.listeners) fn();
  }

  private countEnts(name: string, delta: number): void {
    if (!inDomain(name, this.domain)) return;
    for (const anc of ancestorsBelow(name, this.domain)) {
      const n = (this.ents.get(anc) ?? 0) + delta;
      if (n > 0) this.ents.set(anc, n);
      else this.ents.delete(anc);
    }
  }

  // ------------------------------------------------------------------ lookups

  soa(): Answer {
    return {
      name: this.domain,
      type: 'SOA',
      ttl: RECORD_TTL,
      class: 'IN',
      // minimum = how long a resolver may cache a negative answer (RFC 2308): as short as the records.
      data: { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: RECORD_TTL },
    };
  }

  private recordsAt(name: string): Answer[] | undefined {
    const m = this.names.get(name);
    if (!m) return undefined;
    const out: Answer[] = [];
    for (const recs of m.values()) out.push(...recs);
    return out;
  }

  /** Whether name exists in the zone (records, or names below it). */
  private exists(name: string): boolean {
    return name === this.domain || this.names.has(name) || this.ents.has(name) || name === `svc.${this.domain}` || name === `pod.${this.domain}`;
  }

  lookup(qname: string, qtype: RecordType | string): LookupResult {
    const name = canonicalName(qname);
    if (isReverseName(name)) {
      const recs = this.recordsAt(name);
      if (!recs) return { kind: 'forward' };
      return this.answer(name, qname, qtype, recs);
    }
    if (!inDomain(name, this.domain)) return { kind: 'forward' };

    if (name === this.domain) {
      return this.answer(name, qname, qtype, [this.soa(), ...(this.recordsAt(name) ?? [])]);
    }
    if (name === `dns-version.${this.domain}`) {
      return this.answer(name, qname, qtype, [{ name, type: 'TXT', ttl: RECORD_TTL, class: 'IN', data: DNS_SCHEMA_VERSION }]);
    }
    const pod = parsePodName(name, this.domain);
    if (pod) return this.answer(name, qname, qtype, [{ name, type: pod.family === 6 ? 'AAAA' : 'A', ttl: RECORD_TTL, class: 'IN', data: pod.ip }]);
    // `<ns>.pod.<domain>` exists as the parent of every pod name.
    if (name.endsWith(`.pod.${this.domain}`) && name.slice(0, -`.pod.${this.domain}`.length).indexOf('.') < 0) return this.negative('nodata');

    const recs = this.recordsAt(name);
    if (recs) return this.answer(name, qname, qtype, recs);
    return this.negative(this.exists(name) ? 'nodata' : 'nxdomain');
  }

  private negative(result: 'nodata' | 'nxdomain'): LookupResult {
    return { kind: 'local', result, answers: [], authorities: [this.soa()], additionals: [] };
  }

  private answer(name: string, qname: string, qtype: string, recs: Answer[]): LookupResult {
    // Answers carry the name as the client spelled it (resolvers that randomise case check it).
    const asAsked = (r: Answer): Answer => (r.name === name ? ({ ...r, name: qname.replace(/\.$/, '') } as Answer) : r);
    const matching = recs.filter((r) => r.type === qtype || qtype === 'ANY');
    if (matching.length) return { kind: 'local', result: 'answer', answers: matching.map(asAsked), authorities: [], additionals: this.additionalsFor(matching) };
    const cname = recs.find((r) => r.type === 'CNAME');
    if (cname) return this.followCname(asAsked(cname), qtype, 0);
    return this.negative('nodata');
  }

  /** A CNAME's target inside the zone is answered from it; outside, the caller resolves it. */
  private followCname(cname: Answer, qtype: string, depth: number): LookupResult {
    const target = canonicalName((cname as { data: string }).data);
    if (!inDomain(target, this.domain) || depth >= 8) {
      return { kind: 'local', result: 'answer', answers: [cname], authorities: [], additionals: [], chase: inDomain(target, this.domain) ? undefined : target };
    }
    const next = this.lookup(target, qtype);
    if (next.kind !== 'local') return { kind: 'local', result: 'answer', answers: [cname], authorities: [], additionals: [] };
    // The CNAME is an answer even when its target has none (RFC 1034 4.3.2): rcode of the target.
    return { ...next, result: next.result === 'nxdomain' ? 'nxdomain' : 'answer', answers: [cname, ...next.answers] };
  }

  /** SRV answers bring the addresses of their targets along (spec 2.3.2 / 2.4.2). */
  private additionalsFor(answers: Answer[]): Answer[] {
    const targets = new Set<string>();
    for (const r of answers) if (r.type === 'SRV') targets.add(r.data.target);
    const out: Answer[] = [];
    for (const target of targets) for (const t of this.recordsAt(target) ?? []) if (t.type === 'A' || t.type === 'AAAA') out.push(t);
    return out;
  }
}
