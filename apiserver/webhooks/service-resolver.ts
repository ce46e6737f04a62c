// Where a webhook given by a Service reference is called: the Service's cluster IP and
// the referenced Service port, with TLS checked against the name
// `<service>.<namespace>.svc` (what Kubernetes' webhook certificates are issued for).
// orch decided on the cluster IP, as kube-apiserver does by default (its
// ClusterIPServiceResolver), not on one endpoint: the node's service proxy spreads the
// calls over the ready endpoints and drops terminating ones, so the apiserver needs no
// EndpointSlice cache of its own. It needs the proxy's rules where the apiserver runs
// (`orch up` and the compose demo run a proxy on every host).

import type { ServiceReference } from '../../api/admission-types.js';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

export interface WebhookEndpoint {
  host: string;
  port: number;
  path: string;
  /** TLS server name the certificate must carry. */
  servername?: string;
}

export type ServiceLookup = (namespace: string, name: string) => Promise<KubeObject | undefined>;

export async function resolveService(ref: ServiceReference, lookup: ServiceLookup): Promise<WebhookEndpoint> {
  const svc = await lookup(ref.namespace, ref.name);
  if (!svc) throw errors.notFoundMessage(`service "${ref.namespace}/${ref.name}" not found`);
  const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: Array<{ port?: number }> };
  const port = ref.port ?? 443;
  if (!spec.clusterIP || spec.clusterIP === 'None') throw errors.badRequest(`service "${ref.namespace}/${ref.name}" has no cluster IP to call`);
  if (!(spec.ports ?? []).some((p) => p.port === port)) throw errors.badRequest(`service "${ref.namespace}/${ref.name}" has no port ${port}`);
  return { host: spec.clusterIP, port, path: ref.path ?? '/', servername: `${ref.name}.${ref.namespace}.svc` };
}

export function endpointOfUrl(url: string): WebhookEndpoint {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 443, path: u.pathname || '/' };
}
