// Kinds served in a second version that is converted, never stored: autoscaling/v1
// HorizontalPodAutoscaler over the stored autoscaling/v2 objects (api/hpa-conversion.ts).
// Kept out of api/resources.ts like the virtual kinds, because everything that walks
// RESOURCES (namespace cleanup, the CLI's type names, `get all`, the garbage collector)
// must see the stored kind once. Routing, discovery and protobuf bodies ask this table.
//
// Reads go to the same etcd keys (group and plural are the same) and come out converted;
// writes are converted to v2 and go through the v2 rules (defaults, validation, status
// subresource). A v1 update or patch is merged into the stored object (what v1 cannot say
// is kept), so it is a compare-and-swap on the resourceVersion it was merged with, retried
// a few times when the object changed meanwhile. Server-side apply is v2 only.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import { hpaFromV1, hpaToV1 } from '../../api/hpa-conversion.js';
import type { HorizontalPodAutoscaler } from '../../api/hpa-types.js';
import { applyPatch } from '../../api/patch/apply.js';
import { apiVersionOf, findResource, parseApiVersion, type ResourceInfo } from '../../api/resources.js';
import { deleteAnswer } from '../../api/strategies/deletion.js';
import type { KubeObject, WatchEvent } from '../../api/types.js';
import { validateHpaV1Target } from '../../api/validation/hpa.js';
import { text } from '../../api/validation/field-errors.js';
import type { ServerContext } from '../context.js';
import { parseListOptions, type Query } from '../list-options.js';
import type { ResourceRequest } from '../request-info.js';
import { includeObjectOf, toTable, wantsTable } from '../table.js';
import { serveWatch } from '../watch.js';
import { parseDeleteOptions } from './delete-options.js';
import type { PatchType, WriteOpts } from './store.js';

interface Converted {
  view: ResourceInfo;
  stored: ResourceInfo;
  toView(obj: KubeObject): KubeObject;
  /** A body of the view as the stored version (stored: the object it updates). */
  fromView(body: unknown, stored?: KubeObject): unknown;
  /** Checks of the view's own fields, before conversion (their names are the client's). */
  validate(body: unknown): ReturnType<typeof validateHpaV1Target>;
}

const HPA_V1: ResourceInfo = {
  group: 'autoscaling',
  version: 'v1',
  kind: 'HorizontalPodAutoscaler',
  listKind: 'HorizontalPodAutoscalerList',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: ['status'],
  categories: ['all'],
};

const CONVERTED: readonly Converted[] = [
  {
    view: HPA_V1,
    stored: findResource('autoscaling', 'v2', 'horizontalpodautoscalers')!,
    toView: (o) => hpaToV1(o as HorizontalPodAutoscaler),
    fromView: (b, s) => hpaFromV1(b, s as HorizontalPodAutoscaler | undefined),
    validate: validateHpaV1Target,
  },
];

export const CONVERTED_RESOURCES: readonly ResourceInfo[] = CONVERTED.map((c) => c.view);

function convertedOf(r: ResourceInfo): Converted | undefined {
  return CONVERTED.find((c) => c.view === r);
}

export function isConverted(r: ResourceInfo): boolean {
  return convertedOf(r) !== undefined;
}

export function findConvertedResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return CONVERTED_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The converted kind for an apiVersion and kind (protobuf bodies name their kind). */
export function convertedKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return CONVERTED_RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

/** The view's body, checked: its apiVersion and kind, its own fields; then as the stored version. */
function toStored(c: Converted, body: unknown, stored?: KubeObject): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest(`the request body must be a JSON or YAML object (a ${c.view.kind})`);
  const o = body as KubeObject;
  const want = apiVersionOf(c.view);
  if (o.apiVersion !== undefined && o.apiVersion !== want) throw errors.badRequest(`the API version in the data (${text(o.apiVersion)}) does not match the expected API version (${want})`);
  if (o.kind !== undefined && o.kind !== c.view.kind) throw errors.badRequest(`the kind in the data (${text(o.kind)}) does not match the expected kind (${c.view.kind}) for ${c.view.plural}`);
  const causes = c.validate(o);
  if (causes.length > 0) throw errors.invalid(c.view.kind, (o.metadata as { name?: string } | undefined)?.name ?? '', causes);
  return c.fromView(o, stored) as KubeObject;
}

const isConflictError = (err: unknown) => (err as { code?: number }).code === 409;

