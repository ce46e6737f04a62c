// The claim plan of one Service write (storage/types.ts WriteClaims): fills in what the
// client left to the apiserver (clusterIP(s), ipFamilies, ipFamilyPolicy, nodePorts,
// healthCheckNodePort), checks what it gave (inside the ranges), and names the keys to
// claim and release in the write's transaction. Planned again on every attempt, from the
// object as the client sent it: a value picked on an attempt that lost a race is not
// mistaken for one the client asked for.

import { errors, type StatusCause } from '../../api/errors.js';
import { deepClone } from '../../api/meta.js';
import { parseIp } from '../../api/net/cidr.js';
import type { KubeObject, Service, ServicePort } from '../../api/types.js';
import { fe } from '../../api/validation/field-errors.js';
import type { ClaimPlan, HeldKey, WriteClaims } from '../storage/types.js';
import { ipKey, nodePortKey, ownerValue, type ServiceAllocator } from './service-allocator.js';
import { ipAt, type ClusterIPRange } from './service-ranges.js';

type Spec = Service['spec'];
type FamilyName = 'IPv4' | 'IPv6';

const familyName = (f: 4 | 6): FamilyName => (f === 4 ? 'IPv4' : 'IPv6');

interface Explicit {
  field: string;
  value: string | number;
  what: 'IP' | 'port';
}

/** A write's claims; one instance per write (it remembers what the client gave). */
export class ServiceClaims implements WriteClaims {
  private explicit = new Map<string, Explicit>();
  private name = '';

  constructor(private readonly alloc: ServiceAllocator) {}

  async plan(prev: KubeObject | undefined, next: KubeObject | undefined): Promise<ClaimPlan> {
    const held = this.alloc.heldKeys(prev);
    if (!next) return { object: undefined, claim: [], release: held };
    const obj = deepClone(next) as Service;
    this.name = obj.metadata.name ?? '';
    const spec: Spec = obj.spec ?? (obj.spec = {});
    const heldSet = new Set(held.map((h) => h.key));
    const prevValues = rawValues(prev);
    const wanted = new Set<string>();
    const causes: StatusCause[] = [];
    this.explicit = new Map();
    const ctx: Ctx = { heldSet, prevValues, wanted, causes };
    await this.clusterIPs(spec, ctx);
    await this.nodePorts(spec, ctx);
    if (causes.length > 0) throw errors.invalid('Service', this.name, causes);
    const value = ownerValue(obj);
    const claim: HeldKey[] = [...wanted].filter((k) => !heldSet.has(k)).map((key) => ({ key, value }));
    const release = held.filter((h) => !wanted.has(h.key));
    for (const c of claim) this.alloc.noteClaimed(c.key);
    for (const r of release) this.alloc.noteReleased(r.key);
    return { object: obj, claim, release };
  }

  taken(keys: string[]): void {
    const causes: StatusCause[] = [];
    for (const key of keys) {
      const e = this.explicit.get(key);
      if (e) causes.push(fe.invalid(e.field, e.value, `provided ${e.what} is already allocated`));
      else this.alloc.noteClaimed(key); // picked from a stale view: note it, pick again
    }
    if (causes.length > 0) throw errors.invalid('Service', this.name, causes);
  }

