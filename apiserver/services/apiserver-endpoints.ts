// The `kubernetes` Endpoints' subsets from the live apiserver leases (kubernetes-service.ts):
// one subset per port (apiservers usually share one), addresses sorted, so every
// apiserver computes the same object and rewrites nothing when nothing changed.

import { deepEqual } from '../../api/meta.js';
import type { Endpoints, KubeObject } from '../../api/types.js';

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
