// Pods, Services, EndpointSlices and Nodes with proxy reports, for the endpoint-drain tests.

import { PROXY_SYNCED_AT_ANNOTATION, PROXY_SYNCED_REVISION_ANNOTATION } from '../../api/proxy-sync.js';
import { SERVICE_NAME_LABEL } from '../../api/service-types.js';
import type { EndpointSlice, Node, Pod, Service } from '../../api/types.js';

export function pod(name: string, o: { uid?: string; ip?: string; ready?: boolean; deleting?: boolean; labels?: Record<string, string>; routed?: 'True' | 'False' } = {}): Pod {
  const conditions = [{ type: 'Ready', status: o.ready ? 'True' : 'False' }, ...(o.routed ? [{ type: 'orch.io/ProxiesRouted', status: o.routed }] : [])];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: o.uid ?? `uid-${name}`, labels: o.labels ?? { app: 'web' }, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] },
    status: { phase: 'Running', podIP: o.ip ?? '10.244.1.5', podIPs: [{ ip: o.ip ?? '10.244.1.5' }], conditions: conditions as NonNullable<Pod['status']>['conditions'] },
  };
}

export function service(name: string, selector: Record<string, string> = { app: 'web' }): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid: `uid-svc-${name}` }, spec: { selector, ports: [{ port: 80, protocol: 'TCP' }] } } as Service;
}

export interface Ep {
  pod: Pod;
  ready?: boolean;
  terminating?: boolean;
}

export function slice(name: string, svc: string, eps: Ep[], rv = '1'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', resourceVersion: rv, labels: { [SERVICE_NAME_LABEL]: svc } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.pod.status!.podIP!],
      targetRef: { kind: 'Pod', name: e.pod.metadata.name, namespace: 'default', uid: e.pod.metadata.uid },
      conditions: { ready: e.ready ?? true, serving: e.ready ?? true, terminating: e.terminating ?? false },
    })),
    ports: [{ port: 8080, protocol: 'TCP' }],
  };
}

export function node(name: string, report?: { revision: string; at: string }, ready: 'True' | 'False' | 'Unknown' = 'True'): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, ...(report ? { annotations: { [PROXY_SYNCED_AT_ANNOTATION]: report.at, [PROXY_SYNCED_REVISION_ANNOTATION]: report.revision } } : {}) },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: ready }] },
  } as Node;
}
