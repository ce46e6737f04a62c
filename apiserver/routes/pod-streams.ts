// pods/{name}/exec, /attach and /portforward: HTTP Upgrade requests proxied to the pod's
// agent as one raw byte pipe, as Kubernetes' apiserver proxies them to the kubelet.
//
// The apiserver does what needs the API — authenticates, authorizes `create` on the
// subresource (node identities are refused: apiserver/authorization/), finds the pod, its
// container and its node — then re-sends the request to the agent's kubelet-style path
// (/exec/{ns}/{pod}/{container}?<query>, /attach/..., /portForward/{ns}/{pod}?<query>) with
// the client's upgrade headers and the apiserver's own credential, relays the agent's
// answer head verbatim (101, or an error Status) and from then on copies bytes both ways.
// It never parses the stream protocols (WebSocket channels, SPDY): the agent speaks them,
// so a protocol the agent learns needs nothing here. Why not terminate the WebSocket here:
// every frame would be decoded and re-encoded twice for nothing, and the tunnelled SPDY
// port-forward would need a translator in the middle.
//
// Fastify never sees these requests: node's http server hands requests carrying
// `Connection: Upgrade` to its 'upgrade' listener (registered by server.ts). Plain requests
// to the same paths reach the resource routes and get 400 "Upgrade request required".

import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultContainer, loggableContainerNames } from '../../api/default-container.js';
import { ApiError, errors, isStatus, makeStatus, type Status } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import type { RequestAuthenticator } from '../authentication/request-authenticator.js';
import { refuseUpgrade } from '../../foundation/upgrade-refusal.js';
import type { UserInfo } from '../../foundation/token-auth.js';
import { agentEndpoint, agentRefusedCredentials, agentRequest } from '../agent-client.js';
import { forbiddenError } from '../authorization/node-rules.js';
import { impersonate } from '../authentication/impersonation.js';
import { withAuthenticatedGroup } from '../authorization/authenticated-group.js';
import type { ServerContext } from '../context.js';
import type { ResourceRequest } from '../request-info.js';

const podRes = findResource('', 'v1', 'pods')!;
const nodeRes = findResource('', 'v1', 'nodes')!;

export const STREAM_SUBRESOURCES = ['exec', 'attach', 'portforward'] as const;
export type StreamSubresource = (typeof STREAM_SUBRESOURCES)[number];

const STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)\/?$/;

/** Client headers never forwarded: the API credential, hop-specific and proxy headers. */
const NOT_FORWARDED = new Set(['host', 'authorization', 'proxy-authorization', 'cookie', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'trailer']);

export interface StreamTarget {
  namespace: string;
  pod: string;
  subresource: StreamSubresource;
  /** exec/attach: the container chosen (named, annotated default, or the only one). */
  container?: string;
  nodeName: string;
}

/**
 * The container an exec/attach goes to, as pods/log chooses it: the `container` parameter
 * (an app or init container), else the default-container annotation, else the only one.
 */
export function chooseContainer(pod: Pod, named: string | undefined): string {
  const name = pod.metadata.name;
  const all = loggableContainerNames(pod);
  if (named) {
    if (!all.includes(named)) throw errors.badRequest(`container ${named} is not valid for pod ${name}`);
    return named;
  }
  const d = defaultContainer(pod);
  if (!d || d.reason === 'first')
    throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${(pod.spec?.containers ?? []).map((c) => c.name).join(' ')}]`);
  return d.name;
}

/** What the request names and whether the pod can take it; throws the Status to answer. */
export async function resolveStreamTarget(ctx: ServerContext, namespace: string, podName: string, sub: StreamSubresource, query: URLSearchParams): Promise<StreamTarget> {
  const pod = (await ctx.store.get(podRes, namespace, podName)) as Pod;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${podName} does not have a host assigned`);
  if (sub === 'portforward') return { namespace, pod: podName, subresource: sub, nodeName };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') throw errors.badRequest(`cannot ${sub} into a container in a completed pod; current phase is ${phase}`);
  const container = chooseContainer(pod, query.get('container') || undefined);
  return { namespace, pod: podName, subresource: sub, container, nodeName };
}

/** The agent's path for a target: the kubelet's streaming paths, the client's query kept. */
export function agentStreamPath(t: StreamTarget, rawQuery: string): string {
  const seg = encodeURIComponent;
  const base =
    t.subresource === 'portforward' ? `/portForward/${seg(t.namespace)}/${seg(t.pod)}` : `/${t.subresource}/${seg(t.namespace)}/${seg(t.pod)}/${seg(t.container!)}`;
  return rawQuery ? `${base}?${rawQuery}` : base;
}

function forwardedHeaders(req: http.IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    // Impersonation is the apiserver's business (decided before): the agent never sees it.
    if (v === undefined || NOT_FORWARDED.has(k) || k.startsWith('x-forwarded-') || k.startsWith('proxy-') || k.startsWith('impersonate-')) continue;
    out[k] = v;
  }
  return out;
}


/** Answers an upgrade request that is not going through with a Status, and closes. */
function refuse(socket: Duplex, status: Status): void {
  const extra: Record<string, string> = status.code === 401 ? { 'WWW-Authenticate': 'Bearer realm="orch"' } : status.code === 503 ? { 'Retry-After': '1' } : {};
  refuseUpgrade(socket, status, extra);
}

export interface StreamProxyOptions {
  /** The API's authenticator (authentication/); null: no authentication (tests, --insecure development). */
  authn: RequestAuthenticator | null;
  /** True once the apiserver is shutting down: new streams get 503. */
  closing(): boolean;
}

