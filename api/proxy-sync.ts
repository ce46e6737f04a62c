// The names of the termination protocol (docs/services.md "Zero-downtime endpoints"),
// shared by the writers and the readers: each `orch proxy` writes the two annotations on
// its Node (proxy/node-report.ts), the agents read them (agent/endpoint-drain/), and the
// ReplicaSet/Deployment controllers read the pod condition (controller/shared/objects.ts).

/** When the proxy last confirmed its revision (a sync or a heartbeat), RFC 3339 with ms. */
export const PROXY_SYNCED_AT_ANNOTATION = 'orch.io/proxy-synced-at';
/** Every EndpointSlice change up to this etcd revision is in the proxy's kernel rules (proxy/synced-revision.ts). */
export const PROXY_SYNCED_REVISION_ANNOTATION = 'orch.io/proxy-synced-revision';
/** How often an idle proxy confirms anyway; a proxy silent for 3 of these counts as dead. */
export const PROXY_HEARTBEAT_MS = 10_000;

/** Pod condition: False from the first Ready=True until every live proxy routes to the pod. */
export const PROXIES_ROUTED_CONDITION = 'orch.io/ProxiesRouted';

/** Compares two resourceVersions (decimal etcd revisions; '' or absent is 0). */
export function compareRevisions(a: string | undefined, b: string | undefined): number {
  const x = (a || '0').replace(/^0+(?=\d)/, '');
  const y = (b || '0').replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}