  private async clusterIPs(spec: Spec, ctx: Ctx): Promise<void> {
    const ranges = this.alloc.ranges.clusterIPs;
    if (spec.type === 'ExternalName') return;
    const given = (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : []).filter((s) => s !== '');
    const policy = spec.ipFamilyPolicy ?? 'SingleStack';
    if (!['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(policy)) {
      ctx.causes.push(fe.notSupported('spec.ipFamilyPolicy', policy, ['SingleStack', 'PreferDualStack', 'RequireDualStack']));
      return;
    }
    const dual = policy !== 'SingleStack';
    if (policy === 'RequireDualStack' && ranges.length < 2) {
      ctx.causes.push(fe.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
      return;
    }
    const families = this.families(spec, given, dual, ctx);
    if (!families) return;
    if (given[0] === 'None') {
      // Headless: no address, but the families say which addresses DNS answers with.
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      spec.ipFamilyPolicy = policy;
      spec.ipFamilies = families.map(familyName);
      return;
    }
    const ips: string[] = [];
    for (let i = 0; i < families.length; i++) {
      const field = i === 0 ? 'spec.clusterIP' : `spec.clusterIPs[${i}]`;
      const range = ranges.find((r) => r.family === families[i])!;
      const ip = given[i];
      if (ip !== undefined) {
        ips.push(ip);
        this.want(ipKey(ip), ctx, { field, value: ip, what: 'IP' }, this.alloc.spaceForIp(ip) !== undefined, `provided IP is not in the valid range. The range of valid IPs is ${range.text}`);
        continue;
      }
      const picked = await this.pickIp(range, ctx);
      if (picked === undefined) return;
      ips.push(picked);
    }
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
    spec.ipFamilyPolicy = policy;
    spec.ipFamilies = families.map(familyName);
  }

  /** The families of the Service's addresses, from its IPs, its ipFamilies, its policy and the ranges. */
  private families(spec: Spec, given: string[], dual: boolean, ctx: Ctx): (4 | 6)[] | undefined {
    const configured = this.alloc.ranges.clusterIPs.map((r) => r.family);
    const asked = Array.isArray(spec.ipFamilies) ? spec.ipFamilies : [];
    let fams: (4 | 6)[] = [];
    let bad = false;
    asked.forEach((f, i) => {
      const fam = f === 'IPv4' ? 4 : f === 'IPv6' ? 6 : undefined;
      if (fam === undefined) {
        ctx.causes.push(fe.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
        bad = true;
      } else if (!configured.includes(fam)) {
        // PreferDualStack asks for a second family only if there is one.
        if (!(policy(spec) === 'PreferDualStack' && i > 0)) {
          ctx.causes.push(fe.invalid(`spec.ipFamilies[${i}]`, f, `not configured on this cluster (--service-cluster-ip-range is ${this.alloc.ranges.clusterIPs.map((r) => r.text).join(',')})`));
          bad = true;
        }
      } else fams.push(fam);
    });
    if (given[0] !== 'None') {
      given.forEach((ip, i) => {
        const fam = parseIp(ip)?.family;
        if (fam === undefined) return; // validation names a malformed IP
        if (fams[i] !== undefined && fams[i] !== fam) {
          ctx.causes.push(fe.invalid(`spec.ipFamilies[${i}]`, asked[i], `must match the IP family of clusterIPs[${i}]`));
          bad = true;
        }
        fams[i] = fam;
      });
    }
    if (bad) return undefined;
    if (fams.length === 0) fams = [configured[0]!];
    if (!dual && fams.length > 1) {
      ctx.causes.push(fe.invalid('spec.ipFamilyPolicy', 'SingleStack', 'must be RequireDualStack or PreferDualStack when multiple IP families are specified'));
      return undefined;
    }
    if (dual && fams.length === 1) {
      const other = configured.find((f) => f !== fams[0]);
      if (other !== undefined) fams.push(other);
    }
    return fams;
  }

  private async nodePorts(spec: Spec, ctx: Ctx): Promise<void> {
    const type = spec.type ?? 'ClusterIP';
    const allocate = type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const ports: ServicePort[] = Array.isArray(spec.ports) ? spec.ports : [];
    // The same node port may serve the TCP and the UDP side of one port number.
    const protocolsOf = new Map<number, Set<string>>();
    const byServicePort = new Map<number, number>();
    const range = `The range of valid ports is ${this.alloc.ranges.nodePorts.text}`;
    for (let i = 0; i < ports.length; i++) {
      const p = ports[i];
      // A port that is not an object is validation's to report (422), not a crash here.
      if (typeof p !== 'object' || p === null) continue;
      const protocol = p.protocol ?? 'TCP';
      const field = `spec.ports[${i}].nodePort`;
      if (typeof p.nodePort === 'number' && p.nodePort !== 0) {
        const protos = protocolsOf.get(p.nodePort) ?? new Set<string>();
        if (protos.has(protocol)) {
          ctx.causes.push(fe.duplicate(field, p.nodePort));
          continue;
        }
        const first = protos.size === 0;
        protos.add(protocol);
        protocolsOf.set(p.nodePort, protos);
        byServicePort.set(p.port, p.nodePort);
        if (first) this.want(nodePortKey(p.nodePort), ctx, { field, value: p.nodePort, what: 'port' }, this.alloc.inNodePortRange(p.nodePort), `provided port is not in the valid range. ${range}`, p.nodePort);
        continue;
      }
      if (!allocate) continue;
      const sibling = byServicePort.get(p.port);
      if (sibling !== undefined && !protocolsOf.get(sibling)?.has(protocol)) {
        p.nodePort = sibling;
        protocolsOf.get(sibling)!.add(protocol);
        continue;
      }
      const n = await this.pickPort(field, ctx);
      if (n === undefined) return;
      p.nodePort = n;
      protocolsOf.set(n, new Set([protocol]));
      byServicePort.set(p.port, n);
    }
    // Kubernetes allocates a health check port for LoadBalancer Services that keep
    // traffic on the node (externalTrafficPolicy Local); orch does the same.
    const wantsHealth = type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
    if (!wantsHealth) return;
    const hc = spec.healthCheckNodePort;
    const field = 'spec.healthCheckNodePort';
    if (typeof hc === 'number' && hc !== 0) {
      if (protocolsOf.has(hc)) ctx.causes.push(fe.duplicate(field, hc));
      else this.want(nodePortKey(hc), ctx, { field, value: hc, what: 'port' }, this.alloc.inNodePortRange(hc), `provided port is not in the valid range. ${range}`, hc);
      return;
    }
    const n = await this.pickPort(field, ctx);
    if (n !== undefined) spec.healthCheckNodePort = n;
  }

  /** A value the client gave: held already, kept from before a range change, or a new claim. */
  private want(key: string, ctx: Ctx, e: Explicit, inRange: boolean, outOfRange: string, raw: string | number = e.value): void {
    if (ctx.heldSet.has(key)) {
      ctx.wanted.add(key);
      return;
    }
    if (!inRange) {
      // An address or port the Service had before the range changed stays, holding no key.
      if (!ctx.prevValues.has(String(raw))) ctx.causes.push(fe.invalid(e.field, e.value, outOfRange));
      return;
    }
    if (ctx.wanted.has(key)) {
      ctx.causes.push(fe.duplicate(e.field, e.value));
      return;
    }
    ctx.wanted.add(key);
    this.explicit.set(key, e);
  }

  private async pickIp(range: ClusterIPRange, ctx: Ctx): Promise<string | undefined> {
    const s = this.alloc.ipSpaces.find((x) => x.range === range)!.space;
    const key = await s.pick(ctx.wanted);
    if (key === undefined) {
      throw errors.invalid('Service', this.name, [fe.invalid('spec.clusterIP', '', `no addresses left: the service cluster IP range ${range.text} is full (${s.inUse()} of ${s.size} in use)`)]);
    }
    ctx.wanted.add(key);
    return ipAt(range, s.offsetOf(key)!);
  }

  private async pickPort(field: string, ctx: Ctx): Promise<number | undefined> {
    const s = this.alloc.nodePorts;
    const key = await s.pick(ctx.wanted);
    if (key === undefined) {
      ctx.causes.push(fe.invalid(field, 0, `no node ports left: the service node port range ${this.alloc.ranges.nodePorts.text} is full (${s.inUse()} of ${s.size} in use)`));
      return undefined;
    }
    ctx.wanted.add(key);
    return Number(s.offsetOf(key));
  }
}

interface Ctx {
  heldSet: Set<string>;
  prevValues: Set<string>;
  wanted: Set<string>;
  causes: StatusCause[];
}

function policy(spec: Spec): string {
  return spec.ipFamilyPolicy ?? 'SingleStack';
}

/** Every clusterIP and node port the stored Service had, in or out of the ranges. */
function rawValues(prev: KubeObject | undefined): Set<string> {
  const out = new Set<string>();
  const spec = (prev as Service | undefined)?.spec;
  if (!spec) return out;
  for (const ip of [spec.clusterIP, ...(spec.clusterIPs ?? [])]) if (typeof ip === 'string') out.add(ip);
  for (const p of spec.ports ?? []) if (typeof p?.nodePort === 'number') out.add(String(p.nodePort));
  if (typeof spec.healthCheckNodePort === 'number') out.add(String(spec.healthCheckNodePort));
  return out;
}
