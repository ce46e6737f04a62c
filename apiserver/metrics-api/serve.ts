// GET of metrics.k8s.io/v1beta1 pods and nodes (get; list with labelSelector and
// fieldSelector, one namespace or all), answered from the in-memory store as
// metrics-server answers: no resourceVersion, no watch (405), no pagination (limit is
// ignored, as the API allows a server that cannot chunk). Authorization happened before
// (routes/resources.ts: RBAC on `pods.metrics.k8s.io` / `nodes.metrics.k8s.io`).

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import { METRICS_API_VERSION, type NodeMetrics } from '../../api/metrics-types.js';
import type { KubeObject } from '../../api/types.js';
import type { ServerContext } from '../context.js';
import { parseListOptions, type Query } from '../list-options.js';
import type { ResourceRequest } from '../request-info.js';
import { NODE_METRICS_TABLE, POD_METRICS_TABLE } from '../../api/tables/metrics.js';
import { includeObjectOf, wantsTable } from '../table.js';
import { NODE_METRICS } from './metrics-resources.js';
import { jsonOf } from './metrics-store.js';

export async function serveMetrics(ctx: ServerContext, info: ResourceRequest, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const r = info.resource;
  if (info.subresource !== undefined) throw errors.notFoundMessage(`the server could not find the requested resource (${r.plural}.${r.group} has no subresources)`);
  if (info.verb !== 'get' && info.verb !== 'list')
    throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (${info.verb} ${r.plural}.${r.group}: only get and list)`);
  const store = ctx.resourceMetrics;
  if (!store) throw errors.unavailable('this apiserver does not gather resource metrics (--metric-resolution 0)');
  const isNode = r === NODE_METRICS;
  if (info.verb === 'get') {
    const name = info.name!;
    const found = isNode ? store.getNode(name) : store.getPod(info.namespace!, name);
    // metrics-server's answer for a pod or node without figures (yet): NotFound.
    if (!found) throw errors.notFoundMessage(`${isNode ? 'nodemetrics' : 'podmetrics'}.metrics.k8s.io "${name}" not found`);
    return found;
  }
  const q = (req.query ?? {}) as Query;
  const opts = parseListOptions(r, q);
  const all = (isNode ? store.listNodes() : store.listPods(info.namespace)) as unknown as KubeObject[];
  const items = opts.predicate ? all.filter(opts.predicate) : all;
  if (wantsTable(req.headers.accept)) {
    const t = isNode ? NODE_METRICS_TABLE : POD_METRICS_TABLE;
    const include = includeObjectOf(q);
    const now = ctx.clock.now();
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: {},
      columnDefinitions: t.columns,
      rows: items.map((o) => ({
        cells: t.row(o, now),
        ...(include === 'None' ? {} : { object: include === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
      })),
    };
  }
  // Each object's JSON is made once per scrape (metrics-store.ts): the list is a join.
  const head = JSON.stringify({ kind: r.listKind, apiVersion: METRICS_API_VERSION, metadata: {} }).slice(0, -1);
  void reply.type('application/json');
  return `${head},"items":[${(items as unknown as NodeMetrics[]).map(jsonOf).join(',')}]}`;
}
