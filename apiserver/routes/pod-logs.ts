// GET pods/{name}/log: proxied to the node agent running the pod, as Kubernetes proxies
// to the kubelet. The agent is found from the pod's spec.nodeName → Node status
// (InternalIP + daemonEndpoints.kubeletEndpoint.Port) and asked for
// /containerLogs/{ns}/{pod}/{container} with the apiserver's own credentials; the text
// is streamed back as it comes (follow=true keeps the stream open).

import http from 'node:http';
import https from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors, isStatus } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import type { ServerContext } from '../context.js';
import { queryBool, queryInt, queryString, type Query } from '../list-options.js';

const podRes = findResource('', 'v1', 'pods')!;
const nodeRes = findResource('', 'v1', 'nodes')!;

export function agentLogUrl(node: Node, ns: string, pod: string, container: string, q: Query, insecureHttp: boolean): string {
  const addrs = node.status?.addresses ?? [];
  const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'ExternalIP')?.address ?? addrs[0]?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) throw errors.unavailable(`node "${node.metadata.name}" does not publish an agent endpoint (status.addresses / status.daemonEndpoints): logs are unavailable`);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const params = new URLSearchParams();
  if (queryBool(q, 'follow')) params.set('follow', 'true');
  if (queryBool(q, 'previous')) params.set('previous', 'true');
  if (queryBool(q, 'timestamps')) params.set('timestamps', 'true');
  const tail = queryInt(q, 'tailLines', { min: 0 });
  if (tail !== undefined) params.set('tailLines', String(tail));
  const since = queryInt(q, 'sinceSeconds', { min: 1 });
  if (since !== undefined) params.set('sinceSeconds', String(since));
  const qs = params.toString();
  const path = `/containerLogs/${encodeURIComponent(ns)}/${encodeURIComponent(pod)}/${encodeURIComponent(container)}`;
  return `${insecureHttp ? 'http' : 'https'}://${host}:${port}${path}${qs ? `?${qs}` : ''}`;
}

export async function servePodLog(ctx: ServerContext, ns: string, name: string, q: Query, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const pod = (await ctx.store.get(podRes, ns, name)) as Pod;
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  let container = queryString(q, 'container');
  if (!container) {
    if (names.length !== 1) throw errors.badRequest(`a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`);
    container = names[0]!;
  } else if (!names.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const node = (await ctx.store.get(nodeRes, undefined, nodeName)) as Node;
  const agent = ctx.agentClient ?? {};
  const url = new URL(agentLogUrl(node, ns, name, container, q, agent.insecureHttp ?? false));

  const upstream = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const headers: Record<string, string> = { Accept: 'text/plain' };
    if (agent.token) headers.Authorization = `Bearer ${agent.token}`;
    const opts: https.RequestOptions = { method: 'GET', headers, timeout: 10_000 };
    if (url.protocol === 'https:' && agent.ca) opts.ca = agent.ca;
    const r = (url.protocol === 'https:' ? https : http).request(url, opts, resolve);
    r.on('timeout', () => r.destroy(new Error('timed out connecting to the agent')));
    r.on('error', (err) => reject(errors.unavailable(`cannot reach the agent of node "${nodeName}": ${err.message}`)));
    r.end();
  });

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
