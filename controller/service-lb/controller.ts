// LoadBalancer status without a cloud: status.loadBalancer.ingress of every type
// LoadBalancer Service lists the node addresses that take its traffic (ingress.ts),
// written through /status only when the list changes, and cleared when the Service stops
// being a LoadBalancer. Node and slice changes enqueue the Services they may affect.

import type { EndpointSlice, Node, Service } from '../../api/types.js';
import { isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { deepEqual, keyOf } from '../shared/objects.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';
import { ensureSliceServiceIndex, SLICE_SERVICE_INDEX, sliceServiceKey } from '../shared/service-pods.js';
import { loadBalancerIngress } from './ingress.js';

export interface ServiceLbControllerDeps {
  client: Client;
  services: InformerView<Service>;
  nodes: InformerView<Node>;
  slices: InformerView<EndpointSlice>;
  logger: Logger;
  queue: QueueView;
}

/** What of a Node decides whether it is an ingress address. */
function nodeFacts(n: Node): unknown {
  return [n.spec?.unschedulable ?? false, n.status?.conditions?.find((c) => c.type === 'Ready')?.status, n.status?.addresses, !!n.metadata.deletionTimestamp];
}

export class ServiceLbController implements Controller {
  readonly name = 'servicelb';

  constructor(private readonly deps: ServiceLbControllerDeps) {
    ensureSliceServiceIndex(deps.slices);
    const q = deps.queue;
    deps.services.addEventHandler({
      onAdd: (s) => this.enqueueIfRelevant(s),
      onUpdate: (_o, s) => this.enqueueIfRelevant(s),
    });
    const allLb = () => {
      for (const s of deps.services.list()) if (s.spec?.type === 'LoadBalancer') q.add(keyOf(s));
    };
    deps.nodes.addEventHandler({
      onAdd: allLb,
      onUpdate: (o, n) => {
        if (!deepEqual(nodeFacts(o), nodeFacts(n))) allLb();
      },
      onDelete: allLb,
    });
    const onSlice = (s: EndpointSlice) => {
      const k = sliceServiceKey(s);
      const svc = k ? deps.services.get(k) : undefined;
      if (svc?.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local') q.add(k!);
    };
    deps.slices.addEventHandler({ onAdd: onSlice, onUpdate: (_o, s) => onSlice(s), onDelete: onSlice });
  }

  /** LoadBalancers, and former ones that still carry an ingress list. */
  private enqueueIfRelevant(s: Service): void {
    if (s.spec?.type === 'LoadBalancer' || (s.status?.loadBalancer?.ingress?.length ?? 0) > 0) this.deps.queue.add(keyOf(s));
  }

  async reconcile(key: string): Promise<Result> {
    const svc = this.deps.services.get(key);
    if (!svc || svc.metadata.deletionTimestamp) return done;
    const want = svc.spec.type === 'LoadBalancer' ? loadBalancerIngress(svc, this.deps.nodes.list(), this.deps.slices.byIndex(SLICE_SERVICE_INDEX, key)) : [];
    const have = svc.status?.loadBalancer?.ingress ?? [];
    if (deepEqual(have, want)) return done;
    const status = { ...(svc.status ?? {}), loadBalancer: want.length > 0 ? { ingress: want } : {} };
    try {
      await this.deps.client.services.updateStatus({ ...svc, status });
      this.deps.logger.debug({ service: key, ingress: want.map((i) => i.ip) }, 'load balancer status updated');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return done;
  }
}
