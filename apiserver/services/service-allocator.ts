// What a Service holds in etcd besides itself: one key per ClusterIP
// (/registry/ranges/serviceips/<ip>) and one per node port
// (/registry/ranges/servicenodeports/<port>, healthCheckNodePort included), each with
// the owner's namespace/name/uid as value. The keys of this apiserver's ranges only:
// a value outside them (kept from before a range change) holds no key.

import type { KubeObject, Service } from '../../api/types.js';
import { formatIp, parseIp } from '../../api/net/cidr.js';
import type { HeldKey, RawKeyStorage } from '../storage/types.js';
import { KeySpace } from './key-space.js';
import { ipAt, kubernetesServiceIP, offsetOf, type ClusterIPRange, type ServiceRanges } from './service-ranges.js';

export const SERVICE_IPS_PREFIX = '/registry/ranges/serviceips/';
export const NODE_PORTS_PREFIX = '/registry/ranges/servicenodeports/';

export function ipKey(ip: string): string {
  const p = parseIp(ip);
  // The canonical spelling, so "fd00::0a" and "fd00::a" are one key.
  return SERVICE_IPS_PREFIX + (p ? formatIp(p.family, p.value) : ip);
}

export function nodePortKey(port: number): string {
  return NODE_PORTS_PREFIX + String(port);
}

export function ownerValue(obj: KubeObject): string {
  return JSON.stringify({ namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid });
}

export class ServiceAllocator {
  readonly ipSpaces: { range: ClusterIPRange; space: KeySpace }[];
  readonly nodePorts: KeySpace;

  constructor(
    readonly ranges: ServiceRanges,
    storage: RawKeyStorage,
  ) {
    this.ipSpaces = ranges.clusterIPs.map((range) => ({
      range,
      space: new KeySpace({
        storage,
        prefix: SERVICE_IPS_PREFIX,
        first: range.first,
        last: range.last,
        keyAt: (off) => ipKey(ipAt(range, off)),
        offsetOf: (key) => (key.startsWith(SERVICE_IPS_PREFIX) ? offsetOf(range, key.slice(SERVICE_IPS_PREFIX.length)) : undefined),
        // The first usable address is the `kubernetes` Service's alone.
        reserved: [1n],
      }),
    }));
    const np = ranges.nodePorts;
    this.nodePorts = new KeySpace({
      storage,
      prefix: NODE_PORTS_PREFIX,
      first: BigInt(np.base),
      last: BigInt(np.max),
      keyAt: (off) => nodePortKey(Number(off)),
      offsetOf: (key) => {
        const n = key.startsWith(NODE_PORTS_PREFIX) ? Number(key.slice(NODE_PORTS_PREFIX.length)) : NaN;
        return Number.isInteger(n) && n >= np.base && n <= np.max ? BigInt(n) : undefined;
      },
    });
  }

  kubernetesIP(): string {
    return kubernetesServiceIP(this.ranges.clusterIPs[0]!);
  }

  spaceForIp(ip: string): KeySpace | undefined {
    return this.ipSpaces.find((s) => offsetOf(s.range, ip) !== undefined)?.space;
  }

  inNodePortRange(port: number): boolean {
    return port >= this.ranges.nodePorts.base && port <= this.ranges.nodePorts.max;
  }

  /** The keys a stored Service holds (values inside this apiserver's ranges). */
  heldKeys(obj: KubeObject | undefined): HeldKey[] {
    if (!obj) return [];
    const spec = (obj as Service).spec ?? {};
    const keys = new Set<string>();
    if (spec.type !== 'ExternalName') {
      const ips = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
      for (const ip of ips) if (typeof ip === 'string' && this.spaceForIp(ip)) keys.add(ipKey(ip));
    }
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    for (const p of ports) if (p && typeof p.nodePort === 'number' && this.inNodePortRange(p.nodePort)) keys.add(nodePortKey(p.nodePort));
    if (typeof spec.healthCheckNodePort === 'number' && this.inNodePortRange(spec.healthCheckNodePort)) keys.add(nodePortKey(spec.healthCheckNodePort));
    const value = ownerValue(obj);
    return [...keys].map((key) => ({ key, value }));
  }

  /** Notes what a write planned, so this apiserver's view follows its own writes. */
  noteClaimed(key: string): void {
    this.spaceOfKey(key)?.noteUsed(key);
  }

  noteReleased(key: string): void {
    this.spaceOfKey(key)?.noteFree(key);
  }

  private spaceOfKey(key: string): KeySpace | undefined {
    if (key.startsWith(NODE_PORTS_PREFIX)) return this.nodePorts;
    return this.ipSpaces.find((s) => s.space.offsetOf(key) !== undefined)?.space;
  }
}
