// Disruption controller: keeps every PodDisruptionBudget's status (currentHealthy,
// desiredHealthy, expectedPods, disruptionsAllowed, disruptedPods, observedGeneration,
// the DisruptionAllowed condition) from the pods its selector covers and the scale of
// their ReplicaSets / Deployments. The eviction subresource spends disruptionsAllowed;
// this controller writes it back with the budget's resourceVersion, so a status computed
// before an eviction never overwrites the eviction's decrement (409, then recompute).

import type { Deployment, OwnerReference, Pod, PodDisruptionBudget, ReplicaSet } from '../../api/types.js';
import { budgetCoversPod } from '../../api/disruption.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { isoSeconds } from '../../api/time.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { controllerRefOf, deepClone, deepEqual, keyOf } from '../shared/objects.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { computeBudgetStatus, failSafeStatus, type ControllerScale } from './budget-status.js';

export interface DisruptionControllerDeps {
  client: Client;
  budgets: InformerView<PodDisruptionBudget>;
  pods: InformerView<Pod>;
  replicaSets: InformerView<ReplicaSet>;
  deployments: InformerView<Deployment>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

const isApps = (ref: OwnerReference, kind: string) => ref.kind === kind && /^apps\//.test(ref.apiVersion);

export class DisruptionController implements Controller {
  readonly name = 'disruption';

  constructor(private readonly deps: DisruptionControllerDeps) {
    ensureNamespaceIndex(deps.budgets);
    ensureNamespaceIndex(deps.pods);
    const enqueue = (b: PodDisruptionBudget) => deps.queue.add(keyOf(b));
    deps.budgets.addEventHandler({ onAdd: enqueue, onUpdate: (_o, b) => enqueue(b), onDelete: enqueue });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueFor(p),
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.enqueueFor(o);
        this.enqueueFor(p);
      },
      onDelete: (p) => this.enqueueFor(p),
    });
    // A percentage is of the workloads' desired replicas: a scale changes the budget.
    const onScale = (o: ReplicaSet | Deployment, n: ReplicaSet | Deployment) => {
      if (o.spec.replicas !== n.spec.replicas) this.enqueueNamespace(n.metadata.namespace ?? '');
    };
    deps.replicaSets.addEventHandler({ onUpdate: onScale });
    deps.deployments.addEventHandler({ onUpdate: onScale });
  }

  private enqueueFor(p: Pod): void {
    for (const b of this.deps.budgets.byIndex(NAMESPACE_INDEX, p.metadata.namespace ?? '')) if (budgetCoversPod(b, p)) this.deps.queue.add(keyOf(b));
  }

  private enqueueNamespace(ns: string): void {
    for (const b of this.deps.budgets.byIndex(NAMESPACE_INDEX, ns)) this.deps.queue.add(keyOf(b));
  }

  /**
   * The scale a pod's controller reference stands for: a ReplicaSet's own replicas, or,
   * when a Deployment controls that ReplicaSet, the Deployment's (every ReplicaSet of a
   * rollout counts once, under the Deployment's uid). Stale references (uid) find nothing.
   */
  private findScale(ref: OwnerReference, ns: string): ControllerScale | undefined {
    if (!isApps(ref, 'ReplicaSet')) return undefined;
    const rs = this.deps.replicaSets.get(`${ns}/${ref.name}`);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const owner = controllerRefOf(rs);
    if (!owner) return { uid: rs.metadata.uid!, replicas: rs.spec.replicas ?? 1 };
    if (!isApps(owner, 'Deployment')) return undefined;
    const d = this.deps.deployments.get(`${ns}/${owner.name}`);
    if (!d || d.metadata.uid !== owner.uid) return undefined;
    return { uid: d.metadata.uid!, replicas: d.spec.replicas ?? 1 };
  }

  async reconcile(key: string): Promise<Result> {
    const pdb = this.deps.budgets.get(key);
    if (!pdb) return done;
    const ns = pdb.metadata.namespace ?? '';
    const pods = this.deps.pods.byIndex(NAMESPACE_INDEX, ns).filter((p) => budgetCoversPod(pdb, p));
    const nowMs = this.deps.clock.now();
    const now = isoSeconds(nowMs);
    let computed;
    try {
      computed = computeBudgetStatus(pdb, pods, (ref, n) => this.findScale(ref, n), nowMs, now);
    } catch (err) {
      // Fail safe: a budget that cannot be computed allows no disruption.
      this.deps.logger.warn({ err, pdb: key }, 'cannot compute disruption budget');
      this.deps.recorder.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      await this.writeStatus(pdb, failSafeStatus(pdb, err as Error, now));
      return done;
    }
    if (!deepEqual(computed.status, pdb.status)) {
      if (pods.length === 0) this.deps.recorder.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
      if (computed.unmanagedPods.length > 0)
        this.deps.recorder.record(
          pdb,
          'Warning',
          'UnmanagedPods',
          `Pods selected by this PodDisruptionBudget were found to be unmanaged (${computed.unmanagedPods.join(', ')}); set .spec.minAvailable to an integer to count them`,
        );
      await this.writeStatus(pdb, computed.status);
      for (const pod of computed.notDeleted)
        this.deps.recorder.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${key} to be deleted but it wasn't`);
    }
    return computed.recheckAfterMs !== undefined ? requeueAfter(computed.recheckAfterMs + 10) : done;
  }

  /** UpdateStatus with the cached resourceVersion: a conflict (an eviction got there first) is retried on fresh caches. */
  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudget['status']): Promise<void> {
    if (deepEqual(status, pdb.status)) return;
    const copy = deepClone(pdb);
    copy.status = status;
    try {
      await this.deps.client.resource<PodDisruptionBudget>('poddisruptionbudgets').updateStatus(copy);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) this.deps.logger.debug({ pdb: keyOf(pdb) }, 'budget changed meanwhile; recomputing');
      throw err;
    }
  }
}
