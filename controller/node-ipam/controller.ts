// Node IPAM controller: every Node gets one pod range per family of --cluster-cidr
// (spec.podCIDR + spec.podCIDRs), never one that another Node holds.
//
//   reserve in ConfigMap kube-system/orch-pod-network (compare-and-swap on its
//   resourceVersion, record-store.ts)  →  THEN write the Node's spec
//
// Two controller managers racing for the same block: one CAS fails (409), it re-reads and
// chooses again. A crash between the two steps leaves a reservation that the next attempt
// for that node reuses (allocateFor returns a node's own reservation first). The key
// RECORD_KEY rebuilds the record from the Nodes (rebuild.ts) on start, and whenever it is
// missing or disagrees with them; until then node keys wait. A deleted Node's
// reservation is released (after a live GET confirms it is gone) and the nodes still
// waiting for a range are looked at again. An exhausted range sets the Node condition
// NetworkUnavailable=True/NoPodCIDRAvailable with a Warning Event CIDRNotAvailable and
// tries again later; the condition is removed once the Node has its ranges.

import { isInvalid, isNotFound } from '../../api/errors.js';
import { mustParseCidr, subnetCount } from '../../api/net/cidr.js';
import type { PodNetworkRecord } from '../../api/net/pod-network.js';
import { isoSeconds } from '../../api/time.js';
import type { Node, NodeCondition } from '../../api/types.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import type { ControllerMetrics } from '../metrics.js';
import type { Controller, InformerView, QueueView, Recorder } from '../shared/types.js';
import { adoptExisting, allocateFor, releaseFor, type Adoption, type Allocation } from './allocator.js';
import type { PodNetworkPlan } from './config.js';
import { PodNetworkRecordStore } from './record-store.js';
import { keepReservations, nodePodCIDRs, rebuildRecord } from './rebuild.js';

/** Not a Node name (those are DNS subdomains), so it cannot collide with one. */
export const RECORD_KEY = '#record';
export const NETWORK_UNAVAILABLE = 'NetworkUnavailable';
export const NO_POD_CIDR_REASON = 'NoPodCIDRAvailable';
export const CIDR_NOT_AVAILABLE_EVENT = 'CIDRNotAvailable';

export interface NodeIpamOptions {
  plan: PodNetworkPlan;
  /** How soon a node that found the range full tries again (a release in this process retries at once). Default 30 s. */
  exhaustedRetryMs?: number;
}

export interface NodeIpamControllerDeps {
  client: Client;
  nodes: InformerView<Node>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
  options: NodeIpamOptions;
  /** The process's controller metrics (usage and conflicts), or none. */
  metrics?: Pick<ControllerMetrics, 'cidrUsage' | 'recordConflicts'>;
}

/** Per cluster CIDR, the share of its node blocks that are reserved. */
export function cidrUsage(r: PodNetworkRecord): Array<{ clusterCIDR: string; ratio: number }> {
  return r.clusterCIDRs.map((c, f) => {
    const total = Number(subnetCount(mustParseCidr(c), r.nodeMaskSizes[f]!));
    const used = Object.values(r.allocations).filter((cidrs) => cidrs[f]).length;
    return { clusterCIDR: c, ratio: used / total };
  });
}

/** While the record is being rebuilt, node keys look again this soon. */
const WAIT_FOR_RECORD_MS = 100;

export class NodeIpamController implements Controller {
  readonly name = 'nodeipam';
  readonly store: PodNetworkRecordStore;
  private recordReady = false;
  /** Node specs this controller wrote (tests: proof that both of two racing managers took part). */
  nodesWritten = 0;

  constructor(private readonly deps: NodeIpamControllerDeps) {
    const m = deps.metrics;
    this.store = new PodNetworkRecordStore(deps.client, {
      onConflict: () => m?.recordConflicts.inc(),
      onRecord: (r) => {
        for (const u of cidrUsage(r)) m?.cidrUsage.set({ cluster_cidr: u.clusterCIDR }, u.ratio);
      },
    });
    deps.queue.add(RECORD_KEY);
    deps.nodes.addEventHandler({
      onAdd: (n) => deps.queue.add(n.metadata.name!),
      // Heartbeats change only status: a node still waiting for a range is retried by its
      // own requeue (or a release), not by every heartbeat (each would bump its Event).
      onUpdate: (o, n) => {
        if (nodePodCIDRs(o).join() !== nodePodCIDRs(n).join()) deps.queue.add(n.metadata.name!);
      },
      onDelete: (n) => deps.queue.add(n.metadata.name!),
    });
  }

