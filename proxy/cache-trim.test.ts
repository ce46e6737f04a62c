import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '../api/types.js';
import { Interner, trimService, trimSlice } from './cache-trim.js';
import { buildServiceRecords } from './dns/service-records.js';
import { servicePorts } from './rules/service-model.js';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42', creationTimestamp: '2026-12-04T00:00:00Z', generation: 3, labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"huge":true}' } },
  spec: {
    type: 'LoadBalancer',
    selector: { app: 'web' },
    clusterIP: '10.96.0.10',
    clusterIPs: ['10.96.0.10', 'fd00:96::10'],
    ipFamilies: ['IPv4', 'IPv6'],
    ipFamilyPolicy: 'PreferDualStack',
    externalIPs: ['192.0.2.7'],
    externalTrafficPolicy: 'Local',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
    publishNotReadyAddresses: false,
    ports: [
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 },
      { name: 'dns', port: 53, targetPort: 5353, protocol: 'UDP', nodePort: 30053 },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
} as Service;

const slice = (family: 'IPv4' | 'IPv6', ips: string[]): EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name: `web-${family}`,
    namespace: 'shop',
    uid: `s-${family}`,
    resourceVersion: '43',
    creationTimestamp: '2026-12-04T00:00:01Z',
    labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.orch.io' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
  },
  addressType: family,
  endpoints: ips.map((ip, k) => ({ addresses: [ip], nodeName: `n${k}`, hostname: `h${k}`, conditions: { ready: k !== 2, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: `web-${k}`, namespace: 'shop', uid: `p-${k}` } })),
  ports: [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'dns', port: 5353, protocol: 'UDP' },
  ],
});

describe('the proxy cache keeps what it reads', () => {
  const slices = [slice('IPv4', ['10.244.1.5', '10.244.2.6', '10.244.3.7']), slice('IPv6', ['fd00:244::5'])];

  it('trimmed objects give the same rules (both families, every policy) and the same DNS records', () => {
    const i = new Interner();
    const tSvc = trimService(svc, i);
    const tSlices = slices.map((s) => trimSlice(s, i));
    expect(servicePorts(tSvc, tSlices, 'n0')).toEqual(servicePorts(svc, slices, 'n0'));
    expect(servicePorts(tSvc, tSlices, 'n0').length).toBe(4);
    expect(buildServiceRecords(tSvc, tSlices, 'cluster.local')).toEqual(buildServiceRecords(svc, slices, 'cluster.local'));
    const headless = { ...svc, spec: { ...svc.spec, type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'] } } as Service;
    expect(buildServiceRecords(trimService(headless, i), tSlices, 'cluster.local')).toEqual(buildServiceRecords(headless, slices, 'cluster.local'));
  });

  it('drops what nothing reads; keeps the revision, the uid and the controlling Service', () => {
    const i = new Interner();
    const t = trimService(svc, i);
    expect(t.metadata).toEqual({ name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42' });
    expect(t.spec.selector).toBeUndefined();
    const s = trimSlice(slices[0]!, i);
    expect(s.metadata).toEqual({ name: 'web-IPv4', namespace: 'shop', resourceVersion: '43', labels: { 'kubernetes.io/service-name': 'web' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'u-1', controller: true }] });
    expect(s.endpoints[0]).toEqual({ addresses: ['10.244.1.5'], nodeName: 'n0', hostname: 'h0', conditions: { ready: true, serving: true, terminating: false } });
  });

  it('the interner holds at most its bound', () => {
    const i = new Interner(2);
    for (const v of ['a', 'b', 'c', 'd']) expect(i.of(v)).toBe(v);
    expect((i as unknown as { seen: Map<string, string> }).seen.size).toBe(2);
  });
});
