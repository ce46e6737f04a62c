// The admission step of a request, run in the apiserver's onRequest hook right after
// authentication and before the body is read: work out what the request is, refuse it
// at once if the user may not do it (so a request that will be 403 never waits for or
// holds a seat), then admit it as exempt, long-running or through its priority level.
// The seat (or watch slot) is given back when the response closes, however it ends.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import type { AuthorizerChain } from '../authorization/chain.js';
import type { FinalDecision } from '../authorization/types.js';
import { forbiddenError } from '../authorization/node-rules.js';
import type { RequestInfo, ResourceRequest } from '../request-info.js';
import { resolveRequestInfo } from '../crd/request-resolution.js';
import type { CrdRegistry } from '../crd/crd-registry.js';
import { ANONYMOUS, classify } from './classify.js';
import type { FlowController } from './flow-controller.js';

const API_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The parsed request for /api and /apis paths (throws the route's own 400/404/405). */
async function requestInfoOf(req: FastifyRequest, crds: CrdRegistry | undefined): Promise<RequestInfo | undefined> {
  const path = req.url.split('?')[0]!;
  const api = path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/');
  if (!api || !API_METHODS.has(req.method)) return undefined;
  return resolveRequestInfo(req.method, path, (req.query ?? {}) as Record<string, unknown>, crds);
}

/** Kubernetes' words for a refused non-resource request. */
function nonResourceForbidden(user: string, verb: string, path: string, reason: string) {
  return errors.forbidden(`forbidden: User "${user}" cannot ${verb} path "${path}"${reason ? `: ${reason}` : ''}`);
}

export async function admitRequest(flow: FlowController, authorizer: AuthorizerChain, req: FastifyRequest, reply: FastifyReply, crds?: CrdRegistry): Promise<void> {
  const res = reply.raw;
  let gone = false;
  const ac = new AbortController();
  const onClose = () => {
    gone = true;
    ac.abort();
  };
  res.once('close', onClose);

  const info = await requestInfoOf(req, crds);
  req.orchInfo = info;
  const user = req.user;
  let recheck: (() => Promise<FinalDecision>) | undefined;
  if (user && info?.type === 'resource') {
    // Cheap and final for most requests; what needs the stored object (a node writing a
    // pod bound to it) or the body (a node creating its own Node) is checked by the route.
    const d = authorizer.authorize(user, info);
    if (d.allowed === false) {
      // A node's read of a Secret its pod was bound to a moment ago is not refused before
      // the node graph has caught up (authorization/node-graph.ts): that check reads etcd
      // and may wait, so it runs below, holding a seat like any request.
      recheck = authorizer.recheck(user, info);
      if (!recheck) throw forbiddenError(user, info, d.reason);
    }
  } else if (user) {
    // Discovery, /openapi, /metrics, /debug, unknown paths: RBAC's nonResourceURLs (the
    // public health paths and /version never get here).
    const path = req.url.split('?')[0]!;
    const d = authorizer.authorizeNonResource(user, { type: 'non-resource', path, verb: req.method.toLowerCase() });
    if (d.allowed !== true) throw nonResourceForbidden(user.name, req.method.toLowerCase(), path, d.allowed === false ? d.reason : '');
  }
  let release: () => void;
  try {
    if (info?.type === 'resource' && (info.verb === 'watch' || info.subresource === 'log')) release = flow.admitLongRunning(user?.name ?? ANONYMOUS);
    else release = await flow.admit(classify(user, info), ac.signal);
  } finally {
    res.off('close', onClose);
  }
  if (gone) release();
  else res.once('close', release);
  if (recheck && !gone) {
    const d = await recheck();
    if (d.allowed === false) throw forbiddenError(user!, info as ResourceRequest, d.reason);
  }
}
