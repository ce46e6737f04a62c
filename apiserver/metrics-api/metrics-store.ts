// The apiserver's in-memory store of resource metrics (metrics.k8s.io), what
// metrics-server keeps: the latest summary of every node, turned into PodMetrics and
// NodeMetrics objects once, when the summary arrives (a GET of 10,000 pods then only
// filters and serializes). Nothing here is ever written to etcd; a restarted apiserver
// has figures again after its first scrape. A node's figures go when the node goes or
// when they are older than `maxAgeMs` (an agent that stopped answering).

import {
  cpuQuantity,
  memoryQuantity,
  METRICS_API_VERSION,
  windowString,
  type NodeMetrics,
  type NodeSummary,
  type PodMetrics,
} from '../../api/metrics-types.js';

interface NodeEntry {
  receivedAt: number;
  node: NodeMetrics;
  /** `namespace/name` → PodMetrics. */
  pods: Map<string, PodMetrics>;
}

/** Ordinal order (as Kubernetes sorts keys): much cheaper than localeCompare on 10,000 items. */
const ordinal = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** JSON of each object, made once: a list of 10,000 is then a join, not 10,000 serializations. */
const JSON_OF = new WeakMap<object, string>();
export function jsonOf(o: PodMetrics | NodeMetrics): string {
  let j = JSON_OF.get(o);
  if (j === undefined) JSON_OF.set(o, (j = JSON.stringify(o)));
  return j;
}

export class ResourceMetricsStore {
  private readonly nodes = new Map<string, NodeEntry>();
  /** Every pod's figures in order, rebuilt on the first list after a change. */
  private sortedPods: PodMetrics[] | undefined;

  constructor(
    private readonly now: () => number = Date.now,
    /** Figures older than this are not served (default 3 minutes: several missed scrapes). */
    private readonly maxAgeMs = 180_000,
  ) {}

  /** The figures of one node (from its agent, with the Node's labels), replacing the previous ones. */
  ingest(nodeName: string, s: NodeSummary, nodeLabels?: Record<string, string>): void {
    const window = windowString(s.windowSeconds);
    const created = new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const node: NodeMetrics = {
      apiVersion: METRICS_API_VERSION,
      kind: 'NodeMetrics',
      // The Node's labels, so `kubectl top node -l` selects on the metrics as on the Nodes.
      metadata: { name: nodeName, creationTimestamp: created, ...(nodeLabels ? { labels: nodeLabels } : {}) },
      timestamp: s.node.cpu.time,
      window,
      usage: { cpu: cpuQuantity(s.node.cpu.usageNanoCores), memory: memoryQuantity(s.node.memory.workingSetBytes) },
    };
    const pods = new Map<string, PodMetrics>();
    for (const p of s.pods) {
      const { name, namespace } = p.podRef;
      pods.set(`${namespace}/${name}`, {
        apiVersion: METRICS_API_VERSION,
        kind: 'PodMetrics',
        metadata: { name, namespace, creationTimestamp: created, ...(p.labels ? { labels: p.labels } : {}) },
        timestamp: p.containers[0]?.cpu.time ?? s.node.cpu.time,
        window,
        containers: p.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpu.usageNanoCores), memory: memoryQuantity(c.memory.workingSetBytes) } })),
      });
    }
    this.nodes.set(nodeName, { receivedAt: this.now(), node, pods });
    this.sortedPods = undefined;
  }

  /** Forget a node (deleted, or its agent stopped answering for good). */
  forget(nodeName: string): void {
    this.nodes.delete(nodeName);
    this.sortedPods = undefined;
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  private fresh(): NodeEntry[] {
    const cutoff = this.now() - this.maxAgeMs;
    return [...this.nodes.values()].filter((e) => e.receivedAt >= cutoff);
  }

  getNode(name: string): NodeMetrics | undefined {
    const e = this.nodes.get(name);
    return e && e.receivedAt >= this.now() - this.maxAgeMs ? e.node : undefined;
  }

  listNodes(): NodeMetrics[] {
    return this.fresh()
      .map((e) => e.node)
      .sort((a, b) => ordinal(a.metadata.name!, b.metadata.name!));
  }

  getPod(namespace: string, name: string): PodMetrics | undefined {
    const key = `${namespace}/${name}`;
    // A pod moved between nodes (deleted and re-created): the newest figures win.
    let best: { at: number; pod: PodMetrics } | undefined;
    for (const e of this.fresh()) {
      const p = e.pods.get(key);
      if (p && (!best || e.receivedAt > best.at)) best = { at: e.receivedAt, pod: p };
    }
    return best?.pod;
  }

  /** Every pod's figures (of one namespace when given), sorted by namespace then name. */
  listPods(namespace?: string): PodMetrics[] {
    // Staleness is checked per call (cheap: one entry per node); the order is cached.
    const stale = new Set(this.staleNodes());
    if (!this.sortedPods || stale.size > 0) {
      const out: { node: string; pod: PodMetrics }[] = [];
      for (const [node, e] of this.nodes) for (const p of e.pods.values()) out.push({ node, pod: p });
      out.sort((a, b) => ordinal(a.pod.metadata.namespace!, b.pod.metadata.namespace!) || ordinal(a.pod.metadata.name!, b.pod.metadata.name!));
      this.sortedPods = out.filter((x) => !stale.has(x.node)).map((x) => x.pod);
      if (stale.size > 0) for (const n of stale) this.nodes.delete(n);
    }
    return namespace === undefined ? this.sortedPods : this.sortedPods.filter((p) => p.metadata.namespace === namespace);
  }

  private staleNodes(): string[] {
    const cutoff = this.now() - this.maxAgeMs;
    return [...this.nodes].filter(([, e]) => e.receivedAt < cutoff).map(([n]) => n);
  }
}
