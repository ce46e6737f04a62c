// How the apiserver talks to a node's agent (pods/log, exec, attach, portforward), as
// Kubernetes' apiserver talks to the kubelet. The agent is found from the Node's status
// (an address + daemonEndpoints.kubeletEndpoint.Port).
//
// Trust (docs/operations.md, Security): a node writes its own status, so the address is
// only a hint. What makes the connection the node's agent is its certificate: issued by
// the cluster CA (--agent-ca-file) for that Node's name (foundation/agent-tls.ts), checked on
// every connection before anything is sent. The apiserver authenticates with its own
// client certificate; a bearer token, if configured, must be one the API itself refuses.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { errors } from '../api/errors.js';
import type { Node } from '../api/types.js';
import { agentCertificateProblem } from '../foundation/agent-tls.js';
import type { AgentClientOptions, ServerContext } from './context.js';

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
export function agentEndpoint(node: Node, purpose = 'logs are'): AgentEndpoint {
  const name = node.metadata.name;
  const addrs = node.status?.addresses ?? [];
  const chosen = ADDRESS_TYPES.map((t) => addrs.find((a) => a.type === t)).find((a) => a !== undefined);
  const port: unknown = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!chosen || port === undefined) throw errors.unavailable(`node "${name}" does not publish an agent endpoint (status.addresses / status.daemonEndpoints): ${purpose} unavailable`);
  const problem = addressProblem(chosen.type, String(chosen.address));
  if (problem) throw errors.unavailable(`node "${name}" publishes an invalid agent address ${JSON.stringify(chosen.address)} (${chosen.type}): ${problem}`);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    throw errors.unavailable(`node "${name}" publishes an invalid agent port ${JSON.stringify(port)}: must be an integer from 1 to 65535`);
  return { host: chosen.address, port };
}

/** TLS options for one node: the cluster CA, the apiserver's client certificate, the node-name check. */
function tlsFor(agent: AgentClientOptions, nodeName: string, purpose: string, onIdentityProblem: (why: string) => void): https.RequestOptions {
  if (!agent.ca) throw errors.unavailable(`the apiserver has no --agent-ca-file, so it cannot verify node agents: ${purpose} unavailable`);
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

export interface AgentRequest {
  path: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  /** What the caller wanted, for messages: 'logs are', 'exec is', ... */
  purpose: string;
}

/**
 * An unsent request to the node's agent, carrying the apiserver's credential, and the
 * error to report when it fails (a certificate that is not the node's says so: nothing
 * was sent). The caller ends it (and listens for 'response' or 'upgrade').
 */
export function agentRequest(ctx: ServerContext, nodeName: string, ep: AgentEndpoint, r: AgentRequest): { request: http.ClientRequest; failure: (err: Error) => Error } {
  const agent = ctx.agentClient ?? {};
  const insecure = agent.insecureHttp ?? false;
  const where = `${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;
  let identityProblem: string | undefined;
  const headers: Record<string, string | string[]> = { ...(r.headers ?? {}) };
  const token = agentToken(ctx);
  if (token) headers.Authorization = `Bearer ${token}`;
  const opts: https.RequestOptions = {
    host: ep.host,
    port: ep.port,
    path: r.path,
    method: r.method ?? 'GET',
    headers,
    timeout: 10_000,
    ...(insecure ? { agent: false } : tlsFor(agent, nodeName, r.purpose, (why) => (identityProblem = why))),
  };
  const request = (insecure ? http : https).request(opts);
  request.on('timeout', () => request.destroy(new Error('timed out connecting to the agent')));
  const failure = (err: Error) =>
    identityProblem
      ? errors.unavailable(`the agent endpoint of node "${nodeName}" (${where}) did not present node ${nodeName}'s certificate: ${identityProblem}; nothing was sent to it`)
      : errors.unavailable(`cannot reach the agent of node "${nodeName}" at ${where}: ${err.message}`);
  return { request, failure };
}

/** The caller's credentials were fine, the apiserver's were not: a 503 saying where to look. */
export function agentRefusedCredentials(nodeName: string, statusCode: number) {
  return errors.unavailable(
    `the agent of node "${nodeName}" refused the apiserver's credentials (HTTP ${statusCode}): check --agent-client-cert-file here and --log-server-client-ca-file on the agent`,
  );
}