/**
 * The apiserver's 'upgrade' listener. Every upgraded connection is kept in `open` so a
 * shutdown can end them (node's server forgets sockets it handed over).
 */
export function streamUpgradeHandler(ctx: ServerContext, o: StreamProxyOptions, open: Set<Duplex>) {
  return (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const started = Date.now();
    let resource = 'pods';
    const done = (code: number) => {
      ctx.metrics.requests.inc({ verb: 'create', resource, code: String(code) });
      const line = { method: req.method, url: req.url?.split('?')[0], code, ms: Date.now() - started };
      if (code >= 500) ctx.logger.warn(line, 'stream request failed');
      else ctx.logger.debug(line, 'stream request');
    };
    proxyStream(ctx, o, req, socket, head, (sub) => (resource = `pods/${sub}`), open)
      .then((code) => done(code))
      .catch((err: unknown) => {
        const status = err instanceof ApiError ? err.status : errors.internal('an error occurred opening the stream (see the apiserver log)').status;
        if (!(err instanceof ApiError)) ctx.logger.error({ err, url: req.url?.split('?')[0] }, 'unexpected error opening a stream');
        refuse(socket, status);
        done(status.code);
      });
  };
}

function authenticate(o: StreamProxyOptions, req: http.IncomingMessage): UserInfo | undefined {
  if (o.authn === null) return undefined;
  const user = o.authn.authenticate(req);
  if (!user) throw errors.unauthorized();
  return withAuthenticatedGroup(user);
}

/** Resolves with the HTTP code the client got (101 when the pipe is open). */
async function proxyStream(
  ctx: ServerContext,
  o: StreamProxyOptions,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  named: (sub: StreamSubresource) => void,
  open: Set<Duplex>,
): Promise<number> {
  if (o.closing()) throw errors.unavailable('the apiserver is shutting down; retry against another one');
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const pathname = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const m = STREAM_PATH.exec(pathname);
  // Authenticate first: an anonymous caller learns nothing about which paths exist.
  const caller = authenticate(o, req);
  // Impersonate-* headers (kubectl exec --as): the stream is the impersonated user's.
  const user = caller && impersonate(ctx.authorizer, caller, req.headers, req.rawHeaders);
  if (!m) throw errors.badRequest(`upgrade requests are served only on pods/{name}/exec, attach and portforward, not ${pathname.slice(0, 200)}`);
  if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(`${req.method} is not supported on pods/${m[3]} (GET or POST with an Upgrade)`);
  let namespace: string;
  let podName: string;
  try {
    [namespace, podName] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
  } catch {
    throw errors.badRequest('the request path has an invalid percent-encoding');
  }
  const sub = m[3] as StreamSubresource;
  named(sub);
  if (user) {
    const info: ResourceRequest = { type: 'resource', resource: podRes, namespace, name: podName, subresource: sub, verb: 'create' };
    const d = ctx.authorizer.authorize(user, info);
    // Streams are never a node's business, bound pod or not.
    if (d.allowed !== true) throw forbiddenError(user, info, d.allowed === false ? d.reason : 'nodes may not open streams into pods');
  }
  const target = await resolveStreamTarget(ctx, namespace, podName, sub, new URLSearchParams(rawQuery));
  const node = (await ctx.store.get(nodeRes, undefined, target.nodeName)) as Node;
  const purpose = sub === 'portforward' ? 'port-forward is' : `${sub} is`;
  const { request, failure } = agentRequest(ctx, target.nodeName, agentEndpoint(node, purpose), {
    path: agentStreamPath(target, rawQuery),
    method: req.method,
    headers: forwardedHeaders(req),
    purpose,
  });

  return new Promise<number>((resolve, reject) => {
    // The client gave up before the agent answered.
    const abandon = () => request.destroy();
    socket.once('close', abandon);
    request.on('error', (err) => reject(failure(err)));
    request.on('upgrade', (res, agentSocket, agentHead) => {
      socket.off('close', abandon);
      agentSocket.setTimeout(0);
      open.add(agentSocket);
      agentSocket.once('close', () => open.delete(agentSocket));
      const lines = [`HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage || 'Switching Protocols'}`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (agentHead.length > 0) socket.write(agentHead);
      if (head.length > 0) agentSocket.write(head);
      const end = () => {
        socket.destroy();
        agentSocket.destroy();
      };
      agentSocket.on('error', end);
      agentSocket.on('close', end);
      socket.on('close', end);
      socket.pipe(agentSocket);
      agentSocket.pipe(socket);
      resolve(101);
    });
    request.on('response', (res) => {
      socket.off('close', abandon);
      const code = res.statusCode ?? 502;
      if (code === 401 || code === 403) {
        res.resume();
        reject(agentRefusedCredentials(target.nodeName, code));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < 65536) chunks.push(c);
        size += c.length;
      });
      res.on('error', (err) => reject(failure(err)));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8').slice(0, 65536);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        // The agent answered without upgrading: its Status, or one made from its words.
        const status = isStatus(parsed)
          ? { ...parsed, code: parsed.code || code }
          : makeStatus(code >= 400 && code < 500 ? code : 503, code === 404 ? 'NotFound' : code >= 400 && code < 500 ? 'BadRequest' : 'ServiceUnavailable', `agent on node "${target.nodeName}" answered ${code}: ${text || res.statusMessage || ''}`.trim());
        refuse(socket, status);
        resolve(status.code);
      });
    });
    request.end();
  });
}
