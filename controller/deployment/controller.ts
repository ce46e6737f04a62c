// Deployment controller: handlers enqueue the Deployment a ReplicaSet (or a pod of one)
// belongs to; reconcile claims the Deployment's ReplicaSets and runs one DeploymentSync.
// Cache lag is handled by optimistic concurrency (every RS write carries the cached
// resourceVersion, a stale one is a 409 and a retry) and deterministic RS names.

import type { Deployment, Pod, ReplicaSet } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { claimObjects, freshOwnerCheck } from '../shared/claim.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { cachedController, controllerRefOf, deepClone, isEmptySelector, keyOf, selectorMatches } from '../shared/objects.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { DeploymentSync } from './sync.js';

export interface DeploymentControllerDeps {
  client: Client;
  deployments: InformerView<Deployment>;
  replicaSets: InformerView<ReplicaSet>;
  pods: InformerView<Pod>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  /** Where handlers add keys (the manager's work queue; a recording one in unit tests). */
  queue: QueueView;
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly queue: QueueView;

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.queue = deps.queue;
    ensureNamespaceIndex(deps.deployments);
    ensureNamespaceIndex(deps.replicaSets);
    ensureNamespaceIndex(deps.pods);
    deps.deployments.addEventHandler({
      onAdd: (d) => this.queue.add(keyOf(d)),
      onUpdate: (_o, d) => this.queue.add(keyOf(d)),
      onDelete: (d) => this.queue.add(keyOf(d)),
    });
    deps.replicaSets.addEventHandler({
      onAdd: (rs) => this.onReplicaSet(rs),
      onUpdate: (o, rs) => {
        if (o.metadata.resourceVersion === rs.metadata.resourceVersion) return;
        const a = this.ownerOf(o);
        if (a && a !== this.ownerOf(rs)) this.queue.add(keyOf(a));
        this.onReplicaSet(rs);
      },
      onDelete: (rs) => this.onReplicaSet(rs),
    });
    // Recreate waits until the old pods are gone: their deletion is what wakes it up.
    deps.pods.addEventHandler({
      onDelete: (p) => {
        const rs = cachedController(p, 'ReplicaSet', deps.replicaSets);
        const d = rs ? this.ownerOf(rs) : undefined;
        if (d && d.spec.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
      },
    });
  }

  private ownerOf(rs: ReplicaSet): Deployment | undefined {
    return cachedController(rs, 'Deployment', this.deps.deployments);
  }

  private onReplicaSet(rs: ReplicaSet): void {
    const d = this.ownerOf(rs);
    if (d) return this.queue.add(keyOf(d));
    if (controllerRefOf(rs)) return;
    for (const x of this.deps.deployments.byIndex(NAMESPACE_INDEX, rs.metadata.namespace ?? '')) {
      if (!isEmptySelector(x.spec.selector) && selectorMatches(x.spec.selector, rs.metadata.labels)) this.queue.add(keyOf(x));
    }
  }

  async reconcile(key: string): Promise<Result> {
    const cached = this.deps.deployments.get(key);
    if (!cached) return done;
    const d = deepClone(cached);
    if (isEmptySelector(d.spec.selector)) {
      // Selecting everything would adopt every ReplicaSet in the namespace: refuse.
      this.deps.recorder.record(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        d.status = { ...(d.status ?? {}), observedGeneration: d.metadata.generation };
        await this.deps.client.deployments.updateStatus(d);
      }
      return done;
    }
    const ns = d.metadata.namespace ?? '';
    const rsList = await claimObjects({
      owner: d,
      ownerRef: ownerRefFor(d, 'apps/v1', 'Deployment'),
      selector: d.spec.selector,
      candidates: this.deps.replicaSets.byIndex(NAMESPACE_INDEX, ns),
      rc: this.deps.client.replicasets,
      ownerStillExists: freshOwnerCheck(this.deps.client.deployments, d),
    });
    const uids = new Set(rsList.map((rs) => rs.metadata.uid!));
    const podMap = new Map<string, Pod[]>();
    for (const p of this.deps.pods.byIndex(NAMESPACE_INDEX, ns)) {
      const ref = controllerRefOf(p);
      if (!ref || !uids.has(ref.uid)) continue;
      const list = podMap.get(ref.uid) ?? [];
      list.push(p);
      podMap.set(ref.uid, list);
    }
    const sync = new DeploymentSync(
      { client: this.deps.client, recorder: this.deps.recorder, logger: this.deps.logger, now: () => this.deps.clock.now() },
      d,
      rsList.map((rs) => deepClone(rs)),
      podMap,
    );
    const { recheckAfterMs } = await sync.run();
    // Progress deadlines and minReadySeconds: look again when one passes.
    return recheckAfterMs !== undefined ? requeueAfter(recheckAfterMs) : done;
  }
}
