// Services and EndpointSlices for the proxy's tests and benchmark.

import type { EndpointSlice, Service, ServicePort } from '../../api/types.js';
import { SERVICE_NAME_LABEL } from '../rules/service-model.js';

export function service(name: string, clusterIP: string, spec: Partial<Service['spec']> = {}, ports: ServicePort[] = [{ name: 'http', port: 80, protocol: 'TCP' }], ns = 'default'): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns, resourceVersion: '1' }, spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], ports, ...spec } };
}

export interface Ep {
  ip: string;
  node?: string;
  ready?: boolean;
}

export function slice(svc: string, eps: Ep[], ports: { name?: string; port: number; protocol?: 'TCP' | 'UDP' }[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], ns = 'default', suffix = 'abcde'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-${suffix}`, namespace: ns, labels: { [SERVICE_NAME_LABEL]: svc }, resourceVersion: '1' },
    addressType: eps[0]?.ip.includes(':') ? 'IPv6' : 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], nodeName: e.node, conditions: e.ready === undefined ? {} : { ready: e.ready } })),
    ports,
  };
}
