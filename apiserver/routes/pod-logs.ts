// GET pods/{name}/log: proxied to the node agent running the pod, as Kubernetes proxies
// to the kubelet. The agent is found from the pod's spec.nodeName → Node status (an
// address + daemonEndpoints.kubeletEndpoint.Port) and asked for
// /containerLogs/{ns}/{pod}/{container}; the text is streamed back as it comes.
//
// Trust (docs/operations.md, Security): a node writes its own status, so the address is
// only a hint. What makes the connection the node's agent is its certificate: issued by
// the cluster CA (--agent-ca-file) for that Node's name (foundation/agent-tls.ts), checked on
// every connection before anything is sent. The apiserver authenticates with its own
// client certificate; a bearer token, if configured, must be one the API itself refuses.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defaultContainer, loggableContainerNames } from '../../api/default-container.js';
import { errors, isStatus } from '../../api/errors.js';
import { parsePodLogOptions, podLogQuery } from '../../api/pod-log-options.js';
import { findResource } from '../../api/resources.js';
import type { Node, Pod } from '../../api/types.js';
import { agentCertificateProblem } from '../../foundation/agent-tls.js';
import type { AgentClientOptions, ServerContext } from '../context.js';
import { queryString, type Query } from '../list-options.js';

const podRes = findResource('', 'v1', 'pods')!;
const nodeRes = findResource('', 'v1', 'nodes')!;

/** The address types tried, in order (what Kubernetes' --kubelet-preferred-address-types chooses from). */
const ADDRESS_TYPES = ['InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS', 'Hostname'];

// Addresses no agent can listen on, or that only make sense as someone else's service
// (0.0.0.0/::, multicast, broadcast, link-local — where cloud metadata endpoints live).
const NOT_AN_AGENT = new net.BlockList();
NOT_AN_AGENT.addSubnet('0.0.0.0', 8, 'ipv4');
NOT_AN_AGENT.addSubnet('169.254.0.0', 16, 'ipv4');
NOT_AN_AGENT.addSubnet('224.0.0.0', 4, 'ipv4');
NOT_AN_AGENT.addSubnet('240.0.0.0', 4, 'ipv4');
NOT_AN_AGENT.addAddress('::', 'ipv6');
NOT_AN_AGENT.addSubnet('fe80::', 10, 'ipv6');
NOT_AN_AGENT.addSubnet('ff00::', 8, 'ipv6');

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/i;

export interface AgentEndpoint {
  host: string;
  port: number;
}

/** Why an address cannot be an agent's, or undefined when it can. */
function addressProblem(type: string, address: string): string | undefined {
  const family = net.isIP(address);
  if (type.endsWith('IP')) {
    if (family === 0) return 'not an IP address';
    return NOT_AN_AGENT.check(address, family === 4 ? 'ipv4' : 'ipv6') ? 'an unspecified, multicast, broadcast or link-local address' : undefined;
  }
  return family === 0 && !HOSTNAME.test(address) ? 'not a valid host name' : undefined;
}

/** Where the node's agent listens, from its status; 503 saying why when that is unusable. */
export function agentEndpoint(node: Node): AgentEndpoint {
  const name = node.metadata.name;
  const addrs = node.status?.addresses ?? [];
  const chosen = ADDRESS_TYPES.map((t) => addrs.find((a) => a.type === t)).find((a) => a !== undefined);
  const port: unknown = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!chosen || port === undefined) throw errors.unavailable(`node "${name}" does not publish an agent endpoint (status.addresses / status.daemonEndpoints): logs are unavailable`);
  const problem = addressProblem(chosen.type, String(chosen.address));
  if (problem) throw errors.unavailable(`node "${name}" publishes an invalid agent address ${JSON.stringify(chosen.address)} (${chosen.type}): ${problem}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw errors.unavailable(`node "${name}" publishes an invalid agent port ${JSON.stringify(port)}: must be an integer from 1 to 65535`);
  return { host: chosen.address, port };
}

/** TLS options for one node: the cluster CA, the apiserver's client certificate, the node-name check. */
function tlsFor(agent: AgentClientOptions, nodeName: string, onIdentityProblem: (why: string) => void): https.RequestOptions {
  if (!agent.ca) throw errors.unavailable('the apiserver has no --agent-ca-file, so it cannot verify node agents: logs are unavailable');
  return {
    ca: agent.ca,
    cert: agent.clientCert,
    key: agent.clientKey,
    servername: net.isIP(nodeName) ? undefined : nodeName,
    checkServerIdentity: (_host, cert) => {
      const why = agentCertificateProblem(nodeName, cert);
      if (!why) return undefined;
      onIdentityProblem(why);
      return new Error(why);
    },
    // One connection per request: a connection verified for one node is never reused for another.
    agent: false,
  };
}

/** The dedicated agent token, after making sure the API itself would refuse it. */
function agentToken(ctx: ServerContext): string | undefined {
  const token = ctx.agentClient?.token;
  if (!token) return undefined;
  const user = ctx.auth?.authenticate(token);
  if (user) {
    throw errors.unavailable(
      `refusing to send --agent-token-file to agents: the API accepts that token (user "${user.name}"), so any node could act with it; use --agent-client-cert-file, or a token only agents accept`,
    );
  }
  return token;
}

function connect(ctx: ServerContext, nodeName: string, ep: AgentEndpoint, path: string): Promise<http.IncomingMessage> {
  const agent = ctx.agentClient ?? {};
  const insecure = agent.insecureHttp ?? false;
  const where = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
  let identityProblem: string | undefined;
  const headers: Record<string, string> = { Accept: 'text/plain' };
  const token = agentToken(ctx);
  if (token) headers.Authorization = `Bearer ${token}`;
  const opts: https.RequestOptions = {
    host: ep.host,
    port: ep.port,
    path,
    method: 'GET',
    headers,
    timeout: 10_000,
    ...(insecure ? { agent: false } : tlsFor(agent, nodeName, (why) => (identityProblem = why))),
  };
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const r = (insecure ? http : https).request(opts, (res) => {
      // The timeout is for reaching the agent: a log that is quiet (follow) or read slowly
      // (backpressure) must not be cut after 10 s.
      r.setTimeout(0);
      resolve(res);
    });
    r.on('timeout', () => r.destroy(new Error('timed out connecting to the agent')));
    r.on('error', (err) =>
      reject(
        identityProblem
          ? errors.unavailable(`the agent endpoint of node "${nodeName}" (${where}) did not present node ${nodeName}'s certificate: ${identityProblem}; nothing was sent to it`)
          : errors.unavailable(`cannot reach the agent of node "${nodeName}" at ${where}: ${err.message}`),
      ),
    );
    r.end();
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
    throw errors.unavailable(
      `the agent of node "${nodeName}" refused the apiserver's credentials (HTTP ${upstream.statusCode}): check --agent-client-cert-file here and --log-server-client-ca-file on the agent`,
    );
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
