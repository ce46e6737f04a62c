// Node lifecycle controller: notices nodes whose agent stopped heartbeating, taints
// them, and evicts their pods so owners recreate them elsewhere.
//
// Health is observed-time based (as in Kubernetes): what counts is when *we* last saw
// the node's Lease renewTime (or its Ready heartbeat) change, on our own clock, so clock
// skew between hosts cannot make a node look dead or alive.
//
// Decisions (documented in the final report and docs):
// - Lease stale for longer than the grace period → Ready=Unknown (NodeStatusUnknown) and
//   taint node.kubernetes.io/unreachable:NoExecute. Agent-reported Ready=False → taint
//   node.kubernetes.io/not-ready:NoExecute. When heartbeats resume, a Ready=Unknown we
//   set is turned back to True (reason NodeStatusRecovered; the agent's next report
//   overrides it) and the taints are removed.
// - Pods without a matching toleration are deleted gracefully after the eviction timeout
//   (a matching toleration's tolerationSeconds wins). Like Kubernetes, pods on an
//   unreachable node stay Terminating until its agent returns and confirms; their
//   ReplicaSets replace them at once because terminating pods do not count. Pods bound
//   to a Node object that was deleted are force-deleted (gracePeriodSeconds 0): no agent
//   will ever confirm them.
// - Eviction rate: one token per node in a bucket of `evictionBurst` (1) refilled at
//   `evictionRate` nodes/s (1/s; Kubernetes uses 0.1/s, too slow for orch's failover
//   target). If more than 55% of at least 3 nodes are unhealthy the rate
//   drops to `secondaryEvictionRate` (0.01/s); if every node is unhealthy evictions stop
//   entirely ("full disruption": far more likely the control plane lost the network
//   than every host died at once).

import type { Lease, Node, Pod } from '../../api/types.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import { isoSeconds, type Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { deepClone } from '../shared/objects.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { TokenBucket } from './rate-limiter.js';
import { desiredTaintKey, evictionDeadline, readyCondition, reconcileTaints, TAINT_NOT_READY, TAINT_UNREACHABLE } from './taints.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Where agents before kube-node-lease renewed their Lease: still read, for a cluster upgraded control plane first. */
export const LEGACY_NODE_LEASE_NAMESPACE = 'orch-node-lease';
/** The one key of this controller: a pass looks at every node (the monitor is periodic). */
export const MONITOR_KEY = 'nodes';
const NODE_NAME_INDEX = 'nodeName';

export interface NodeLifecycleOptions {
  gracePeriodMs: number;
  podEvictionTimeoutMs: number;
  monitorPeriodMs: number;
  evictionRate: number;
  evictionBurst: number;
  secondaryEvictionRate: number;
  unhealthyThreshold: number;
  /** A deleted node's pods are force-deleted after this long. */
  orphanPodGraceMs: number;
}

export const DEFAULT_NODE_LIFECYCLE_OPTIONS: NodeLifecycleOptions = {
  gracePeriodMs: 8_000,
  podEvictionTimeoutMs: 4_000,
  monitorPeriodMs: 1_000,
  evictionRate: 1,
  evictionBurst: 1,
  secondaryEvictionRate: 0.01,
  unhealthyThreshold: 0.55,
  orphanPodGraceMs: 5_000,
};

export type DisruptionMode = 'normal' | 'partial' | 'full';

export interface NodeLifecycleDeps {
  client: Client;
  nodes: InformerView<Node>;
  leases: InformerView<Lease>;
  pods: InformerView<Pod>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  options?: Partial<NodeLifecycleOptions>;
  /** The manager's work queue: the monitor key is added once and then comes back every monitor period. */
  queue: QueueView;
}

interface Probe {
  renewTime?: string;
  heartbeat?: string;
  observedAt: number;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'nodelifecycle';
  readonly opts: NodeLifecycleOptions;
  private readonly probes = new Map<string, Probe>();
  private readonly admitted = new Set<string>();
  private readonly deletedNodes = new Map<string, number>();
  private readonly bucket: TokenBucket;
  mode: DisruptionMode = 'normal';

