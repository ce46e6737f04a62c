// The scheduler's view of the cluster: one NodeInfo per node with the pods on it, fed
// by the node and pod informers and by the scheduler's own assumptions. It is updated
// incrementally (never rebuilt per pod) and a scheduling cycle is synchronous, so the
// cycle sees a consistent picture without copying it: the live cache is the snapshot.

import type { Node, Pod } from '../api/types.js';
import { objectKey } from '../api/resources.js';
import { AssumeCache } from './assume-cache.js';
import { NodeInfo } from './node-info.js';
import { makePodInfo } from './pod-info.js';
import type { PodInfo, Snapshot } from './types.js';

/** Pods that have finished hold no resources (kube-scheduler's informer skips them too). */
function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class ClusterSnapshot implements Snapshot {
  private readonly nodes = new Map<string, NodeInfo>();
  /** Nodes that exist (pods may reference a node we have not seen: kept apart). */
  private readonly known = new Set<string>();
  /** pod key → node it is counted on */
  private readonly placement = new Map<string, string>();
  private list: NodeInfo[] | undefined;
  readonly assumed: AssumeCache;

  constructor(opts: { assumeTtlMs?: number } = {}) {
    this.assumed = new AssumeCache(opts.assumeTtlMs);
  }

  // ------------------------------------------------------------- Snapshot

  nodeList(): readonly NodeInfo[] {
    if (!this.list) {
      this.list = [...this.known].sort().map((n) => this.nodes.get(n)!);
    }
    return this.list;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.known.has(nodeName) ? this.nodes.get(nodeName) : undefined;
  }

  get numNodes(): number {
    return this.known.size;
  }

  // ------------------------------------------------------------- nodes

  upsertNode(node: Node): void {
    const name = node.metadata.name ?? '';
    const ni = this.nodes.get(name);
    if (ni) ni.setNode(node);
    else this.nodes.set(name, new NodeInfo(node));
    if (!this.known.has(name)) {
      this.known.add(name);
      this.list = undefined;
    }
  }

  removeNode(name: string): void {
    if (!this.known.delete(name)) return;
    this.list = undefined;
    const ni = this.nodes.get(name);
    // Keep a placeholder while pods still count there (they will be deleted or rebound).
    if (ni && ni.podCount === 0) this.nodes.delete(name);
  }

  // ------------------------------------------------------------- pods

  /** A pod add/update from the informer. */
  upsertPod(pod: Pod): void {
    const key = objectKey(pod);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName || isTerminal(pod)) {
      // Still pending (our own assumption stands until bound) or finished: not counted,
      // unless it is assumed and merely pending in the cache's eyes.
      if (!nodeName && this.assumed.has(key)) return;
      this.assumed.remove(key);
      this.unplace(key);
      return;
    }
    // Bound: the informer is now the truth; an assumption for it is confirmed.
    this.assumed.remove(key);
    this.place(makePodInfo(pod), nodeName);
  }

  removePod(pod: Pod | string): void {
    const key = typeof pod === 'string' ? pod : objectKey(pod);
    this.assumed.remove(key);
    this.unplace(key);
  }

  /** Count pod on nodeName before the binding is confirmed. */
  assume(pi: PodInfo, nodeName: string): void {
    this.assumed.assume(pi.key, nodeName, pi.pod.metadata.uid);
    this.place(pi, nodeName);
  }

  finishBinding(key: string, now: number): void {
    this.assumed.finishBinding(key, now);
  }

  /** Undo an assumption (binding failed). No-op if the informer already confirmed it. */
  forget(key: string): void {
    if (this.assumed.remove(key)) this.unplace(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  /** Drop assumptions whose binding finished long ago but never showed up. Returns their keys. */
  cleanupExpired(now: number): string[] {
    const keys = this.assumed.expired(now);
    for (const k of keys) this.forget(k);
    return keys;
  }

  /** Node a pod is counted on, if any. */
  nodeOf(key: string): string | undefined {
    return this.placement.get(key);
  }

  private place(pi: PodInfo, nodeName: string): void {
    const prev = this.placement.get(pi.key);
    if (prev !== undefined && prev !== nodeName) this.unplace(pi.key);
    let ni = this.nodes.get(nodeName);
    if (!ni) {
      ni = new NodeInfo({ metadata: { name: nodeName }, spec: {} });
      this.nodes.set(nodeName, ni);
    }
    ni.addPod(pi);
    this.placement.set(pi.key, nodeName);
  }

  private unplace(key: string): void {
    const nodeName = this.placement.get(key);
    if (nodeName === undefined) return;
    this.placement.delete(key);
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    ni.removePod(key);
    if (ni.podCount === 0 && !this.known.has(nodeName)) this.nodes.delete(nodeName);
  }
}
