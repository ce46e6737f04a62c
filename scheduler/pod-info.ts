// Builds a PodInfo: the pod plus the figures plugins read (requests, host ports, spread
// key), computed once rather than in every plugin for every node.

import { controllerRef, podRequests } from '../api/meta.js';
import { cpuToMillis, parseQuantity } from '../api/quantity.js';
import { objectKey } from '../api/resources.js';
import type { Container, Pod } from '../api/types.js';
import type { HostPort, PodInfo } from './types.js';

// Kubernetes' defaults for containers without requests, used only for scoring
// (pkg/scheduler/util: DefaultMilliCPURequest, DefaultMemoryRequest).
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return 0;
  }
}

function containerNonZero(c: Container): { cpu: number; memory: number } {
  const cpu = c.resources?.requests?.cpu ?? c.resources?.limits?.cpu;
  const mem = c.resources?.requests?.memory ?? c.resources?.limits?.memory;
  return {
    cpu: cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : safe(() => cpuToMillis(cpu)),
    memory: mem === undefined ? DEFAULT_MEMORY_REQUEST : safe(() => parseQuantity(mem)),
  };
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ protocol: p.protocol ?? 'TCP', ip: p.hostIP || '0.0.0.0', port: p.hostPort });
    }
  }
  return out;
}

/** Owner uid when the pod has a controller; otherwise its label set; none for bare unlabeled pods. */
export function spreadKeyOf(pod: Pod): string | undefined {
  const ref = controllerRef(pod) ?? pod.metadata.ownerReferences?.[0];
  if (ref?.uid) return `owner:${ref.uid}`;
  const labels = pod.metadata.labels;
  if (!labels) return undefined;
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return undefined;
  return `labels:${pod.metadata.namespace ?? ''}:` + keys.map((k) => `${k}=${labels[k]}`).join(',');
}

export function makePodInfo(pod: Pod): PodInfo {
  const requests = podRequests(pod);
  const nonZero = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const r = containerNonZero(c);
    nonZero.cpu += r.cpu;
    nonZero.memory += r.memory;
  }
  return {
    key: objectKey(pod),
    pod,
    requests,
    nonZeroRequests: nonZero,
    hostPorts: hostPortsOf(pod),
    tolerations: pod.spec?.tolerations ?? [],
    spreadKey: spreadKeyOf(pod),
  };
}