/**
 * An update or patch of the view: `next` turns the stored object's view into the body,
 * which is merged into the stored object and written with its resourceVersion.
 */
async function mergeWrite(ctx: ServerContext, c: Converted, ns: string, name: string, next: (view: KubeObject) => unknown, opts: WriteOpts, bodyRv?: string): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const current = await ctx.store.get(c.stored, ns, name);
    const body = next(c.toView(current)) as KubeObject;
    const stored = toStored(c, body, current);
    const rv = bodyRv ?? current.metadata.resourceVersion;
    if (stored.metadata && typeof stored.metadata === 'object') stored.metadata = { ...stored.metadata, resourceVersion: rv };
    try {
      return c.toView(await ctx.store.update(c.stored, ns, name, stored, opts));
    } catch (err) {
      // Our merge was made against an object that has changed: merge again (the client's own precondition is never retried).
      if (bodyRv === undefined && isConflictError(err) && attempt < 4) continue;
      throw err;
    }
  }
}

export async function serveConverted(
  ctx: ServerContext,
  info: ResourceRequest,
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
  writeOpts: WriteOpts,
  patchType: () => PatchType,
  applying: boolean,
): Promise<unknown> {
  const c = convertedOf(info.resource)!;
  const { namespace: ns, name, verb } = info;
  const r = c.view;
  const table = wantsTable(req.headers.accept) ? includeObjectOf(q) : undefined;
  const now = ctx.clock.now();
  if (applying) throw errors.badRequest(`server-side apply of ${r.plural} is served in ${apiVersionOf(c.stored)}: apply the ${apiVersionOf(c.stored)} object`);
  switch (verb) {
    case 'get': {
      const obj = await ctx.store.get(c.stored, ns, name!);
      return table ? toTable(c.stored, [obj], { resourceVersion: obj.metadata.resourceVersion }, now, table) : c.toView(obj);
    }
    case 'list': {
      const list = await ctx.store.list(c.stored, ns, parseListOptions(r, q));
      if (table) return toTable(c.stored, list.items, list.metadata, now, table);
      return { ...list, apiVersion: apiVersionOf(r), items: list.items.map((o) => c.toView(o)) };
    }
    case 'watch': {
      const opts = parseListOptions(r, q);
      if (name !== undefined) {
        const base = opts.predicate;
        opts.predicate = (o) => o.metadata.name === name && (!base || base(o));
      }
      await serveWatch({
        request: req,
        reply,
        storage: ctx.storage,
        resource: r,
        namespace: ns,
        opts,
        settings: ctx.watchSettings,
        registry: ctx.watches,
        logger: ctx.logger,
        transform: (ev: WatchEvent) => ({
          type: ev.type,
          object: table ? (toTable(c.stored, [ev.object], { resourceVersion: ev.object.metadata.resourceVersion }, ctx.clock.now(), table) as unknown as KubeObject) : c.toView(ev.object),
        }),
      });
      return reply;
    }
    case 'create': {
      if (name !== undefined) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (create ${r.plural})`);
      const obj = await ctx.store.create(c.stored, ns, toStored(c, req.body), writeOpts);
      reply.code(writeOpts.dryRun ? 200 : 201);
      return c.toView(obj);
    }
    case 'update': {
      const rv = (req.body as KubeObject | null)?.metadata?.resourceVersion;
      return mergeWrite(ctx, c, ns!, name!, () => req.body, writeOpts, typeof rv === 'string' && rv !== '' ? rv : undefined);
    }
    case 'patch': {
      const type = patchType();
      return mergeWrite(ctx, c, ns!, name!, (view) => applyPatch(type, view, req.body), writeOpts);
    }
    case 'delete': {
      const res = await ctx.store.delete(c.stored, ns, name!, parseDeleteOptions(req.body, q));
      return res.removed ? deleteAnswer(r, res.object, true) : c.toView(res.object);
    }
    case 'deletecollection': {
      const list = await ctx.store.list(c.stored, ns, { ...parseListOptions(r, q), limit: undefined, continueToken: undefined });
      const delOpts = parseDeleteOptions(req.body, q);
      const items: KubeObject[] = [];
      for (const item of list.items) {
        try {
          items.push(c.toView((await ctx.store.delete(c.stored, item.metadata.namespace, item.metadata.name!, delOpts)).object));
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      return { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: {}, items };
    }
    default:
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource (${verb} ${r.plural})`);
  }
}
