// What the scheduler knows about one node: the Node object, the pods placed on it
// (bound or assumed) and running totals, so a filter or score is O(1) per node rather
// than a walk over every pod.

import { cpuToMillis, parseQuantity } from '../api/quantity.js';
import type { Node } from '../api/types.js';
import type { HostPort, PodInfo } from './types.js';

// A node that does not say how many pods it takes gets Kubernetes' kubelet default.
const DEFAULT_MAX_PODS = 110;

function quantity(v: string | undefined, parse: (q: string) => number): number {
  if (v === undefined) return 0;
  try {
    return parse(v);
  } catch {
    return 0;
  }
}

export function portsConflict(a: HostPort, b: HostPort): boolean {
  if (a.port !== b.port || a.protocol !== b.protocol) return false;
  return a.ip === b.ip || a.ip === '0.0.0.0' || b.ip === '0.0.0.0';
}

export class NodeInfo {
  node!: Node;
  name!: string;
  allocatable = { cpu: 0, memory: 0, pods: DEFAULT_MAX_PODS };
  /** Ready condition is True. */
  ready = false;
  readonly pods = new Map<string, PodInfo>();
  readonly requested = { cpu: 0, memory: 0 };
  readonly nonZeroRequested = { cpu: 0, memory: 0 };
  readonly usedPorts: HostPort[] = [];
  /** Pods on this node per spread key (owner uid or label set). */
  readonly spreadCounts = new Map<string, number>();

  constructor(node: Node) {
    this.setNode(node);
  }

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata.name ?? '';
    const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
    this.allocatable = {
      cpu: quantity(alloc.cpu, cpuToMillis),
      memory: quantity(alloc.memory, parseQuantity),
      pods: alloc.pods === undefined ? DEFAULT_MAX_PODS : quantity(alloc.pods, parseQuantity),
    };
    this.ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  addPod(pi: PodInfo): void {
    if (this.pods.has(pi.key)) this.removePod(pi.key);
    this.pods.set(pi.key, pi);
    this.requested.cpu += pi.requests.cpu;
    this.requested.memory += pi.requests.memory;
    this.nonZeroRequested.cpu += pi.nonZeroRequests.cpu;
    this.nonZeroRequested.memory += pi.nonZeroRequests.memory;
    for (const p of pi.hostPorts) this.usedPorts.push(p);
    if (pi.spreadKey) this.spreadCounts.set(pi.spreadKey, (this.spreadCounts.get(pi.spreadKey) ?? 0) + 1);
  }

  removePod(key: string): PodInfo | undefined {
    const pi = this.pods.get(key);
    if (!pi) return undefined;
    this.pods.delete(key);
    this.requested.cpu -= pi.requests.cpu;
    this.requested.memory -= pi.requests.memory;
    this.nonZeroRequested.cpu -= pi.nonZeroRequests.cpu;
    this.nonZeroRequested.memory -= pi.nonZeroRequests.memory;
    for (const p of pi.hostPorts) {
      const i = this.usedPorts.indexOf(p);
      if (i >= 0) this.usedPorts.splice(i, 1);
    }
    if (pi.spreadKey) {
      const n = (this.spreadCounts.get(pi.spreadKey) ?? 1) - 1;
      if (n <= 0) this.spreadCounts.delete(pi.spreadKey);
      else this.spreadCounts.set(pi.spreadKey, n);
    }
    return pi;
  }

  get podCount(): number {
    return this.pods.size;
  }
}
