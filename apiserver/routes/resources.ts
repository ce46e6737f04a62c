// Resource routes: /api/v1/... and /apis/{group}/{version}/... for every kind in
// api/resources.ts. One handler parses the path (request-info.ts), authorizes, checks
// the verb is supported, and calls the store; subresources and watch are delegated.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors, makeStatus } from '../../api/errors.js';
import { text } from '../../api/validation/field-errors.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { forbiddenError, nodeNameOf } from '../authorization/node-rules.js';
import { admitNodeWrite } from '../authorization/node-restriction.js';
import { signerCheck } from '../admission/certificate-signers.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import { parseListOptions, queryString, type Query } from '../list-options.js';
import type { ResourceRequest } from '../request-info.js';
import { resolveRequestInfo } from '../crd/request-resolution.js';
import { checkCustomRequest, customWatchOptions } from '../crd/custom-requests.js';
import { parseFieldManager, parseForce, parseWriteQuery } from '../write-options.js';
import { APPLY_PATCH_TYPE } from '../body-parsers.js';
import { checkUnknownFields } from '../field-validation.js';
import { deleteAnswer } from '../../api/strategies/deletion.js';
import { stampRequester } from '../../api/strategies/csr.js';
import { parseDeleteOptions } from '../registry/delete-options.js';
import { PATCH_CONTENT_TYPES, type PatchType, type WriteOpts } from '../registry/store.js';
import { bindPod, patchScale, toScale, updateScale } from '../registry/subresources.js';
import { evictPod } from '../registry/eviction.js';
import { createToken } from '../registry/token-request.js';
import { admitPodServiceAccount } from '../admission/service-account.js';
import { admitClaimStorageClass } from '../admission/default-storage-class.js';
import { serveWatch } from '../watch.js';
import { fromStorageVersion, needsReadConversion } from '../crd/version-conversion.js';
import { includeObjectOf, toTable, wantsTable } from '../table.js';
import { discoveryDocument } from './discovery.js';
import { isVirtual } from '../registry/virtual-kinds.js';
import { isConverted, serveConverted } from '../registry/converted-kinds.js';
import { isMetricsResource } from '../metrics-api/metrics-resources.js';
import { serveMetrics } from '../metrics-api/serve.js';
import { serveVirtual } from '../reviews/serve.js';
import { servePodLog } from './pod-logs.js';
import type { ServerContext } from '../context.js';
import { addWarningHeaders, requestAdmission } from '../admission/request-annotations.js';
import type { RequestAdmission } from '../admission/types.js';

const SUB_VERBS: Record<string, Set<string>> = {
  status: new Set(['get', 'update', 'patch']),
  approval: new Set(['get', 'update', 'patch']),
  scale: new Set(['get', 'update', 'patch']),
  binding: new Set(['create']),
  log: new Set(['get']),
  eviction: new Set(['create']),
  token: new Set(['create']),
  // Streams arrive as Upgrade requests (pod-streams.ts); these are the plain ones.
  exec: new Set(['get', 'create']),
  attach: new Set(['get', 'create']),
  portforward: new Set(['get', 'create']),
};

/** The body kind of serviceaccounts/token, for its unknown-field check. */
const TOKEN_REQUEST = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } as ResourceInfo;

function isApplyPatch(req: FastifyRequest): boolean {
  return String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === APPLY_PATCH_TYPE;
}

/**
 * An apply configuration is a whole object of the kind at the URL (apiVersion, kind,
 * metadata.name), as Kubernetes requires; its namespace, if given, must be the URL's.
 */
function checkApplyConfig(r: ResourceInfo, ns: string | undefined, name: string, body: unknown): KubeObject {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the apply configuration must be an object (YAML or JSON)');
  const o = body as KubeObject;
  const want = apiVersionOf(r);
  if (o.apiVersion !== want || o.kind !== r.kind)
    throw errors.badRequest(`the apply configuration is a ${text(o.kind ?? '(no kind)')} (${text(o.apiVersion ?? 'no apiVersion')}), but this is ${r.kind} (${want}): apiVersion and kind must match the URL`);
  const md = o.metadata;
  if (typeof md !== 'object' || md === null) throw errors.badRequest('metadata: Required value: the apply configuration needs metadata.name');
  if (md.name !== name) throw errors.badRequest(`metadata.name: Invalid value: ${JSON.stringify(md.name)}: must be ${JSON.stringify(name)}, the name in the URL`);
  if (md.namespace !== undefined && md.namespace !== ns) throw errors.badRequest(`metadata.namespace: Invalid value: ${JSON.stringify(md.namespace)}: must be ${JSON.stringify(ns)}, the namespace in the URL`);
  return o;
}

