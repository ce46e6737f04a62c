// Health, version, metrics and the OpenAPI stubs. /healthz, /livez, /readyz and
// /version are public (as in Kubernetes' default RBAC); /metrics needs a token.
//
// Which endpoint reflects etcd:
//   - /livez and /healthz: only whether this process serves requests. A supervisor (or
//     a liveness probe) restarts a process whose livez fails, and restarting an apiserver
//     never fixes etcd: with etcd down every apiserver would be restarted in a loop, and
//     each restart drops every watch. (/healthz is Kubernetes' deprecated alias.)
//   - /readyz: also whether etcd answers a read within 2 s. A load balancer sends no
//     traffic to an apiserver that cannot reach etcd; it comes back by itself.
// `?verbose` lists the checks one per line, as Kubernetes does ([+]name ok / [-]name failed).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import type { ApiserverMetrics } from '../metrics.js';
import type { Storage } from '../storage/types.js';
import { versionInfo } from './discovery.js';

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

interface Check {
  name: string;
  /** undefined = ok, otherwise why it failed. */
  run(): Promise<string | undefined>;
}

export function registerHealthRoutes(app: FastifyInstance, deps: { storage: Storage; metrics: ApiserverMetrics; version: string }): void {
  const ping: Check = { name: 'ping', run: async () => undefined };
  const etcd: Check = { name: 'etcd', run: async () => ((await deps.storage.healthy()) ? undefined : 'etcd is not reachable') };
  const endpoints: [string, Check[]][] = [
    ['/healthz', [ping]],
    ['/livez', [ping]],
    ['/readyz', [ping, etcd]],
  ];
  for (const [path, checks] of endpoints) {
    app.get(path, (req, reply) => runChecks(path.slice(1), checks, req, reply));
  }
  app.get('/version', async () => versionInfo(deps.version));
  app.get('/metrics', async (_req, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}

async function runChecks(endpoint: string, checks: Check[], req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const results = await Promise.all(checks.map(async (c) => ({ name: c.name, failure: await c.run() })));
  const failed = results.filter((r) => r.failure !== undefined);
  const verbose = (req.query as Record<string, unknown> | undefined)?.verbose !== undefined;
  if (failed.length > 0 && !verbose) throw errors.unavailable(`${endpoint} check failed: ${failed.map((f) => f.failure).join('; ')}`);
  if (!verbose) return reply.type('text/plain').send('ok');
  const lines = results.map((r) => (r.failure === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.failure}`));
  lines.push(failed.length === 0 ? `${endpoint} check passed` : `${endpoint} check failed`);
  return reply
    .code(failed.length === 0 ? 200 : 503)
    .type('text/plain')
    .send(`${lines.join('\n')}\n`);
}
