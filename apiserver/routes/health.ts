// Health, version, metrics. /healthz, /livez, /readyz and /version are public (as in
// Kubernetes' default RBAC); /metrics needs a token. The health paths are answered by
// foundation/health-checks.ts, as on every orch process's health server:
//
//   - /livez and /healthz: only whether this process serves requests. A supervisor (or
//     a liveness probe) restarts a process whose livez fails, and restarting an apiserver
//     never fixes etcd: with etcd down every apiserver would be restarted in a loop, and
//     each restart drops every watch. (/healthz is Kubernetes' deprecated alias.)
//   - /readyz: also the apiserver's components (`[+]etcd`: a read within 2 s; `bootstrap`:
//     the system namespaces exist; ...) and `[-]shutdown` while it stops. A load balancer
//     sends no traffic to an apiserver that cannot reach etcd; it comes back by itself.
// `?verbose` lists the checks one per line, as Kubernetes does ([+]name ok / [-]name failed).

import type { FastifyInstance } from 'fastify';
import { answerHealth, HEALTH_PATHS, healthEndpointOf, type NamedCheck } from '../../foundation/health-checks.js';
import type { MetricsSource } from '../../foundation/metrics.js';
import { versionInfo } from './discovery.js';

/** Served without a token: health (with /readyz/NAME) and /version. */
export function isPublicPath(path: string): boolean {
  return path === '/version' || healthEndpointOf(path) !== undefined;
}

export interface HealthRouteDeps {
  /** The components' readiness (the runner's checks). */
  readiness: () => Promise<NamedCheck[]>;
  stopping: () => boolean;
  metrics: MetricsSource;
  version: string;
}

export function registerHealthRoutes(app: FastifyInstance, deps: HealthRouteDeps): void {
  for (const path of HEALTH_PATHS) {
    for (const route of [path, `${path}/:check`]) {
      app.get(route, async (req, reply) => {
        const url = new URL(req.url, 'http://apiserver');
        const answer = (await answerHealth(url.pathname, url.searchParams, deps.readiness, { stopping: deps.stopping() }))!;
        return reply.code(answer.code).type(answer.contentType).send(answer.body);
      });
    }
  }
  app.get('/version', async () => versionInfo(deps.version));
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.text();
    return reply.type(deps.metrics.contentType).send(text);
  });
}
