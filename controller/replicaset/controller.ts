// ReplicaSet controller: keeps exactly spec.replicas active pods that match the selector
// and are owned by the ReplicaSet. Handlers only enqueue; reconcile reads the shared
// caches, adopts/releases pods, creates or deletes the difference (guarded by
// expectations while the cache catches up with our own writes) and publishes status.

import type { Pod, ReplicaSet } from '../../api/types.js';
import { isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { Expectations } from '../shared/expectations.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { claimObjects, freshOwnerCheck } from '../shared/claim.js';
import { cachedController, controllerRefOf, deepClone, deepEqual, isEmptySelector, isPodActive, keyOf, selectorMatches } from '../shared/objects.js';
import { slowStartBatch } from '../shared/slow-start.js';
import { traceHop } from '../../foundation/trace.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { podsToDelete } from './pods-to-delete.js';
import { calculateReplicaSetStatus } from './status.js';

/** Never create or delete more than this in one sync (Kubernetes' burstReplicas). */
export const BURST_REPLICAS = 500;
/**
 * After a failed pod create, this ReplicaSet's creates go in Kubernetes' slow-start
 * batches (1, 2, 4, ...) for this long. Otherwise one pod is created first (the probe: a
 * template the server rejects still costs one request) and, once it succeeded, the rest
 * in one batch: 30 replicas in 2 round trips instead of 5 (issue 19). The worst case this
 * allows: a limit reached mid-way (a quota) costs up to the rest of one sync in refused
 * requests, once; then the memory of the failure brings the doubling back.
 */
export const SLOW_START_AFTER_FAILURE_MS = 5 * 60_000;

export interface ReplicaSetControllerDeps {
  client: Client;
  pods: InformerView<Pod>;
  replicaSets: InformerView<ReplicaSet>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  /** Where handlers add keys (the manager's work queue; a recording one in unit tests). */
  queue: QueueView;
}

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly expectations: Expectations;
  private readonly queue: QueueView;
  /** When a pod create of a ReplicaSet (by key) last failed. */
  private readonly lastCreateFailure = new Map<string, number>();

  constructor(private readonly deps: ReplicaSetControllerDeps) {
    this.expectations = new Expectations(() => deps.clock.now());
    this.queue = deps.queue;
    ensureNamespaceIndex(deps.pods);
    ensureNamespaceIndex(deps.replicaSets);
    deps.replicaSets.addEventHandler({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_o, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => {
        this.expectations.delete(keyOf(rs));
        this.lastCreateFailure.delete(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.onPodAdd(p),
      onUpdate: (o, p) => this.onPodUpdate(o, p),
      onDelete: (p) => this.onPodDelete(p),
    });
  }

  // ------------------------------------------------------------------ event handlers

  /** The ReplicaSet that controls this pod, if it is in our cache with the same uid. */
  private ownerOf(p: Pod): ReplicaSet | undefined {
    return cachedController(p, 'ReplicaSet', this.deps.replicaSets);
  }

  private enqueueMatching(p: Pod): void {
    for (const rs of this.deps.replicaSets.byIndex(NAMESPACE_INDEX, p.metadata.namespace ?? '')) {
      if (!isEmptySelector(rs.spec.selector) && selectorMatches(rs.spec.selector, p.metadata.labels)) this.queue.add(keyOf(rs));
    }
  }

  private onPodAdd(p: Pod): void {
    if (p.metadata.deletionTimestamp) return this.onPodDelete(p);
    const rs = this.ownerOf(p);
    if (rs) {
      this.expectations.creationObserved(keyOf(rs));
      this.queue.add(keyOf(rs));
    } else if (!controllerRefOf(p)) this.enqueueMatching(p);
  }

  private onPodUpdate(old: Pod, p: Pod): void {
    if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete counts as observed the moment it starts: the pod no longer counts.
      this.onPodDelete(p);
      return;
    }
    const oldRs = this.ownerOf(old);
    const rs = this.ownerOf(p);
    if (oldRs && oldRs !== rs) this.queue.add(keyOf(oldRs));
    if (rs) {
      this.queue.add(keyOf(rs));
      // Ready → available after minReadySeconds: look again then.
      const minReady = rs.spec.minReadySeconds ?? 0;
      if (minReady > 0) this.queue.addAfter(keyOf(rs), minReady * 1000 + 1000);
    } else if (!controllerRefOf(p) || !deepEqual(old.metadata.labels, p.metadata.labels)) this.enqueueMatching(p);
  }

  private onPodDelete(p: Pod): void {
    const rs = this.ownerOf(p);
    if (!rs) return;
    this.expectations.deletionObserved(keyOf(rs), keyOf(p));
    this.queue.add(keyOf(rs));
  }

  // ------------------------------------------------------------------ reconcile

  async reconcile(key: string): Promise<Result> {
    const rs = this.deps.replicaSets.get(key);
    if (!rs) {
      this.expectations.delete(key);
      return done;
    }
    const needsSync = this.expectations.satisfied(key);
    const candidates = this.deps.pods.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '').filter(isPodActive);
    const owned = await this.claimPods(rs, candidates);
    let manageError: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manageReplicas(key, rs, owned);
      } catch (err) {
        manageError = err;
      }
    }
    const { status, recheckAfterMs } = calculateReplicaSetStatus(rs, owned, this.deps.clock.now(), manageError);
    if (!deepEqual(status, rs.status)) {
      const copy = deepClone(rs);
      copy.status = status;
      try {
        await this.deps.client.replicasets.updateStatus(copy);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    // A failed create/delete is retried with the key's backoff, which comes before any recheck.
    if (manageError !== undefined) throw manageError;
    // Ready pods become available after minReadySeconds: look again then.
    return recheckAfterMs !== undefined ? requeueAfter(recheckAfterMs + 10) : done;
  }

  /** Pods this ReplicaSet owns after adopting matching orphans and releasing non-matching pods. */
  private claimPods(rs: ReplicaSet, pods: Pod[]): Promise<Pod[]> {
    return claimObjects({
      owner: rs,
      ownerRef: ownerRefFor(rs, 'apps/v1', 'ReplicaSet'),
      selector: rs.spec.selector,
      candidates: pods,
      rc: this.deps.client.pods,
      ownerStillExists: freshOwnerCheck(this.deps.client.replicasets, rs),
    });
  }

  private async manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    const diff = owned.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, n);
      traceHop('rs.create-pods', { ns: rs.metadata.namespace, name: rs.metadata.name, count: n });
      const ref = ownerRefFor(rs, 'apps/v1', 'ReplicaSet');
      const failedAt = this.lastCreateFailure.get(key);
      const growth = failedAt !== undefined && this.deps.clock.now() - failedAt < SLOW_START_AFTER_FAILURE_MS ? 'double' : 'rest';
      const { successes, error } = await slowStartBatch(n, 1, async () => {
        try {
          const pod = await this.deps.client.pods.create(podFromTemplate(rs, ref));
          traceHop('rs.pod-created', { ns: pod.metadata.namespace, name: pod.metadata.name });
          this.deps.recorder.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (err) {
          this.deps.recorder.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error)?.message ?? String(err)}`);
          throw err;
        }
      }, growth);
      // Pods never created (skipped or failed) will never be observed: stop expecting them.
      for (let i = successes; i < n; i++) this.expectations.creationObserved(key);
      if (error !== undefined) {
        this.lastCreateFailure.set(key, this.deps.clock.now());
        throw error;
      }
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(owned, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.deps.client.pods.delete(p.metadata.name!, p.metadata.namespace, { preconditions: { uid: p.metadata.uid } });
            this.deps.recorder.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (err) {
            // Gone already, or never going to be observed as deleted by us: stop expecting it.
            this.expectations.deletionObserved(key, keyOf(p));
            if (isNotFound(err)) return;
            this.deps.recorder.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error)?.message ?? String(err)}`);
            throw err;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }
}

export function podFromTemplate(rs: ReplicaSet, ref: ReturnType<typeof ownerRefFor>): Pod {
  const t = rs.spec.template;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ownerReferences: [ref],
    },
    spec: deepClone(t.spec),
  };
  if (t.metadata?.annotations) pod.metadata.annotations = { ...t.metadata.annotations };
  return pod;
}
