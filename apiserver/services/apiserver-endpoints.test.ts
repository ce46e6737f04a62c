import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { apiserverEndpoints, apiserverSlices, endpointsChanged } from './apiserver-endpoints.js';

const lease = (address: string | undefined, port: string | undefined): KubeObject => ({
  metadata: { name: `l-${address}-${port}`, annotations: { ...(address ? { a: address } : {}), ...(port ? { p: port } : {}) } },
});
const keys = { address: 'a', port: 'p' };

describe('the kubernetes Endpoints from apiserver leases', () => {
  it('groups addresses by port, sorted, the same whatever the lease order; skips leases without an address or port', () => {
    const leases = [lease('10.0.0.2', '6443'), lease('10.0.0.1', '6443'), lease('10.0.0.3', '7443'), lease(undefined, '6443'), lease('10.0.0.4', 'x')];
    const want = [
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.3' }], ports: [{ name: 'https', port: 7443, protocol: 'TCP' }] },
    ];
    expect(apiserverEndpoints(leases, keys)).toEqual(want);
    expect(apiserverEndpoints([...leases].reverse(), keys)).toEqual(want);
    expect(endpointsChanged({ metadata: {}, subsets: want } as KubeObject, apiserverEndpoints(leases, keys))).toBe(false);
    expect(endpointsChanged({ metadata: {} } as KubeObject, want)).toBe(true);
  });

  it('as EndpointSlices: one per port, the first named kubernetes, ready endpoints, the address family of the addresses', () => {
    const slices = apiserverSlices(apiserverEndpoints([lease('10.0.0.1', '6443'), lease('fd00::1', '7443')], keys));
    expect(slices.map((s) => [s.metadata.name, s.addressType, s.endpoints.map((e) => e.addresses[0]), s.ports?.[0]?.port])).toEqual([
      ['kubernetes', 'IPv4', ['10.0.0.1'], 6443],
      ['kubernetes-7443', 'IPv6', ['fd00::1'], 7443],
    ]);
    expect(slices[0]!.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'apiserver.orch.io' });
    expect(slices[0]!.endpoints[0]!.conditions).toEqual({ ready: true, serving: true, terminating: false });
  });
});