  private get plan(): PodNetworkPlan {
    return this.deps.options.plan;
  }

  private fitsPlan(r: PodNetworkRecord | undefined): r is PodNetworkRecord {
    return r !== undefined && r.clusterCIDRs.join(',') === this.plan.clusterCIDRs.join(',') && r.nodeMaskSizes.join(',') === this.plan.nodeMaskSizes.join(',');
  }

  /** The record is missing or was written for another plan: rebuild it before anything else. */
  private rebuildFirst(): Result {
    this.recordReady = false;
    this.deps.queue.add(RECORD_KEY);
    return requeueAfter(WAIT_FOR_RECORD_MS);
  }

  async reconcile(key: string): Promise<Result> {
    if (key === RECORD_KEY) return this.syncRecord();
    if (!this.recordReady) return requeueAfter(WAIT_FOR_RECORD_MS);
    const node = this.deps.nodes.get(key);
    if (!node) return this.release(key);
    const cidrs = nodePodCIDRs(node);
    return cidrs.length > 0 ? this.adopt(node, cidrs) : this.allocate(node);
  }

  // ------------------------------------------------------------------ the record

  private async syncRecord(): Promise<Result> {
    const nodes = this.deps.nodes.list();
    const outcome = await this.store.mutate(async (stored) => {
      const rb = rebuildRecord(stored, this.plan, nodes);
      // Reservations for nodes this informer has not seen: another manager may have just
      // reserved for a brand-new node. Only a live GET can tell "gone" from "not seen yet".
      const keep: typeof rb.unknown = [];
      for (const u of rb.unknown) if (await this.nodeExists(u.node)) keep.push(u);
      return { record: keepReservations(rb.record, keep), value: rb };
    });
    for (const p of outcome.problems) {
      this.deps.logger.warn({ node: p.node }, `node pod CIDR not recorded: ${p.message}`);
      const n = this.deps.nodes.get(p.node);
      if (n) this.deps.recorder.record(n, 'Warning', 'PodCIDRNotRecorded', p.message);
    }
    for (const d of outcome.dropped) this.deps.queue.add(d);
    this.recordReady = true;
    return done;
  }

