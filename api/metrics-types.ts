// Resource metrics: the wire format of the agent's /stats/summary (what the apiserver's
// scraper reads) and the metrics.k8s.io/v1beta1 kinds built from it (PodMetrics,
// NodeMetrics, as metrics-server serves them). Pure types and the conversions between
// them, shared by the agent, the apiserver and the CLI.
//
// The summary is a subset of the kubelet's Summary API (stats/v1alpha1: node, pods[],
// podRef, containers[].cpu.usageNanoCores / memory.workingSetBytes), plus the pods'
// labels: the apiserver keeps no pod cache of its own, so the agent, which has its pods
// in its informer, sends what label selectors on PodMetrics need.

import type { ObjectMeta } from './types.js';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

export interface CpuStats {
  /** RFC 3339 time of the sample. */
  time: string;
  /** Average over the window (the last two samples), in nanocores. */
  usageNanoCores: number;
  /** Cumulative CPU time, in nanoseconds. */
  usageCoreNanoSeconds: number;
}

export interface MemoryStats {
  time: string;
  /** Usage minus inactive file pages: what the kernel cannot drop, Kubernetes' figure. */
  workingSetBytes: number;
  usageBytes: number;
}

export interface ContainerSummary {
  name: string;
  cpu: CpuStats;
  memory: MemoryStats;
}

export interface PodSummary {
  podRef: { name: string; namespace: string; uid: string };
  labels?: Record<string, string>;
  containers: ContainerSummary[];
}

export interface NodeSummary {
  node: { nodeName: string; cpu: CpuStats; memory: MemoryStats };
  pods: PodSummary[];
  /** Seconds between the two samples the CPU rates come from. */
  windowSeconds: number;
}

export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}

export interface PodMetrics {
  apiVersion: typeof METRICS_API_VERSION;
  kind: 'PodMetrics';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

export interface NodeMetrics {
  apiVersion: typeof METRICS_API_VERSION;
  kind: 'NodeMetrics';
  metadata: ObjectMeta;
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** Nanocores as metrics-server writes them ("12345n"); memory in Ki as it does. */
export function cpuQuantity(nanoCores: number): string {
  return `${Math.max(0, Math.round(nanoCores))}n`;
}

export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b % 1024 === 0 ? `${b / 1024}Ki` : String(b);
}

/** "5s", "10.5s": a window as a Go duration string (metav1.Duration's JSON). */
export function windowString(seconds: number): string {
  return `${Number(seconds.toFixed(3))}s`;
}
