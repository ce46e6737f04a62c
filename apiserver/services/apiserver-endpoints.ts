// The `kubernetes` Endpoints' subsets (and EndpointSlices) from the live apiserver leases (kubernetes-service.ts):
// one subset per port (apiservers usually share one), addresses sorted, so every
// apiserver computes the same object and rewrites nothing when nothing changed.

import { deepEqual } from '../../api/meta.js';
import type { EndpointSlice, Endpoints, KubeObject } from '../../api/types.js';

type Subsets = NonNullable<Endpoints['subsets']>;

export function apiserverEndpoints(leases: KubeObject[], keys: { address: string; port: string }): Subsets {
  const byPort = new Map<number, Set<string>>();
  for (const l of leases) {
    const address = l.metadata.annotations?.[keys.address];
    const port = Number(l.metadata.annotations?.[keys.port]);
    if (!address || !Number.isInteger(port) || port <= 0) continue;
    const set = byPort.get(port) ?? new Set<string>();
    set.add(address);
    byPort.set(port, set);
  }
  return [...byPort.entries()]
    .sort(([a], [b]) => a - b)
    .map(([port, ips]) => ({ addresses: [...ips].sort().map((ip) => ({ ip })), ports: [{ name: 'https', port, protocol: 'TCP' }] }));
}

export function endpointsChanged(current: KubeObject, subsets: Subsets): boolean {
  return !deepEqual((current as Endpoints).subsets ?? [], subsets);
}

export const SLICE_MANAGED_BY = 'apiserver.orch.io';

/**
 * The same addresses as EndpointSlices (discovery.k8s.io/v1): one per port (a slice has one
 * set of ports), named `kubernetes` for the first and `kubernetes-<port>` for any other,
 * IPv4 or IPv6 by the first address (apiservers of a cluster advertise one family).
 */
export function apiserverSlices(subsets: Subsets): EndpointSlice[] {
  return subsets.map((s, i) => {
    const port = s.ports![0]!.port;
    const v6 = (s.addresses ?? []).some((a) => a.ip.includes(':'));
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: i === 0 ? 'kubernetes' : `kubernetes-${port}`,
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': SLICE_MANAGED_BY },
      },
      addressType: v6 ? 'IPv6' : 'IPv4',
      endpoints: (s.addresses ?? []).map((a) => ({ addresses: [a.ip], conditions: { ready: true, serving: true, terminating: false } })),
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    };
  });
}

export function sliceChanged(current: KubeObject, want: EndpointSlice): boolean {
  const c = current as EndpointSlice;
  return !deepEqual([c.addressType, c.endpoints ?? [], c.ports ?? [], c.metadata.labels ?? {}], [want.addressType, want.endpoints, want.ports, want.metadata.labels]);
}
