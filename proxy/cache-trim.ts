// What the proxy keeps of the Services and EndpointSlices it caches (the informers'
// transform): the fields its rules, its DNS records and its synced-revision read, nothing
// else, and the values that repeat across thousands of objects (namespace, protocol, port
// name, address type, node name, …) as one shared string each. At 10,000 services with
// two endpoints each this is what keeps the process near 100 MB (docs/services.md).
//
// Dropped: creationTimestamp, generation, managedFields, annotations, finalizers, labels
// of Services, the selector (the proxy routes by EndpointSlices), an endpoint's targetRef
// and hints, a slice's labels but the service-name one and its ownerReferences but the
// controlling Service's uid (synced-revision.ts), the slice's own uid.

import type { EndpointSlice, ObjectMeta, Service } from '../api/types.js';
import { SERVICE_NAME_LABEL } from './rules/service-model.js';

/** One shared copy per distinct value; bounded, so a flood of distinct values cannot grow it without end. */
export class Interner {
  private readonly seen = new Map<string, string>();
  constructor(private readonly max = 4096) {}

  of<S extends string | undefined>(s: S): S {
    if (s === undefined) return s;
    const hit = this.seen.get(s);
    if (hit !== undefined) return hit as S;
    if (this.seen.size < this.max) this.seen.set(s, s);
    return s;
  }
}

// Every object is built as a literal with a fixed set of keys (absent values undefined), so
// the thousands of cached objects share a few shapes: spreading each into a new object gave
// every one of them a hidden class of its own (7.7 MB of shapes at 10,000 services).

function meta(m: ObjectMeta, i: Interner, uid: string | undefined): ObjectMeta {
  return { name: m.name, namespace: i.of(m.namespace), uid, resourceVersion: m.resourceVersion, deletionTimestamp: m.deletionTimestamp, labels: undefined, ownerReferences: undefined };
}

export function trimService(svc: Service, i: Interner): Service {
  const spec = svc.spec;
  return {
    apiVersion: i.of(svc.apiVersion),
    kind: i.of(svc.kind),
    metadata: meta(svc.metadata, i, svc.metadata.uid),
    // What service-model.ts, dns/ and synced-revision.ts read; cache-trim.test.ts checks
    // the rules and records come out the same.
    spec: {
      type: i.of(spec.type),
      clusterIP: spec.clusterIP,
      clusterIPs: spec.clusterIPs,
      externalIPs: spec.externalIPs,
      externalName: spec.externalName,
      externalTrafficPolicy: i.of(spec.externalTrafficPolicy),
      internalTrafficPolicy: i.of(spec.internalTrafficPolicy),
      sessionAffinity: i.of(spec.sessionAffinity),
      sessionAffinityConfig: spec.sessionAffinityConfig,
      publishNotReadyAddresses: spec.publishNotReadyAddresses,
      ports: spec.ports?.map((p) => ({ name: i.of(p.name), protocol: i.of(p.protocol), port: p.port, targetPort: p.targetPort, nodePort: p.nodePort, appProtocol: p.appProtocol })),
    },
    status: svc.status?.loadBalancer?.ingress?.length ? { loadBalancer: svc.status.loadBalancer } : undefined,
  } as Service;
}

export function trimSlice(slice: EndpointSlice, i: Interner): EndpointSlice {
  const m = meta(slice.metadata, i, undefined); // a slice's own uid: read by nothing
  const svcName = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  if (svcName !== undefined) m.labels = { [SERVICE_NAME_LABEL]: svcName };
  const owner = slice.metadata.ownerReferences?.find((r) => r.kind === 'Service' && r.controller === true);
  if (owner) m.ownerReferences = [{ apiVersion: i.of(owner.apiVersion), kind: i.of(owner.kind), name: owner.name, uid: owner.uid, controller: true }];
  return {
    apiVersion: i.of(slice.apiVersion),
    kind: i.of(slice.kind),
    metadata: m,
    addressType: i.of(slice.addressType),
    endpoints: (slice.endpoints ?? []).map((e) => ({ addresses: e.addresses, conditions: e.conditions, hostname: e.hostname, nodeName: i.of(e.nodeName), zone: i.of(e.zone) })),
    ports: slice.ports?.map((p) => ({ name: i.of(p.name), protocol: i.of(p.protocol), port: p.port, appProtocol: p.appProtocol })),
  };
}
