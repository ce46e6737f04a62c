// The route of the virtual kinds (registry/virtual-kinds.ts): only `create`, the query's
// write options read as on every write, the body's apiVersion/kind checked against the
// URL, then the review answered (answer.ts) with 201, as Kubernetes answers these creates.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import { apiVersionOf } from '../../api/resources.js';
import type { ServerContext } from '../context.js';
import type { Query } from '../list-options.js';
import type { ResourceRequest } from '../request-info.js';
import { parseWriteQuery } from '../write-options.js';
import { answerReview } from './answer.js';

/** POST of a virtual kind: the answer, with 201 as Kubernetes answers a create. Other verbs: 405. */
export async function serveVirtual(ctx: ServerContext, info: ResourceRequest, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const r = info.resource;
  if (info.verb !== 'create' || info.name !== undefined || info.subresource !== undefined)
    throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (${info.verb} ${r.plural}.${r.group}: only create)`);
  // LocalSubjectAccessReview lives in a namespace only (no cluster-wide route, as Kubernetes).
  if (r.namespaced && info.namespace === undefined) throw errors.notFoundMessage(`the server could not find the requested resource (POST ${r.plural}.${r.group}: only under /namespaces/{namespace}/)`);
  // dryRun and fieldValidation are read as on every write (400 for unknown values); a
  // review writes nothing, so dryRun changes nothing.
  const { fieldValidation } = parseWriteQuery((req.query ?? {}) as Query);
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest(`the body of a ${r.kind} must be an object (JSON, YAML or protobuf)`);
  const o = body as Record<string, unknown>;
  if (o.kind !== undefined && o.kind !== r.kind) throw errors.badRequest(`the body is a ${String(o.kind)}, but this is ${r.kind}: kind must match the URL`);
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersionOf(r))
    throw errors.badRequest(`the body's apiVersion ${JSON.stringify(o.apiVersion)} is not ${apiVersionOf(r)}, the URL's`);
  const { object, warnings } = await answerReview(ctx, r, info.namespace, o, req.user, fieldValidation ?? 'Warn');
  if (warnings.length > 0) reply.header('warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
  reply.code(201);
  return object;
}
