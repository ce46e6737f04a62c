// The agent's own HTTPS endpoint (port 10250, as the kubelet's), reached by the
// apiserver's pods/{name}/log proxy and by Prometheus. It serves two paths and nothing
// else of Docker:
//   GET /containerLogs/{namespace}/{pod}/{container}?follow=&tailLines=&timestamps=&sinceSeconds=&sinceTime=&limitBytes=&previous=
//   GET /metrics   the agent's metrics (the same as on its localhost health port)
//   GET /stats/summary   CPU and memory of the node and its pods (stats/resource-sampler.ts),
//                  JSON (api/metrics-types.ts NodeSummary), read by the apiserver's scraper
// and, as Upgrade requests, the streams the apiserver proxies (streams/upgrade-dispatch.ts):
//   /exec/{namespace}/{pod}/{container}, /attach/..., /portForward/{namespace}/{pod}
// Callers authenticate with the apiserver's client certificate (verified against
// --log-server-client-ca-file, CN orch:apiserver-kubelet-client: foundation/agent-tls.ts) or a
// bearer token listed in --log-server-token-file; 401 otherwise. Every error is a Status.

import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ApiError, errors, type Status } from '../api/errors.js';
import { parsePodLogOptions, sinceUnixSeconds } from '../api/pod-log-options.js';
import { agentCertificateProblem, isApiserverClientCertificate } from '../foundation/agent-tls.js';
import { bearerToken } from '../foundation/bearer-token.js';
import type { Authenticator } from '../foundation/token-auth.js';
import type { Component } from '../foundation/component.js';
import type { Logger } from '../foundation/logger.js';
import type { MetricsSource } from '../foundation/metrics.js';
import type { NodeSummary } from '../api/metrics-types.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, attemptOf } from './labels.js';
import { isRuntimeError, type ContainerInfo, type ContainerRuntime } from './runtime/types.js';
import type { StreamHandlers } from './streams/types.js';
import { upgradeDispatcher } from './streams/upgrade-dispatch.js';

export interface LogServerOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  logger: Logger;
  port: number;
  host?: string;
  /** Bearer tokens accepted besides the apiserver's client certificate (--log-server-token-file). */
  tokens?: Authenticator;
  /** PEM CA that signs the apiserver's client certificate; without it no certificate is accepted. */
  clientCA?: string;
  /** Plain HTTP (tests only). */
  insecure?: boolean;
  cert?: string;
  key?: string;
  /** Served on /metrics to the same callers as the logs. */
  metrics?: MetricsSource;
  /** Served on /stats/summary: the resource sampler's latest figures (undefined: none yet). */
  summary?: () => NodeSummary | undefined;
  /** Handlers of the Upgrade paths (exec, attach, portForward); a missing one answers 404. */
  streams?: StreamHandlers;
}

const finished = (c: ContainerInfo) => c.state === 'exited' || (c.state === 'created' && !!c.error);

/**
 * Which container's logs to serve for one pod container. Containers being removed (or
 * 'dead', i.e. a removal that failed) have no readable logs and are never chosen.
 * Current: the newest running attempt, else the newest remaining one. Previous: the newest
 * finished attempt older than the current one.
 */
export function pickLogContainer(found: ContainerInfo[], previous: boolean): ContainerInfo | undefined {
  const usable = found
    .filter((c) => c.state !== 'removing' && c.state !== 'dead')
    .sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  const current = usable.find((c) => c.state === 'running') ?? usable[0];
  if (!previous) return current;
  if (!current) return undefined;
  return usable.slice(usable.indexOf(current) + 1).find(finished);
}

/** Copies `src` to `res`, ending after `limit` bytes (limitBytes), with backpressure. */
function pipeLimited(src: Readable, res: http.ServerResponse, limit: number | undefined): void {
  if (limit === undefined) {
    src.pipe(res);
    return;
  }
  let left = limit;
  src.on('data', (chunk: Buffer) => {
    if (left <= 0) return;
    const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
    left -= part.length;
    const more = res.write(part);
    if (left <= 0) {
      res.end();
      src.destroy();
    } else if (!more) {
      src.pause();
      res.once('drain', () => src.resume());
    }
  });
  src.on('end', () => res.end());
}

function decodeSegments(parts: string[]): string[] {
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw errors.badRequest('the request path has an invalid percent-encoding');
  }
}

export class LogServer implements Component {
  readonly name = 'log-server';
  private server?: http.Server | https.Server;
  private closeStreams = () => {};

