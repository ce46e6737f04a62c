// A minimal OpenAPI v3 description: no schemas, only the paths and the operations with
// their x-kubernetes-group-version-kind, which is what kubectl reads to learn that the
// server does field validation itself (it then sends fieldValidation=Strict instead of
// downloading schemas for client-side validation, which would fail without them).
// /openapi/v2 stays 404: kubectl then computes strategic merge patches from its
// built-in types, which is exactly right for the Kubernetes kinds orch serves.

import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errors } from '../../api/errors.js';
import { RESOURCES, apiVersionOf, type ResourceInfo } from '../../api/resources.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = ['fieldValidation', 'fieldManager', 'dryRun', 'pretty'].map((name) => ({
  name,
  in: 'query',
  schema: { type: 'string', uniqueItems: true },
}));

function op(r: ResourceInfo, action: string, kind = r.kind, group = r.group, version = r.version): Record<string, unknown> {
  return {
    operationId: `${action}${r.kind}`,
    parameters: action === 'patch' || action === 'put' || action === 'post' ? QUERY_PARAMS : [],
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group, version, kind },
  };
}

export function openApiV3Document(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: op(r, 'list'), post: op(r, 'post'), delete: op(r, 'deletecollection') };
    paths[`${base}/{name}`] = { get: op(r, 'get'), put: op(r, 'put'), patch: op(r, 'patch'), delete: op(r, 'delete') };
    for (const sub of r.subresources) {
      if (sub === 'status') paths[`${base}/{name}/status`] = { get: op(r, 'get'), put: op(r, 'put'), patch: op(r, 'patch') };
      if (sub === 'scale')
        paths[`${base}/{name}/scale`] = {
          get: op(r, 'get', 'Scale', 'autoscaling', 'v1'),
          put: op(r, 'put', 'Scale', 'autoscaling', 'v1'),
          patch: op(r, 'patch', 'Scale', 'autoscaling', 'v1'),
        };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'orch', version: apiVersionOf({ group, version }) },
    paths,
    components: { schemas: {} },
  };
}

export function registerOpenApiRoutes(app: FastifyInstance): void {
  const gvs = [...new Map(RESOURCES.map((r) => [gvPath(r.group, r.version), r])).values()];
  const docs = new Map<string, string>();
  const index: Record<string, { serverRelativeURL: string }> = {};
  for (const r of gvs) {
    const p = gvPath(r.group, r.version);
    const text = JSON.stringify(openApiV3Document(r.group, r.version));
    docs.set(p, text);
    const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 32).toUpperCase();
    index[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  app.get('/openapi/v3', async () => ({ paths: index }));
  app.get('/openapi/v3/*', async (req, reply) => {
    const p = (req.params as { '*': string })['*'].replace(/\/$/, '');
    const text = docs.get(p);
    if (!text) throw errors.notFoundMessage(`no OpenAPI document for ${p}`);
    return reply.type('application/json').send(text);
  });
  app.get('/openapi/v2', async () => {
    throw errors.notFoundMessage('the server does not publish an OpenAPI v2 schema');
  });
}