function patchTypeOf(req: FastifyRequest): PatchType {
  const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const t = PATCH_CONTENT_TYPES[ct];
  if (!t)
    throw errors.unsupportedMediaType(ct || '(none)', [...Object.keys(PATCH_CONTENT_TYPES), APPLY_PATCH_TYPE]);
  return t;
}

/** A node creating a Node or Lease may only create its own. */
function checkNodeCreate(user: UserInfo, info: ResourceRequest, body: unknown, nodeName: string): void {
  const name = (body as KubeObject | undefined)?.metadata?.name;
  if ((info.resource.plural === 'nodes' || info.resource.plural === 'leases') && name !== nodeName)
    throw forbiddenError(user, { ...info, name }, `a node may only create its own ${info.resource.singular}`);
}

export function registerResourceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const pathname = req.url.split('?')[0]!;
    const q = (req.query ?? {}) as Query;
    const info = await resolveRequestInfo(req.method, pathname, q, ctx.crds);
    req.orchInfo = info;
    if (info.type !== 'resource') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(`${req.method} is not supported on ${pathname}`);
      return discoveryDocument(info, req.headers.host ?? '', ctx.crds?.resources());
    }
    const user = req.user;
    let guard: WriteOpts['guard'];
    let admit: WriteOpts['admit'];
    if (user) {
      const d = ctx.authorizer.authorize(user, info);
      if (d.allowed === false) throw forbiddenError(user, info, d.reason);
      if (d.allowed === 'if-pod-bound') {
        const nodeName = d.nodeName;
        guard = (current) => {
          if ((current.spec as { nodeName?: string } | undefined)?.nodeName !== nodeName)
            throw forbiddenError(user, info, `pod is not bound to node ${nodeName}`);
        };
      }
      const node = nodeNameOf(user);
      if (info.verb === 'create' && node !== undefined) checkNodeCreate(user, info, req.body, node);
      // NodeRestriction: what a node writes into its own Node (labels, taints, podCIDR).
      if (node && info.resource.plural === 'nodes' && info.resource.group === '') admit = (cur, next) => admitNodeWrite(node, cur, next);
      // Approving or signing a CSR needs `approve` / `sign` on its signer as well.
      admit = bothChecks(admit, signerCheck(ctx.authorizer, user, info));
    }
    if (isMetricsResource(info.resource)) return serveMetrics(ctx, info, req, reply);
    if (isVirtual(info.resource)) return serveVirtual(ctx, info, req, reply);
    return dispatch(ctx, info, req, reply, q, guard, admit);
  };
  for (const prefix of ['/api', '/apis']) {
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: prefix, handler });
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], url: `${prefix}/*`, handler });
  }
}

/** NodeRestriction (a node's own Node) and RBAC escalation checks, whichever apply. */
function bothChecks(a: WriteOpts['admit'], b: WriteOpts['admit']): WriteOpts['admit'] {
  if (!a || !b) return a ?? b;
  return (current, next) => {
    a(current, next);
    b(current, next);
  };
}

