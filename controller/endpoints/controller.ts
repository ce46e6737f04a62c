// Endpoints controller: the legacy core/v1 Endpoints object, named like its Service, that
// `kubectl describe svc` and older clients read. Same inputs as the EndpointSlice
// controller; no owner reference (as in Kubernetes): it is deleted here when its Service
// goes. Services without a selector (the `kubernetes` Service, whose Endpoints the
// apiserver writes, and users' own) are left alone.

import type { Endpoints, Pod, Service } from '../../api/types.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { deepEqual, keyOf } from '../shared/objects.js';
import { endpointLabels, hasSelector, selects } from '../shared/service-pods.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { endpointSubsets, OVER_CAPACITY_ANNOTATION, truncateSubsets } from './subsets.js';

export interface EndpointsControllerDeps {
  client: Client;
  pods: InformerView<Pod>;
  services: InformerView<Service>;
  endpoints: InformerView<Endpoints>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

export class EndpointsController implements Controller {
  readonly name = 'endpoint';

  constructor(private readonly deps: EndpointsControllerDeps) {
    ensureNamespaceIndex(deps.pods);
    ensureNamespaceIndex(deps.services);
    const q = deps.queue;
    deps.services.addEventHandler({
      onAdd: (s) => q.add(keyOf(s)),
      onUpdate: (_o, s) => q.add(keyOf(s)),
      onDelete: (s) => q.add(keyOf(s)),
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueFor(p),
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion !== p.metadata.resourceVersion) this.enqueueFor(p, o);
      },
      onDelete: (p) => this.enqueueFor(p),
    });
    // An Endpoints object of one of our Services changed or removed by someone else is
    // put back. One left over from a Service deleted while no controller ran is found on
    // the first list (Kubernetes' checkLeftoverEndpoints) — only then: later, an Endpoints
    // object without a Service may be a user's, written just before its Service.
    const ours = (e: Endpoints) => {
      const svc = deps.services.get(keyOf(e));
      if (svc && hasSelector(svc)) q.add(keyOf(e));
    };
    deps.endpoints.addEventHandler({
      onAdd: (e) => (deps.endpoints.hasSynced() ? ours(e) : q.add(keyOf(e))),
      onUpdate: (_o, e) => ours(e),
      onDelete: ours,
    });
  }

  private enqueueFor(p: Pod, old?: Pod): void {
    for (const svc of this.deps.services.byIndex(NAMESPACE_INDEX, p.metadata.namespace ?? '')) {
      if (selects(svc, p) || (old && selects(svc, old))) this.deps.queue.add(keyOf(svc));
    }
  }

  async reconcile(key: string): Promise<Result> {
    const svc = this.deps.services.get(key);
    const current = this.deps.endpoints.get(key);
    if (!svc) {
      if (current) await this.deleteOrphan(current);
      return done;
    }
    if (!hasSelector(svc) || svc.metadata.deletionTimestamp) return done;
    const pods = this.deps.pods.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? '').filter((p) => selects(svc, p));
    const { subsets, truncated } = truncateSubsets(endpointSubsets(svc, pods));
    const labels = endpointLabels(svc, {});
    const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const rc = this.deps.client.endpoints;
    try {
      if (!current) {
        await rc.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: svc.metadata.name, namespace: svc.metadata.namespace, labels, annotations }, subsets });
      } else if (!deepEqual(current.subsets ?? [], subsets) || !deepEqual(current.metadata.labels ?? {}, labels) || !deepEqual(current.metadata.annotations ?? {}, annotations)) {
        await rc.update({ ...current, metadata: { ...current.metadata, labels, annotations }, subsets });
      }
    } catch (err) {
      // 409: our cache is behind (the informer brings the newer object and the key back).
      if (!isConflict(err)) this.deps.recorder.record(svc, 'Warning', 'FailedToUpdateEndpoint', `Failed to update endpoint ${key}: ${(err as Error)?.message ?? String(err)}`);
      throw err;
    }
    return done;
  }

  /** The Service is not in our cache: confirm it is really gone (caches of kinds lag independently) before deleting. */
  private async deleteOrphan(ep: Endpoints): Promise<void> {
    const { name, namespace } = ep.metadata;
    try {
      await this.deps.client.services.get(name!, namespace);
      return; // it exists; our Service cache will bring it
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.deps.client.endpoints.delete(name!, namespace, { preconditions: { uid: ep.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
