// Health, version, metrics and the OpenAPI stubs. /healthz, /livez, /readyz and
// /version are public (as in Kubernetes' default RBAC); /metrics needs a token.

import type { FastifyInstance } from 'fastify';
import { errors } from '../../api/errors.js';
import type { ApiserverMetrics } from '../metrics.js';
import type { Storage } from '../storage/types.js';
import { versionInfo } from './discovery.js';

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function registerHealthRoutes(app: FastifyInstance, deps: { storage: Storage; metrics: ApiserverMetrics; version: string }): void {
  // Liveness says only that the process serves HTTP: restarting it would not fix etcd.
  for (const p of ['/healthz', '/livez']) app.get(p, async (_req, reply) => reply.type('text/plain').send('ok'));
  app.get('/readyz', async (_req, reply) => {
    if (await deps.storage.healthy()) return reply.type('text/plain').send('ok');
    throw errors.unavailable('readyz check failed: etcd is not reachable');
  });
  app.get('/version', async () => versionInfo(deps.version));
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