async function dispatch(
  ctx: ServerContext,
  info: ResourceRequest,
  req: FastifyRequest,
  reply: FastifyReply,
  q: Query,
  guard: WriteOpts['guard'],
  admit?: WriteOpts['admit'],
): Promise<unknown> {
  const { resource: r, namespace: ns, name, subresource: sub, verb } = info;
  const store = ctx.store;
  const notAllowed = () =>
    errors.methodNotAllowed(`the server does not allow this method on the requested resource (${verb} ${sub ? `${r.plural}/${sub}` : r.plural})`);
  if (sub) {
    if (!SUB_VERBS[sub]?.has(verb)) throw notAllowed();
  } else if (verb !== 'watch' && !r.verbs.includes(verb as never)) throw notAllowed();
  if ((verb === 'update' || verb === 'patch') && name === undefined) throw notAllowed();
  if (r.namespaced && name !== undefined && ns === undefined) throw errors.notFoundMessage(`${r.plural} are namespaced: use /namespaces/{namespace}/${r.plural}/${name}`);
  // dryRun/fieldValidation are checked on every write (400 for values orch does not
  // know); DELETE reads dryRun with its other options (parseDeleteOptions).
  const writing = verb === 'create' || verb === 'update' || verb === 'patch';
  const applying = isApplyPatch(req);
  if (applying && verb !== 'patch') throw errors.unsupportedMediaType(APPLY_PATCH_TYPE, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  const writeQuery = writing ? parseWriteQuery(q) : undefined;
  const writeOpts: WriteOpts = {
    subresource: sub,
    dryRun: writeQuery?.dryRun ?? false,
    guard,
    admit: bothChecks(admit, writing && req.user ? ctx.writeAdmission?.(req.user, info) : undefined),
    fieldManager: writing ? parseFieldManager(q, req.headers['user-agent'], applying) : undefined,
    request: writing ? requestAdmission(req) : undefined,
  };
  // Admission's warnings (Pod Security warn level) go out with the answer.
  const warned = <T>(answer: T): T => {
    if (writeOpts.request) addWarningHeaders(reply, writeOpts.request.warnings);
    return answer;
  };
  const force = writing && parseForce(q, applying);
  // Custom resources: no strategic merge (415), no creates while the CRD is deleted, deprecation warnings.
  if (r.custom) checkCustomRequest(ctx, info, req, reply, applying);
  // Bodies of the kind itself (not scale, binding): fields its schema does not have. An
  // apply configuration is a whole object.
  if (writeQuery && (sub === undefined || sub === 'status' || sub === 'approval')) {
    const patchType = verb === 'patch' && !applying ? patchTypeOf(req) : undefined;
    checkUnknownFields(r, req.body, writeQuery.fieldValidation, reply, patchType);
    const fv = writeQuery.fieldValidation ?? 'Warn';
    if (patchType === 'json' && fv !== 'Ignore' && writeOpts.request) writeOpts.request.jsonPatchFieldValidation = fv;
  }
  else if (writeQuery && sub === 'token') checkUnknownFields(TOKEN_REQUEST, req.body, writeQuery.fieldValidation, reply);

  if (isConverted(r)) return warned(await serveConverted(ctx, info, req, reply, q, writeOpts, () => patchTypeOf(req), applying));
  if (applying && sub) throw errors.badRequest(`orch does not support server-side apply to the ${sub} subresource; apply the object itself, or use a merge patch on ${sub}`);
  if (sub === 'scale') {
    if (verb === 'get') return toScale(await store.get(r, ns, name!), r.custom?.scale);
    if (verb === 'update') return updateScale(store, r, ns!, name!, req.body, writeOpts.dryRun, writeOpts.fieldManager);
    return patchScale(store, r, ns!, name!, patchTypeOf(req), req.body, writeOpts.dryRun, writeOpts.fieldManager);
  }
  if (sub === 'binding') {
    await bindPod(store, r, ns!, name!, req.body, ctx.nowIso(), { dryRun: writeOpts.dryRun });
    const s = makeStatus(201, 'Unknown', '');
    s.status = 'Success';
    delete s.reason;
    delete s.message;
    reply.code(201);
    return s;
  }
  if (sub === 'log') return servePodLog(ctx, ns!, name!, q, req, reply);
  if (sub === 'eviction') {
    const answer = await evictPod(store, r, ns!, name!, req.body, q, ctx.clock.now());
    reply.code(201);
    return answer;
  }
  if (sub === 'token') {
    const answer = await createToken(store, ctx.serviceAccountTokens, ctx.clock, ns!, name!, req.body, writeOpts.dryRun ?? false);
    reply.code(201);
    return answer;
  }
  if (sub === 'exec' || sub === 'attach' || sub === 'portforward')
    throw errors.badRequest(`Upgrade request required: pods/${sub} is a stream (WebSocket or SPDY), as kubectl ${sub === 'portforward' ? 'port-forward' : sub} opens it`);

  const table = wantsTable(req.headers.accept) ? includeObjectOf(q) : undefined;
  switch (verb) {
    case 'get': {
      const obj = await store.get(r, ns, name!);
      return table ? toTable(r, [obj], { resourceVersion: obj.metadata.resourceVersion }, ctx.clock.now(), table) : obj;
    }
    case 'list': {
      const opts = parseListOptions(r, q);
      // Objects left out of the list (undecryptable values): a Warning kubectl prints.
      const warnings: string[] = [];
      const warn = (m: string) => {
        if (warnings.length < 20) warnings.push(`299 - ${JSON.stringify(`left out of this list: ${m}`)}`);
        void reply.header('warning', warnings);
      };
      if (!table) {
        // Items go out as stored (plus resourceVersion), without parse + stringify.
        const json = await store.listJson(r, ns, opts, warn);
        if (json !== undefined) {
          reply.type('application/json; charset=utf-8');
          return json;
        }
      }
      const list = await store.list(r, ns, opts, warn);
      return table ? toTable(r, list.items, list.metadata, ctx.clock.now(), table) : list;
    }
    case 'watch': {
      const opts = parseListOptions(r, q);
      if (name !== undefined) {
        const base = opts.predicate;
        opts.predicate = (o) => o.metadata.name === name && (!base || base(o));
      }
      const label = r.plural;
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
        transform: table
          ? (ev) => ({ type: ev.type, object: toTable(r, [fromStorageVersion(r, ev.object)], { resourceVersion: ev.object.metadata.resourceVersion }, ctx.clock.now(), table) as unknown as KubeObject })
          : needsReadConversion(r)
            ? (ev) => ({ type: ev.type, object: fromStorageVersion(r, ev.object) })
            : undefined,
        ...customWatchOptions(ctx, r),
        onOpen: () => ctx.metrics.openWatches.inc({ resource: label }),
        onClose: () => {
          ctx.metrics.openWatches.dec({ resource: label });
          ctx.metrics.requests.inc({ verb: 'watch', resource: label, code: '200' });
        },
      });
      return reply;
    }
    case 'create': {
      if (name !== undefined) throw notAllowed();
      if (r.plural === 'pods' && ctx.serviceAccountAdmission) await admitPodServiceAccount(store, ns!, req.body);
      if (r.plural === 'certificatesigningrequests') stampRequester(req.body, req.user);
      if (r.plural === 'persistentvolumeclaims') await admitClaimStorageClass(store, req.body);
      const obj = await store.create(r, ns, req.body, writeOpts);
      reply.code(writeOpts.dryRun ? 200 : 201);
      return warned(obj);
    }
    case 'update':
      return warned(await store.update(r, ns, name!, req.body, writeOpts));
    case 'patch':
      if (applying) {
        const config = checkApplyConfig(r, ns, name!, req.body);
        // An apply that creates a CSR: the requester is who applies it (an existing one keeps its spec).
        if (r.plural === 'certificatesigningrequests') stampRequester(config, req.user);
        // An apply that creates a pod goes through ServiceAccount admission, as a create does.
        const admitCreate = r.plural === 'pods' && ctx.serviceAccountAdmission ? (obj: KubeObject) => admitPodServiceAccount(store, ns!, obj) : undefined;
        const res = await store.apply(r, ns, name!, config, force, { ...writeOpts, fieldManager: writeOpts.fieldManager!, admitCreate });
        // An apply that created the object answers 201, as a create does.
        if (res.created && !writeOpts.dryRun) reply.code(201);
        return warned(res.object);
      }
      return warned(await store.patch(r, ns, name!, patchTypeOf(req), req.body, writeOpts));
    case 'delete': {
      const opts = parseDeleteOptions(req.body, q);
      const admission = requestAdmission(req);
      const res = await store.delete(r, ns, name!, opts, guard, admission);
      addWarningHeaders(reply, admission.warnings);
      return deleteAnswer(r, res.object, res.removed);
    }
    case 'deletecollection':
      return deleteCollection(ctx, r, ns, req.body, q, requestAdmission(req));
    default:
      throw notAllowed();
  }
}

async function deleteCollection(ctx: ServerContext, r: ResourceInfo, ns: string | undefined, body: unknown, q: Query, admission: RequestAdmission): Promise<unknown> {
  const listOpts = parseListOptions(r, q);
  const delOpts = parseDeleteOptions(body, q);
  const list = await ctx.store.list(r, ns, { ...listOpts, limit: undefined, continueToken: undefined });
  const items: KubeObject[] = [];
  for (const item of list.items) {
    try {
      const res = await ctx.store.delete(r, item.metadata.namespace, item.metadata.name!, delOpts, undefined, admission);
      items.push(res.object);
    } catch (err) {
      // Gone in the meantime: that is what the caller wanted.
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
  return { kind: r.listKind, apiVersion: apiVersionOf(r), metadata: {}, items };
}
