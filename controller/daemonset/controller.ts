// DaemonSet controller: one pod on every eligible node. Handlers only enqueue (a node
// added, deleted or relabelled/retainted → every DaemonSet; a pod or revision → its
// owner). reconcile(key), as Kubernetes' syncDaemonSet:
//   1. claim pods and ControllerRevisions; make the current revision (history/)
//   2. if no create/delete is in flight (expectations): per node create / prune / delete
//      (node-plan.ts, failed pods with a per-node backoff), pods for vanished nodes deleted
//   3. if step 2 did nothing: one RollingUpdate step (rolling-update.ts); OnDelete waits
//      for users to delete old pods; old revisions truncated to revisionHistoryLimit
//   4. status (status.ts) through /status when it changed.

import type { ControllerRevision, DaemonSet } from '../../api/daemonset-types.js';
import { isNotFound } from '../../api/errors.js';
import type { Node, Pod } from '../../api/types.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { RevisionHistory } from '../history/history-client.js';
import { CONTROLLER_REVISION_HASH } from '../history/revisions.js';
import { claimObjects, freshOwnerCheck } from '../shared/claim.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { Expectations } from '../shared/expectations.js';
import { cachedController, controllerRefOf, deepClone, deepEqual, isEmptySelector, keyOf, selectorMatches } from '../shared/objects.js';
import { slowStartBatch } from '../shared/slow-start.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { newDaemonPod, podsByNode, targetNodeName } from './daemon-pods.js';
import { nodeShouldRunDaemonPod, withDaemonTolerations, type Eligibility } from './eligibility.js';
import { FailedPodBackoff } from './failed-pod-backoff.js';
import { currentRevision } from './revision.js';
import { planNode } from './node-plan.js';
import { rollingLimits, rollingUpdateStep } from './rolling-update.js';
import { calculateStatus } from './status.js';

/** Never create or delete more than this in one sync (Kubernetes' burstReplicas for DaemonSets). */
export const BURST_REPLICAS = 250;
const API_VERSION = 'apps/v1';
const KIND = 'DaemonSet';

export interface DaemonSetControllerDeps {
  client: Client;
  daemonSets: InformerView<DaemonSet>;
  revisions: InformerView<ControllerRevision>;
  pods: InformerView<Pod>;
  nodes: InformerView<Node>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  readonly expectations: Expectations;
  private readonly backoff: FailedPodBackoff;
  private readonly dsClient: ResourceClient<DaemonSet>;
  private readonly history: RevisionHistory;

  constructor(private readonly deps: DaemonSetControllerDeps) {
    this.expectations = new Expectations(() => deps.clock.now());
    this.backoff = new FailedPodBackoff(() => deps.clock.now());
    this.dsClient = deps.client.resource<DaemonSet>('daemonsets');
    this.history = new RevisionHistory(deps.client.resource<ControllerRevision>('controllerrevisions'));
    ensureNamespaceIndex(deps.pods);
    ensureNamespaceIndex(deps.daemonSets);
    ensureNamespaceIndex(deps.revisions);
    const q = deps.queue;
    deps.daemonSets.addEventHandler({
      onAdd: (ds) => q.add(keyOf(ds)),
      onUpdate: (_o, ds) => q.add(keyOf(ds)),
      onDelete: (ds) => {
        this.expectations.delete(keyOf(ds));
        q.add(keyOf(ds));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.onPodAdd(p),
      onUpdate: (o, p) => this.onPodUpdate(o, p),
      onDelete: (p) => this.onPodDelete(p),
    });
    deps.nodes.addEventHandler({
      onAdd: () => this.enqueueAll(),
      onUpdate: (o, n) => {
        // Heartbeats and status do not change eligibility: only labels, taints and the name do.
        if (!deepEqual(o.metadata.labels, n.metadata.labels) || !deepEqual(o.spec?.taints, n.spec?.taints)) this.enqueueAll();
      },
      onDelete: () => this.enqueueAll(),
    });
    deps.revisions.addEventHandler({
      onAdd: (r) => this.onRevision(r),
      onUpdate: (_o, r) => this.onRevision(r),
      onDelete: (r) => this.onRevision(r),
    });
  }

  // ------------------------------------------------------------------ event handlers

  private enqueueAll(): void {
    for (const ds of this.deps.daemonSets.list()) this.deps.queue.add(keyOf(ds));
  }

  private ownerOf(o: Pod | ControllerRevision): DaemonSet | undefined {
    return cachedController(o, KIND, this.deps.daemonSets);
  }

  private enqueueMatching(o: Pod | ControllerRevision): void {
    for (const ds of this.deps.daemonSets.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '')) {
      if (!isEmptySelector(ds.spec.selector) && selectorMatches(ds.spec.selector, o.metadata.labels)) this.deps.queue.add(keyOf(ds));
    }
  }