  constructor(private readonly o: LogServerOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.o.port;
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err) => {
        if (err instanceof ApiError) return this.fail(res, err.status);
        this.o.logger.warn({ err, url: req.url }, 'log request failed');
        this.fail(res, errors.internal('an error occurred reading the container logs on this node (see the agent log)').status);
      });
    };
    if (!this.o.clientCA && !this.o.tokens) this.o.logger.warn('the log endpoint accepts no credential (no --log-server-client-ca-file, no token): logs of this node are unavailable');
    if (this.o.insecure) this.server = http.createServer(handler);
    else {
      let tls = this.o.cert && this.o.key ? { cert: this.o.cert, key: this.o.key } : undefined;
      if (tls) this.warnAboutIdentity(tls.cert);
      else {
        this.o.logger.warn(`no --log-server-cert: serving a self-signed certificate, which the apiserver refuses (issue one with \`orch init node-cert ${this.o.nodeName}\`)`);
        // Loaded only here: node-forge costs ~10 MB of agent memory otherwise.
        const { generateSelfSignedServerCert } = await import('../foundation/pki.js');
        const own = generateSelfSignedServerCert(this.o.nodeName, { ipAddresses: ['127.0.0.1'] });
        tls = { cert: own.certPem, key: own.keyPem };
      }
      // A client certificate is asked for, not required: a bearer token is the other way in.
      const clientAuth = this.o.clientCA ? { ca: this.o.clientCA, requestCert: true, rejectUnauthorized: false } : {};
      this.server = https.createServer({ ...tls, ...clientAuth }, handler);
    }
    const srv = this.server;
    const dispatcher = upgradeDispatcher(this.o.streams ?? {}, (req) => this.authenticated(req), this.o.logger);
    this.closeStreams = dispatcher.closeAll;
    srv.on('upgrade', dispatcher.listener);
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.o.port, this.o.host ?? '0.0.0.0', () => {
        srv.off('error', reject);
        resolve();
      });
    });
  }

  /** Say at start when the apiserver will refuse this certificate (every `orch logs` would fail). */
  private warnAboutIdentity(certPem: string): void {
    let problem: string | undefined;
    try {
      problem = agentCertificateProblem(this.o.nodeName, new crypto.X509Certificate(certPem).toLegacyObject());
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem) this.o.logger.warn({ problem }, `the log endpoint's certificate is not node ${this.o.nodeName}'s: the apiserver will refuse it (issue one with \`orch init node-cert ${this.o.nodeName}\`)`);
  }

  async stop(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    this.closeStreams();
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections?.();
    });
  }

  private fail(res: http.ServerResponse, status: Status): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status.code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status));
  }

  /** The apiserver's client certificate (verified by TLS against clientCA), or a listed token. */
  private authenticated(req: http.IncomingMessage): boolean {
    const sock = req.socket as TLSSocket;
    if (this.o.clientCA && sock.authorized && isApiserverClientCertificate(sock.getPeerCertificate())) return true;
    const token = bearerToken(req.headers.authorization);
    return token !== undefined && this.o.tokens?.authenticate(token) !== undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!this.authenticated(req)) throw errors.unauthorized();
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname === '/metrics' && this.o.metrics) {
      if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported on /metrics (only GET)`);
      const text = await this.o.metrics.text();
      res.writeHead(200, { 'content-type': this.o.metrics.contentType }).end(text);
      return;
    }
    if (url.pathname === '/stats/summary' && this.o.summary) {
      if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported on /stats/summary (only GET)`);
      const summary = this.o.summary();
      if (!summary) throw errors.unavailable('no resource sample of this node yet (the first two samples are one --metrics-interval apart)');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(summary));
      return;
    }
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m) throw errors.notFoundMessage(`the agent serves only /containerLogs/{namespace}/{pod}/{container} and /metrics, not ${url.pathname.slice(0, 200)}`);
    if (req.method !== 'GET') throw errors.methodNotAllowed(`${req.method} is not supported on /containerLogs (only GET)`);
    const [ns, pod, container] = decodeSegments(m.slice(1)) as [string, string, string];
    const opts = parsePodLogOptions((name) => url.searchParams.get(name) ?? undefined, pod);

    const found = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName, [LABEL_NAMESPACE]: ns, [LABEL_POD]: pod, [LABEL_CONTAINER]: container });
    const target = pickLogContainer(found, opts.previous);
    // No earlier attempt is a bad request in Kubernetes (400, the kubelet's message), not a missing object.
    const missing = () =>
      opts.previous
        ? errors.badRequest(`previous terminated container "${container}" in pod "${pod}" not found`)
        : errors.notFoundMessage(`container "${container}" in pod "${pod}" not found on this node`);
    if (!target) throw missing();
    let stream: Readable;
    try {
      stream = await this.o.runtime.logs(target.id, {
        follow: opts.follow,
        // Beyond 2^53 lines, or before 1970: the whole log (Docker would refuse the number).
        tail: opts.tailLines !== undefined && opts.tailLines < Number.MAX_SAFE_INTEGER ? opts.tailLines : undefined,
        timestamps: opts.timestamps,
        since: sinceUnixSeconds(opts, Date.now()),
      });
    } catch (err) {
      // Removed (or being removed) between the list and this call: as if it never existed.
      if (isRuntimeError(err, 'notfound') || isRuntimeError(err, 'conflict')) throw missing();
      throw err;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    res.on('close', () => stream.destroy());
    stream.on('error', () => res.destroy());
    pipeLimited(stream, res, opts.limitBytes);
  }
}
