// /openapi/v2 (Swagger 2.0) and /openapi/v3 (an index of one OpenAPI 3.0 document per
// group version), printed from the schema model (api/schema/, built by openapi-model.ts)
// with complete schemas: `kubectl explain` reads them, kubectl computes strategic merge
// patches for apply/edit/patch from their x-kubernetes-patch-* extensions, and learns
// from the fieldValidation parameter that the server validates fields itself.
//
// The documents are built once, on the first request (the model, shared with field
// validation, ~0.3 s on first use; the documents ~0.2 s more: one measurement on a busy
// 2-core machine), and never change while the process runs: each
// carries an ETag (its hash, also in the index's serverRelativeURL) and a request
// with a matching If-None-Match gets a 304.

import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import { RESOURCES, apiVersionOf } from '../../api/resources.js';
import { definitionName, servedKindDefs } from '../../api/schema/kinds.js';
import { closure, definitionsJson, type OpenApiVersion } from '../../api/schema/openapi-doc.js';
import { schemaModel } from './openapi-model.js';
import { gvPath, META, PATCH_DEFINITION, pathsOf } from './openapi-paths.js';
import { encodeOpenApiV2, OPENAPI_V2_PROTOBUF } from './openapi-v2-protobuf.js';
import type { CrdRegistry } from '../crd/crd-registry.js';
import { CustomOpenApi } from '../crd/crd-openapi.js';

const PATCH_JSON = { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' };

/** The definitions a group version's document needs: its kinds, their lists, and what answers carry. */
function definitionsFor(group: string, version: string | undefined, v: OpenApiVersion): Record<string, unknown> {
  const model = schemaModel();
  const roots = servedKindDefs()
    .filter((k) => version === undefined || k.gvks.some((g) => g.group === group && g.version === version) || k.name.startsWith(META))
    .map((k) => k.name);
  // Subresource bodies sit in the documents of the resources they belong to.
  if (version !== undefined) for (const r of RESOURCES.filter((x) => x.group === group && x.version === version)) {
    if (r.subresources.includes('scale')) roots.push(definitionName('autoscaling', 'v1', 'Scale'));
    if (r.subresources.includes('binding')) roots.push(definitionName('', 'v1', 'Binding'));
  }
  return { ...definitionsJson(model, v, closure(model, roots)), [PATCH_DEFINITION]: PATCH_JSON };
}

export function openApiV3Document(group: string, version: string): Record<string, unknown> {
  return {
    openapi: '3.0.0',
    info: { title: 'orch', version: apiVersionOf({ group, version }) },
    paths: pathsOf(RESOURCES.filter((x) => x.group === group && x.version === version), 'v3'),
    components: { schemas: definitionsFor(group, version, 'v3') },
  };
}

export function openApiV2Document(): Record<string, unknown> {
  return {
    swagger: '2.0',
    info: { title: 'orch', version: 'v1' },
    paths: pathsOf(RESOURCES, 'v2'),
    definitions: definitionsFor('', undefined, 'v2'),
  };
}

interface Doc {
  body: string | Buffer;
  type: string;
  hash: string;
}

function doc(body: string | Buffer, type = 'application/json'): Doc {
  return { body, type, hash: crypto.createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() };
}

let built:
  | { v2: Doc; v2Protobuf: Doc; v3: Map<string, Doc>; index: Record<string, { serverRelativeURL: string }> }
  | undefined;

function documents(): NonNullable<typeof built> {
  if (built) return built;
  const v3 = new Map<string, Doc>();
  const index: Record<string, { serverRelativeURL: string }> = {};
  for (const r of new Map(RESOURCES.map((x) => [gvPath(x.group, x.version), x])).values()) {
    const p = gvPath(r.group, r.version);
    const d = doc(JSON.stringify(openApiV3Document(r.group, r.version)));
    v3.set(p, d);
    index[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
  }
  const v2 = openApiV2Document();
  built = { v2: doc(JSON.stringify(v2)), v2Protobuf: doc(encodeOpenApiV2(v2), OPENAPI_V2_PROTOBUF), v3, index };
  return built;
}

function send(req: FastifyRequest, reply: FastifyReply, d: Doc): FastifyReply {
  const etag = `"${d.hash}"`;
  reply.header('etag', etag).header('vary', 'Accept');
  const query = req.query as { hash?: string };
  // A URL naming the current hash never changes (the index hands these out).
  reply.header('cache-control', query.hash === d.hash ? 'public, immutable' : 'no-cache, private');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.header('content-type', d.type).send(d.body);
}

export function registerOpenApiRoutes(app: FastifyInstance, crds?: CrdRegistry): void {
  // Custom resources' documents change with their CRDs (crd/crd-openapi.ts).
  const custom = crds ? new CustomOpenApi(() => crds.resources()) : undefined;
  app.get('/openapi/v3', async () => {
    const extra = custom?.documents();
    if (!extra || extra.size === 0) return { paths: documents().index };
    const paths = { ...documents().index };
    for (const [p, d] of extra) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
    return { paths };
  });
  app.get('/openapi/v3/*', async (req, reply) => {
    const p = (req.params as { '*': string })['*'].replace(/\/$/, '');
    const d = documents().v3.get(p) ?? custom?.documents().get(p);
    if (!d) throw errors.notFoundMessage(`no OpenAPI document for ${p}`);
    return send(req, reply, d);
  });
  // Protobuf when asked for it (kubectl, client-go), JSON otherwise (curl, browsers).
  app.get('/openapi/v2', async (req, reply) => {
    const wantsProtobuf = (req.headers.accept ?? '').includes('application/com.github.proto-openapi.spec.v2');
    return send(req, reply, wantsProtobuf ? documents().v2Protobuf : documents().v2);
  });
}