  private onRevision(r: ControllerRevision): void {
    const ds = this.ownerOf(r);
    if (ds) this.deps.queue.add(keyOf(ds));
    else if (!controllerRefOf(r)) this.enqueueMatching(r);
  }

  private onPodAdd(p: Pod): void {
    if (p.metadata.deletionTimestamp) return this.onPodDelete(p);
    const ds = this.ownerOf(p);
    if (ds) {
      this.expectations.creationObserved(keyOf(ds));
      this.deps.queue.add(keyOf(ds));
    } else if (!controllerRefOf(p)) this.enqueueMatching(p);
  }

  private onPodUpdate(old: Pod, p: Pod): void {
    if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete counts as observed the moment it starts.
      const ds = this.ownerOf(p);
      if (ds) this.expectations.deletionObserved(keyOf(ds), keyOf(p));
    }
    const ds = this.ownerOf(p);
    if (ds) this.deps.queue.add(keyOf(ds));
    else if (!controllerRefOf(p) || !deepEqual(old.metadata.labels, p.metadata.labels)) this.enqueueMatching(p);
  }

  private onPodDelete(p: Pod): void {
    const ds = this.ownerOf(p);
    if (!ds) return;
    this.expectations.deletionObserved(keyOf(ds), keyOf(p));
    this.deps.queue.add(keyOf(ds));
  }

  // ------------------------------------------------------------------ reconcile

  async reconcile(key: string): Promise<Result> {
    const cached = this.deps.daemonSets.get(key);
    if (!cached) {
      this.expectations.delete(key);
      return done;
    }
    const ds = deepClone(cached);
    if (isEmptySelector(ds.spec.selector)) return done;
    const now = this.deps.clock.now();
    const ownerCheck = freshOwnerCheck(this.dsClient, ds);
    const ns = ds.metadata.namespace ?? '';
    const pods = await this.claimPods(ds, ownerCheck);
    const revisions = await this.history.claim(ds, API_VERSION, KIND, ds.spec.selector, this.deps.revisions.byIndex(NAMESPACE_INDEX, ns), ownerCheck);
    if (ds.metadata.deletionTimestamp) return this.publishStatus(ds, pods, undefined, ds.status?.collisionCount, now);

    const cur = await currentRevision(this.history, ds, revisions);
    const hash = cur.revision.metadata.labels?.[CONTROLLER_REVISION_HASH] ?? '';
    const tolerations = withDaemonTolerations(ds.spec.template.spec ?? {});
    const nodes = this.deps.nodes.list();
    const eligibility = new Map<string, Eligibility>(nodes.map((n) => [n.metadata.name!, nodeShouldRunDaemonPod(ds, n, tolerations)]));
    const nodeToPods = podsByNode(pods);
    let recheck: number | undefined;
    const later = (ms: number) => (recheck = Math.min(recheck ?? ms, ms));

    if (this.expectations.satisfied(key)) {
      const { create, remove, backoffMs } = this.manage(ds, eligibility, nodeToPods, pods, hash, now);
      if (backoffMs !== undefined) later(backoffMs);
      const acted = await this.syncNodes(key, ds, remove, create, hash);
      // Only on a snapshot nothing changed under: the informer may have seen our creates
      // while they were awaited (expectations met), but this reconcile's node → pods map
      // predates them, and a node counted as podless is not counted as unavailable.
      if (!acted && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        const desired = [...eligibility.values()].filter((e) => e.shouldRun).length;
        const ordered = new Map([...nodeToPods].filter(([n]) => eligibility.has(n)).sort(([a], [b]) => a.localeCompare(b)));
        const step = rollingUpdateStep({
          limits: rollingLimits(ds, desired),
          nodeToPods: ordered,
          hash,
          shouldRun: (n) => eligibility.get(n)?.shouldRun ?? false,
          minReadySeconds: ds.spec.minReadySeconds ?? 0,
          now,
        });
        await this.syncNodes(key, ds, step.deletePods, step.createOnNodes, hash);
      }
      // Revisions some pod still runs are kept whatever the limit (Kubernetes' cleanupHistory).
      const liveHashes = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_HASH]));
      const live = new Set(revisions.filter((r) => liveHashes.has(r.metadata.labels?.[CONTROLLER_REVISION_HASH])).map((r) => r.metadata.name!));
      await this.history.truncate(cur.all, live, cur.revision.metadata.name, ds.spec.revisionHistoryLimit ?? 10);
    }
    const r = await this.publishStatus(ds, pods, { hash, eligibility, nodeToPods }, cur.collisionCount, now);
    if (r.after !== undefined) later(r.after);
    return recheck !== undefined ? requeueAfter(recheck + 10) : done;
  }

  private claimPods(ds: DaemonSet, ownerCheck: () => Promise<boolean>): Promise<Pod[]> {
    const candidates = this.deps.pods.byIndex(NAMESPACE_INDEX, ds.metadata.namespace ?? '');
    return claimObjects({ owner: ds, ownerRef: ownerRefFor(ds, API_VERSION, KIND), selector: ds.spec.selector, candidates, rc: this.deps.client.pods, ownerStillExists: ownerCheck });
  }

  /** Per node: create, prune, delete; failed pods through the per-node backoff; pods for vanished nodes go. */
  private manage(ds: DaemonSet, eligibility: Map<string, Eligibility>, nodeToPods: Map<string, Pod[]>, pods: Pod[], hash: string, now: number) {
    const create: string[] = [];
    const remove: Pod[] = [];
    let backoffMs: number | undefined;
    const surge = rollingLimits(ds, 1).maxSurge > 0 && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    for (const [node, e] of eligibility) {
      const plan = planNode({ eligibility: e, pods: nodeToPods.get(node) ?? [], hash, surge, minReadySeconds: ds.spec.minReadySeconds ?? 0, now });
      if (plan.create) create.push(node);
      remove.push(...plan.delete);
      for (const p of plan.failed) {
        const wait = this.backoff.holdOff(`${ds.metadata.uid}/${node}`);
        if (wait > 0) {
          backoffMs = Math.min(backoffMs ?? wait, wait);
          continue;
        }
        this.deps.recorder.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${p.metadata.namespace}/${p.metadata.name} on node ${node}, will try to kill it`);
        remove.push(p);
      }
    }
    // Pods meant for nodes that no longer exist (or for no node at all): nothing else removes them.
    for (const p of pods) {
      const target = targetNodeName(p);
      if ((target === undefined || !eligibility.has(target)) && !p.metadata.deletionTimestamp) remove.push(p);
    }
    return { create: create.sort(), remove, backoffMs };
  }

  /** Deletes then creates (at most BURST_REPLICAS of each), recording expectations first. */
  private async syncNodes(key: string, ds: DaemonSet, remove: Pod[], create: string[], hash: string): Promise<boolean> {
    const victims = remove.slice(0, BURST_REPLICAS);
    const nodes = create.slice(0, BURST_REPLICAS);
    if (victims.length === 0 && nodes.length === 0) return false;
    const rec = this.expectations;
    rec.expect(key, nodes.length, victims.map(keyOf));
    const errors: unknown[] = [];
    const deleted = await Promise.allSettled(
      victims.map(async (p) => {
        try {
          await this.deps.client.pods.delete(p.metadata.name!, p.metadata.namespace, { preconditions: { uid: p.metadata.uid } });
          this.deps.recorder.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          rec.deletionObserved(key, keyOf(p));
          if (isNotFound(err)) return;
          this.deps.recorder.record(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error)?.message ?? String(err)}`);
          throw err;
        }
      }),
    );
    for (const r of deleted) if (r.status === 'rejected') errors.push(r.reason);
    const ref = ownerRefFor(ds, API_VERSION, KIND);
    let next = 0;
    const { successes, error } = await slowStartBatch(nodes.length, 1, async () => {
      const node = nodes[next++]!;
      try {
        const pod = await this.deps.client.pods.create(newDaemonPod(ds, node, hash, ref));
        this.deps.recorder.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
      } catch (err) {
        this.deps.recorder.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error)?.message ?? String(err)}`);
        throw err;
      }
    });
    // Pods never created will never be observed: stop expecting them.
    for (let i = successes; i < nodes.length; i++) rec.creationObserved(key);
    if (error !== undefined) errors.push(error);
    if (errors.length) throw errors[0];
    return true;
  }

  private async publishStatus(
    ds: DaemonSet,
    pods: Pod[],
    view: { hash: string; eligibility: Map<string, Eligibility>; nodeToPods: Map<string, Pod[]> } | undefined,
    collisionCount: number | undefined,
    now: number,
  ): Promise<Result & { after?: number }> {
    const nodes = view ? new Map([...view.eligibility].map(([n, e]) => [n, e.shouldRun])) : new Map<string, boolean>();
    const { status, recheckAfterMs } = calculateStatus({ ds, nodes, nodeToPods: view?.nodeToPods ?? podsByNode(pods), hash: view?.hash ?? '', collisionCount, now });
    if (!view) return {};
    if (!deepEqual(status, ds.status)) {
      const copy = deepClone(ds);
      copy.status = status;
      try {
        await this.dsClient.updateStatus(copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return recheckAfterMs !== undefined ? { after: recheckAfterMs } : {};
  }
}
