// EndpointSlice controller: for every Service with a selector, the pods it selects become
// EndpointSlices (discovery.k8s.io/v1) labelled kubernetes.io/service-name and
// managed-by endpointslice-controller.orch.io, owned by the Service (so the garbage
// collector removes them with it). Handlers only enqueue the Service's key; reconcile
// reads the caches, plans the fewest writes (pack.ts) and makes them. Services without a
// selector are left to their users' own slices.

import type { EndpointSlice, Pod, Service } from '../../api/types.js';
import { isNotFound } from '../../api/errors.js';
import type { Client, ResourceClient } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { ownerRefFor } from '../shared/controller-ref.js';
import { keyOf } from '../shared/objects.js';
import {
  endpointLabels,
  ensureSliceServiceIndex,
  hasSelector,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  selects,
  serviceAddressTypes,
  SERVICE_NAME_LABEL,
  SLICE_SERVICE_INDEX,
  sliceServiceKey,
} from '../shared/service-pods.js';
import { ensureNamespaceIndex, NAMESPACE_INDEX, type Controller, type InformerView, type QueueView, type Recorder } from '../shared/types.js';
import { desiredGroups } from './desired.js';
import { MAX_ENDPOINTS_PER_SLICE, planSlices } from './pack.js';
import { SliceTracker } from './tracker.js';

/** Pod caches lag our own slice writes by a little: look again this soon. */
const STALE_RECHECK_MS = 250;

export interface EndpointSliceControllerDeps {
  client: Client;
  pods: InformerView<Pod>;
  services: InformerView<Service>;
  slices: InformerView<EndpointSlice>;
  recorder: Recorder;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
  maxEndpointsPerSlice?: number;
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly tracker: SliceTracker;
  private readonly rc: ResourceClient<EndpointSlice>;

  constructor(private readonly deps: EndpointSliceControllerDeps) {
    this.tracker = new SliceTracker(() => deps.clock.now());
    this.rc = deps.client.resource<EndpointSlice>('endpointslices');
    ensureNamespaceIndex(deps.pods);
    ensureNamespaceIndex(deps.services);
    ensureSliceServiceIndex(deps.slices);
    const q = deps.queue;
    deps.services.addEventHandler({
      onAdd: (s) => q.add(keyOf(s)),
      onUpdate: (_o, s) => q.add(keyOf(s)),
      onDelete: (s) => {
        this.tracker.forget(keyOf(s));
        q.add(keyOf(s));
      },
    });
    deps.pods.addEventHandler({
      onAdd: (p) => this.enqueueFor(p),
      onUpdate: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion) return;
        this.enqueueFor(p, o);
      },
      onDelete: (p) => this.enqueueFor(p),
    });
    const onSlice = (s: EndpointSlice) => {
      const k = sliceServiceKey(s);
      if (k && s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY) q.add(k);
    };
    deps.slices.addEventHandler({
      onAdd: onSlice,
      onUpdate: (_o, s) => onSlice(s),
      onDelete: (s) => {
        const k = sliceServiceKey(s);
        if (k) this.tracker.gone(k, s.metadata.name!);
        onSlice(s);
      },
    });
  }

  /** The Services that select the pod now or selected it before this change. */
  private enqueueFor(p: Pod, old?: Pod): void {
    for (const svc of this.deps.services.byIndex(NAMESPACE_INDEX, p.metadata.namespace ?? '')) {
      if (selects(svc, p) || (old && selects(svc, old))) this.deps.queue.add(keyOf(svc));
    }
  }

  async reconcile(key: string): Promise<Result> {
    const svc = this.deps.services.get(key);
    const cached = this.deps.slices.byIndex(SLICE_SERVICE_INDEX, key);
    const byName = new Map(cached.map((s) => [s.metadata.name!, s]));
    if (this.tracker.stale(key, byName)) return requeueAfter(STALE_RECHECK_MS);
    const ours = cached.filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
    // Gone: the garbage collector deletes owned slices. No selector (any more): its
    // slices are the user's business, and ours are stale.
    if (!svc) return done;
    if (svc.metadata.deletionTimestamp) return done;
    if (!hasSelector(svc)) {
      await this.write(key, svc, { create: [], update: [], delete: ours.filter((s) => ownedBy(s, svc)) });
      return done;
    }
    const pods = this.deps.pods.byIndex(NAMESPACE_INDEX, svc.metadata.namespace ?? '').filter((p) => selects(svc, p));
    const owner = ownerRefFor(svc, 'v1', 'Service');
    const labels = endpointLabels(svc, { [SERVICE_NAME_LABEL]: svc.metadata.name!, [MANAGED_BY_LABEL]: MANAGED_BY });
    const plan = planSlices({
      existing: ours.filter((s) => ownedBy(s, svc)),
      groups: desiredGroups(svc, pods),
      meta: { labels, ownerReferences: [owner] },
      placeholderType: serviceAddressTypes(svc, pods)[0]!,
      maxEndpoints: this.deps.maxEndpointsPerSlice ?? MAX_ENDPOINTS_PER_SLICE,
      newSlice: (g) => ({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { generateName: `${svc.metadata.name!.slice(0, 57)}-`, namespace: svc.metadata.namespace, labels, ownerReferences: [owner] },
        addressType: g.addressType,
        endpoints: [],
        ports: g.ports,
      }),
    });
    // Ours but not owned by this Service (left by a former Service of this name, or its
    // owner reference removed): deleted, as Kubernetes does, so no endpoint is listed twice.
    plan.delete.push(...ours.filter((s) => !ownedBy(s, svc)));
    await this.write(key, svc, plan);
    return done;
  }

  /** Creates first, then updates, then deletes: a Service never passes through "no endpoints" on the way. */
  private async write(key: string, svc: Service, plan: ReturnType<typeof planSlices>): Promise<void> {
    try {
      for (const s of plan.create) this.tracker.wrote(key, await this.rc.create(s));
      for (const s of plan.update) this.tracker.wrote(key, await this.rc.update(s));
      for (const s of plan.delete) {
        try {
          await this.rc.delete(s.metadata.name!, s.metadata.namespace, { preconditions: { uid: s.metadata.uid } });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        this.tracker.deleted(key, s.metadata.name!);
      }
    } catch (err) {
      this.deps.recorder.record(svc, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error)?.message ?? String(err)}`);
      throw err;
    }
  }
}

function ownedBy(s: EndpointSlice, svc: Service): boolean {
  const ref = s.metadata.ownerReferences?.find((r) => r.controller === true);
  return !!ref && ref.kind === 'Service' && ref.uid === svc.metadata.uid;
}
