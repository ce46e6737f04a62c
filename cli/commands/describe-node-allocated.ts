// The "Allocated resources" block of `orch describe node`, as kubectl describe node prints
// it: the CPU and memory requests and limits of the node's non-terminated pods, summed,
// with their share of the Node's allocatable (whole percent, rounded down). A pod's
// request is the larger of its app containers' sum and its largest init container
// (Kubernetes' effective request), plus its overhead.

import { cpuToMillis, formatBytes, formatCpu, parseQuantity } from '../../api/quantity.js';
import type { Container, Node, Pod } from '../../api/types.js';
import { tabbed } from '../printers/tabwriter.js';

type Kind = 'requests' | 'limits';
const RESOURCES = ['cpu', 'memory'] as const;

function amount(resource: (typeof RESOURCES)[number], q: string | number | undefined): number {
  if (q === undefined) return 0;
  return resource === 'cpu' ? cpuToMillis(q) : parseQuantity(q);
}

function podAmount(p: Pod, kind: Kind, resource: (typeof RESOURCES)[number]): number {
  const of = (c: Container) => amount(resource, (c.resources?.[kind] as Record<string, string> | undefined)?.[resource]);
  const apps = (p.spec.containers ?? []).reduce((a, c) => a + of(c), 0);
  const init = Math.max(0, ...(p.spec.initContainers ?? []).map(of));
  const overhead = amount(resource, (p.spec as { overhead?: Record<string, string> }).overhead?.[resource]);
  return Math.max(apps, init) + overhead;
}

export function allocatedResources(node: Node, pods: Pod[]): string {
  const live = pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  const cell = (resource: (typeof RESOURCES)[number], kind: Kind) => {
    const total = live.reduce((a, p) => a + podAmount(p, kind, resource), 0);
    const alloc = amount(resource, node.status?.allocatable?.[resource]);
    const pct = alloc > 0 ? Math.floor((total / alloc) * 100) : 0;
    return `${resource === 'cpu' ? formatCpu(total) : formatBytes(total)} (${pct}%)`;
  };
  const rows = RESOURCES.map((r) => `  ${r}\t${cell(r, 'requests')}\t${cell(r, 'limits')}\n`).join('');
  return `Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n${tabbed(`  Resource\tRequests\tLimits\n  --------\t--------\t------\n${rows}`)}`.replace(/\n$/, '');
}
