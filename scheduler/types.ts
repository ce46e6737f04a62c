// Shapes shared by the scheduler's framework and plugins. Plugins are pure functions
// over (pod, node, snapshot): no I/O, no clock, no randomness, so each is unit-tested
// with a table of builders and nothing else.

import type { Pod, Toleration } from '../api/types.js';
import type { NodeInfo } from './node-info.js';

/** A filter either passes or names why the node is refused (Kubernetes' wording). */
export type FilterResult = { ok: true } | { ok: false; reasons: string[] };

export const PASS: FilterResult = Object.freeze({ ok: true }) as FilterResult;
export function fail(...reasons: string[]): FilterResult {
  return { ok: false, reasons };
}

/** A host port a pod asks for; ip '0.0.0.0' means every address. */
export interface HostPort {
  protocol: string;
  ip: string;
  port: number;
}

/**
 * A pod with the figures every plugin needs computed once (per scheduling cycle for
 * the pending pod, once per add for pods placed on nodes).
 */
export interface PodInfo {
  key: string;
  pod: Pod;
  /** Sum of requests: cpu in millicores, memory in bytes. */
  requests: { cpu: number; memory: number };
  /**
   * Requests with Kubernetes' non-zero defaults (100m cpu, 200 MB memory) for
   * containers that ask for nothing, so best-effort pods still spread in scoring.
   */
  nonZeroRequests: { cpu: number; memory: number };
  hostPorts: HostPort[];
  tolerations: Toleration[];
  /** Pods with the same key are spread across nodes (owner uid, or label set). */
  spreadKey: string | undefined;
  /** The pod's claims, per node (volume-binding.ts); absent for pods without claims. */
  volumes?: { check(node: import('../api/types.js').Node): string | undefined };
}

/** Read-only view of the cluster a scheduling cycle works on. */
export interface Snapshot {
  /** All nodes, in a stable order (the framework rotates its start index over it). */
  nodeList(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
}

export interface FilterPlugin {
  name: string;
  filter(pod: PodInfo, node: NodeInfo, snapshot: Snapshot): FilterResult;
}

/**
 * How raw scores become 0–100 across the feasible nodes:
 * - 'none': the plugin already returns 0–100 (resource scores),
 * - 'max': score * 100 / max (more is better),
 * - 'reverse': 100 - score * 100 / max (fewer is better: spread counts, bad taints).
 */
export type Normalize = 'none' | 'max' | 'reverse';

export interface ScorePlugin {
  name: string;
  normalize: Normalize;
  score(pod: PodInfo, node: NodeInfo, snapshot: Snapshot): number;
}

export const MAX_NODE_SCORE = 100;