  private async nodeExists(name: string): Promise<boolean> {
    try {
      await this.deps.client.nodes.get(name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  // ------------------------------------------------------------------ per node

  private async release(name: string): Promise<Result> {
    // The informer may lag behind a delete-and-recreate: never free a range of a Node that exists.
    if (await this.nodeExists(name)) return done;
    const released = await this.store.mutate((r) => {
      const next = r ? releaseFor(r, name) : undefined;
      return { record: next, value: next !== undefined };
    });
    if (released) {
      this.deps.logger.info({ node: name }, 'node deleted: pod CIDR released');
      // A node waiting on a full range may fit now.
      for (const n of this.deps.nodes.list()) if (nodePodCIDRs(n).length === 0) this.deps.queue.add(n.metadata.name!);
    }
    return done;
  }

  /** A Node that has ranges: make sure the record says so (the Node is the truth). */
  private async adopt(node: Node, cidrs: string[]): Promise<Result> {
    const name = node.metadata.name!;
    const outcome = await this.store.mutate<Adoption | undefined>((r) => {
      if (!this.fitsPlan(r)) return { value: undefined };
      const a = adoptExisting(r, name, cidrs);
      return { record: a.kind === 'recorded' ? a.record : undefined, value: a };
    });
    // No record for this plan, or another node's entry holds this range: the rebuild
    // decides who keeps it (Nodes before reservations, oldest Node first).
    if (!outcome || outcome.kind === 'conflict') return this.rebuildFirst();
    if (outcome.kind === 'outside') {
      this.deps.logger.warn({ node: name, cidr: outcome.cidr }, `node pod CIDR not recorded: ${outcome.reason}`);
      this.deps.recorder.record(node, 'Warning', 'PodCIDRNotRecorded', `pod CIDR ${outcome.cidr}: ${outcome.reason}`);
    }
    await this.clearExhausted(node);
    return done;
  }

  private async allocate(node: Node): Promise<Result> {
    const name = node.metadata.name!;
    const outcome = await this.store.mutate<Allocation | undefined>((r) => {
      if (!this.fitsPlan(r)) return { value: undefined };
      const a = allocateFor(r, name);
      return { record: a.kind === 'allocated' ? a.record : undefined, value: a };
    });
    if (!outcome) return this.rebuildFirst();
    if (outcome.kind === 'exhausted') {
      await this.markExhausted(node, outcome.clusterCIDR);
      return requeueAfter(this.deps.options.exhaustedRetryMs ?? 30_000);
    }
    // Reserved: now the Node. A merge patch (no resourceVersion): the agent's heartbeats
    // do not make it conflict, and the apiserver refuses it (422) only when the Node got
    // other ranges meanwhile, which can only have been set by hand.
    const cidrs = outcome.cidrs;
    try {
      await this.deps.client.nodes.patch(name, undefined, { spec: { podCIDR: cidrs[0], podCIDRs: cidrs } }, 'merge');
    } catch (err) {
      if (isNotFound(err)) return done; // deleted meanwhile: its delete event releases the reservation
      if (isInvalid(err)) {
        // It has other ranges now: adopt those (the Node is the truth), which replaces our reservation.
        const fresh = await this.deps.client.nodes.get(name);
        const theirs = nodePodCIDRs(fresh);
        if (theirs.length === 0) throw err;
        return this.adopt(fresh, theirs);
      }
      throw err;
    }
    this.nodesWritten++;
    this.deps.logger.info({ node: name, podCIDRs: cidrs }, 'pod CIDR allocated');
    await this.clearExhausted(node);
    return done;
  }

  // ------------------------------------------------------------------ condition

  private async markExhausted(node: Node, clusterCIDR: string): Promise<void> {
    const name = node.metadata.name!;
    const f = this.plan.clusterCIDRs.indexOf(clusterCIDR);
    const message = `no free /${this.plan.nodeMaskSizes[f] ?? '?'} left in --cluster-cidr ${clusterCIDR} for node ${name}`;
    this.deps.logger.warn({ node: name, clusterCIDR }, 'no pod CIDR available');
    this.deps.recorder.record(node, 'Warning', CIDR_NOT_AVAILABLE_EVENT, message);
    const cur = node.status?.conditions?.find((c) => c.type === NETWORK_UNAVAILABLE);
    if (cur?.status === 'True' && cur.reason === NO_POD_CIDR_REASON) return;
    const now = isoSeconds(this.deps.clock.now());
    const condition: NodeCondition = { type: NETWORK_UNAVAILABLE, status: 'True', reason: NO_POD_CIDR_REASON, message, lastHeartbeatTime: now, lastTransitionTime: now };
    // Strategic merge on conditions (merge key `type`): the agent's conditions are left alone.
    await this.patchCondition(name, { status: { conditions: [condition] } });
  }

  /**
   * Our exhaustion condition goes once the Node has ranges; the agent's network component
   * reports the rest. Removed only while it is still ours (a JSON patch `test` on its
   * reason): the agent may already have replaced it with NetworkUnavailable=False /
   * RouteCreated, which must stay. A stale index fails the test (422): read once more.
   */
  private async clearExhausted(node: Node): Promise<void> {
    let cur: Node | undefined = node;
    for (let attempt = 0; cur && attempt < 2; attempt++) {
      const i = cur.status?.conditions?.findIndex((c) => c.type === NETWORK_UNAVAILABLE && c.reason === NO_POD_CIDR_REASON) ?? -1;
      if (i < 0) return;
      const at = `/status/conditions/${i}`;
      try {
        await this.deps.client.nodes.patchStatus(cur.metadata.name!, undefined, [
          { op: 'test', path: `${at}/type`, value: NETWORK_UNAVAILABLE },
          { op: 'test', path: `${at}/reason`, value: NO_POD_CIDR_REASON },
          { op: 'remove', path: at },
        ], 'json');
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isInvalid(err)) throw err;
        cur = await this.deps.client.nodes.get(cur.metadata.name!).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
      }
    }
  }

  private async patchCondition(name: string, patch: unknown): Promise<void> {
    try {
      await this.deps.client.nodes.patchStatus(name, undefined, patch, 'strategic');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
