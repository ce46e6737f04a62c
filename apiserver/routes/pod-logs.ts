// GET pods/{name}/log: proxied to the node agent running the pod, as Kubernetes proxies
// to the kubelet: the agent (apiserver/agent-client.ts) is asked for
// /containerLogs/{ns}/{pod}/{container}; the text is streamed back as it comes.

import http from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaultContainer, loggableContainerNames } from '../../api/default-container.js';
import { errors, isStatus } from '../../api/errors.js';
import { parsePodLogOptions, podLogQuery } from '../../api/pod-log-options.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import { agentEndpoint, agentRefusedCredentials, agentRequest, type AgentEndpoint } from '../agent-client.js';
import type { ServerContext } from '../context.js';
import { queryString, type Query } from '../list-options.js';

const podRes = findResource('', 'v1', 'pods')!;
const nodeRes = findResource('', 'v1', 'nodes')!;

function connect(ctx: ServerContext, nodeName: string, ep: AgentEndpoint, path: string): Promise<http.IncomingMessage> {
  const { request, failure } = agentRequest(ctx, nodeName, ep, { path, headers: { Accept: 'text/plain' }, purpose: 'logs are' });
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', (res) => {
      // The timeout is for reaching the agent: a log that is quiet (follow) or read slowly
      // (backpressure) must not be cut after 10 s.
      request.setTimeout(0);
      resolve(res);
    });
    request.on('error', (err) => reject(failure(err)));
    request.end();
  });
}

export async function servePodLog(ctx: ServerContext, ns: string, name: string, q: Query, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const opts = parsePodLogOptions((p) => queryString(q, p), name);
  const pod = (await ctx.store.get(podRes, ns, name)) as Pod;
  const names = loggableContainerNames(pod);
  let container = opts.container;
  if (!container) {
    // The pod's own choice (the default-container annotation), else its only container.
    const d = defaultContainer(pod);
    if (!d || d.reason === 'first') throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    container = d.name;
  } else if (!names.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const node = (await ctx.store.get(nodeRes, undefined, nodeName)) as Node;
  const qs = podLogQuery(opts).toString();
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}${qs ? `?${qs}` : ''}`;
  const upstream = await connect(ctx, nodeName, agentEndpoint(node), path);

  if (upstream.statusCode === 401 || upstream.statusCode === 403) {
    upstream.resume();
    // Not the caller's 401: their credentials were fine, the apiserver's were not.
    throw agentRefusedCredentials(nodeName, upstream.statusCode);
  }
  if (upstream.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const c of upstream) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8').slice(0, 4096);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isStatus(parsed)) {
      reply.code(parsed.code || upstream.statusCode || 502);
      return parsed;
    }
    const code = upstream.statusCode === 404 ? 404 : 503;
    throw code === 404
      ? errors.notFoundMessage(`agent on node "${nodeName}": ${text || 'not found'}`)
      : errors.unavailable(`agent on node "${nodeName}" answered ${upstream.statusCode}: ${text}`);
  }

  reply.hijack();
  const res = reply.raw;
  req.raw.socket.setTimeout(0);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  res.on('close', () => upstream.destroy());
  upstream.on('error', () => res.destroy());
  upstream.pipe(res);
  return reply;
}