  /** The Ready status each node last reported (a change triggers a pass). */
  private readonly lastReady = new Map<string, string | undefined>();
  /** Nodes whose Lease was seen in NODE_LEASE_NAMESPACE. */
  private readonly modernLease = new Set<string>();

  constructor(private readonly deps: NodeLifecycleDeps) {
    this.opts = { ...DEFAULT_NODE_LIFECYCLE_OPTIONS, ...(deps.options ?? {}) };
    this.bucket = new TokenBucket(this.opts.evictionRate, this.opts.evictionBurst, deps.clock.now());
    deps.queue.add(MONITOR_KEY);
    deps.pods.addIndex(NODE_NAME_INDEX, (p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
    deps.leases.addEventHandler({
      onAdd: (l) => this.observeLease(l),
      onUpdate: (_o, l) => this.observeLease(l),
    });
    deps.nodes.addEventHandler({
      onAdd: (n) => this.observeNode(n),
      onUpdate: (_o, n) => this.observeNode(n),
      onDelete: (n) => {
        this.probes.delete(n.metadata.name!);
        this.lastReady.delete(n.metadata.name!);
        this.admitted.delete(n.metadata.name!);
        this.deletedNodes.set(n.metadata.name!, this.deps.clock.now());
      },
    });
  }

  private observeLease(l: Lease): void {
    const name = l.metadata.name!;
    if (l.metadata.namespace === NODE_LEASE_NAMESPACE) this.modernLease.add(name);
    // A node's old-namespace Lease counts only until its agent renews the new one: a stale
    // copy left behind by the upgrade must never make a dead node look alive.
    else if (l.metadata.namespace !== LEGACY_NODE_LEASE_NAMESPACE || this.modernLease.has(name)) return;
    const p = this.probes.get(name);
    const renew = l.spec.renewTime ?? undefined;
    if (!p) this.probes.set(name, { renewTime: renew, observedAt: this.deps.clock.now() });
    else if (p.renewTime !== renew) {
      p.renewTime = renew;
      p.observedAt = this.deps.clock.now();
    }
  }

  private observeNode(n: Node): void {
    const name = n.metadata.name!;
    this.deletedNodes.delete(name);
    // A Ready change reported by the agent is acted on at once, not at the next monitor
    // period: a node that just became Ready (its pod network is up) loses its not-ready
    // taint right away, so the scheduler can use it (orch up returns when nodes are Ready).
    const ready = readyCondition(n)?.status;
    const before = this.lastReady.get(name);
    this.lastReady.set(name, ready);
    if (before !== undefined && before !== ready) this.deps.queue.add(MONITOR_KEY);
    const hb = readyCondition(n)?.lastHeartbeatTime;
    const p = this.probes.get(name);
    if (!p) this.probes.set(name, { heartbeat: hb, observedAt: this.deps.clock.now() });
    else if (hb && p.heartbeat !== hb) {
      p.heartbeat = hb;
      p.observedAt = this.deps.clock.now();
    }
  }

  /**
   * One monitor pass, then the next one a monitor period later. A failed pass throws: the
   * loop retries it with backoff, which the manager caps at the monitor period (a lost
   * write is tried again soon, a long API outage never slows the monitor down further).
   */
  async reconcile(_key: string): Promise<Result> {
    await this.monitor();
    return requeueAfter(this.opts.monitorPeriodMs);
  }

  /** One pass: node health → conditions and taints → disruption mode → evictions. */
  async monitor(): Promise<void> {
    const now = this.deps.clock.now();
    const nodes = this.deps.nodes.list();
    let unhealthy = 0;
    const tainted: Node[] = [];
    for (const cached of nodes) {
      const node = await this.updateHealth(cached, now);
      if (readyCondition(node)?.status !== 'True') unhealthy++;
      if (node.spec.taints?.some((t) => t.effect === 'NoExecute' && (t.key === TAINT_UNREACHABLE || t.key === TAINT_NOT_READY))) tainted.push(node);
      else this.admitted.delete(node.metadata.name!);
    }
    this.mode = nodes.length > 0 && unhealthy === nodes.length ? 'full' : nodes.length >= 3 && unhealthy / nodes.length > this.opts.unhealthyThreshold ? 'partial' : 'normal';
    this.bucket.setRate(this.mode === 'partial' ? this.opts.secondaryEvictionRate : this.opts.evictionRate, now);
    if (this.mode !== 'full') for (const node of tainted) await this.evictPods(node, now);
    await this.forceDeleteOrphans(now);
  }

  private async updateHealth(node: Node, now: number): Promise<Node> {
    const name = node.metadata.name!;
    let probe = this.probes.get(name);
    if (!probe) {
      probe = { observedAt: now };
      this.probes.set(name, probe);
    }
    const stale = now - probe.observedAt > this.opts.gracePeriodMs;
    const ready = readyCondition(node);
    const nowIso = isoSeconds(now);
    let current = node;
    if (stale && ready?.status !== 'Unknown') {
      current = await this.setReady(node, 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.', nowIso);
      this.deps.recorder.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      this.deps.logger.info({ node: name }, 'node stopped heartbeating: Ready=Unknown');
    } else if (!stale && ready?.status === 'Unknown' && ready.reason === 'NodeStatusUnknown') {
      current = await this.setReady(node, 'True', 'NodeStatusRecovered', 'Agent heartbeats resumed.', nowIso);
      this.deps.recorder.record(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
      this.deps.logger.info({ node: name }, 'node heartbeats resumed');
    }
    const taints = reconcileTaints(current, desiredTaintKey(readyCondition(current)?.status), nowIso);
    if (taints) {
      const copy = deepClone(current);
      copy.spec.taints = taints;
      current = (await this.write(() => this.deps.client.nodes.update(copy))) ?? current;
    }
    return current;
  }

  private async setReady(node: Node, status: 'True' | 'Unknown', reason: string, message: string, nowIso: string): Promise<Node> {
    const copy = deepClone(node);
    copy.status = copy.status ?? {};
    const old = readyCondition(node);
    const cond = { ...(old ?? { type: 'Ready' }), type: 'Ready', status, reason, message, lastTransitionTime: nowIso } as const;
    copy.status.conditions = [...(copy.status.conditions ?? []).filter((c) => c.type !== 'Ready'), cond];
    return (await this.write(() => this.deps.client.nodes.updateStatus(copy))) ?? copy;
  }

  /** A conflict means the agent wrote meanwhile: the next pass sees its version. */
  private async write<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async evictPods(node: Node, now: number): Promise<void> {
    const name = node.metadata.name!;
    const due: Pod[] = [];
    for (const p of this.deps.pods.byIndex(NODE_NAME_INDEX, name)) {
      if (p.metadata.deletionTimestamp) continue;
      const at = evictionDeadline(p, node.spec.taints ?? [], this.opts.podEvictionTimeoutMs, now);
      if (at !== undefined && at <= now) due.push(p);
    }
    if (due.length === 0) return;
    if (!this.admitted.has(name)) {
      if (!this.bucket.tryTake(now)) return;
      this.admitted.add(name);
    }
    for (const p of due) {
      this.deps.recorder.record(p, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${p.metadata.namespace}/${p.metadata.name}`);
      try {
        await this.deps.client.pods.delete(p.metadata.name!, p.metadata.namespace, { preconditions: { uid: p.metadata.uid } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  private async forceDeleteOrphans(now: number): Promise<void> {
    for (const [name, at] of this.deletedNodes) {
      if (now - at < this.opts.orphanPodGraceMs) continue;
      if (this.deps.nodes.get(name)) {
        this.deletedNodes.delete(name);
        continue;
      }
      for (const p of this.deps.pods.byIndex(NODE_NAME_INDEX, name)) {
        try {
          await this.deps.client.pods.delete(p.metadata.name!, p.metadata.namespace, { gracePeriodSeconds: 0, preconditions: { uid: p.metadata.uid } });
        } catch (err) {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        }
      }
      if (this.deps.pods.byIndex(NODE_NAME_INDEX, name).length === 0) this.deletedNodes.delete(name);
    }
  }
}
