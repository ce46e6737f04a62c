// The health and metrics endpoint of the scheduler, the controller manager and the agent
// (the apiserver answers the same paths on its API port): /healthz, /livez, /readyz
// (health-checks.ts) and /metrics (Prometheus text). It is a component like any other,
// started first and stopped last, so /readyz says what the process is waiting for while
// it starts and `[-]shutdown` while it stops.
//
// Who may read what (Kubernetes' rules for its components, simplified):
//   - bound to a loopback address (127.0.0.1 by default): plain HTTP, everything public;
//     only processes on the host reach it.
//   - bound to any other address (--bind-address): HTTPS (--tls-cert-file/--tls-private-key-file,
//     else a self-signed certificate made at start); /healthz, /livez and /readyz stay
//     public (probes and load balancers need no credential), /metrics needs a bearer token
//     listed in --metrics-token-file (the static token file format of token-file.ts), 401
//     without one; with no such file /metrics is refused (403) for everybody.

import http from 'node:http';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import { makeStatus } from '../api/errors.js';
import { bearerToken } from './bearer-token.js';
import type { Component } from './component.js';
import { answerHealth, type NamedCheck } from './health-checks.js';
import type { Logger } from './logger.js';
import type { MetricsSource } from './metrics.js';
import type { Authenticator } from './token-auth.js';

export interface HealthServerOptions {
  /** 0: any free port (the port getter tells which). */
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
  metrics: MetricsSource;
  /** The process's components' readiness (ComponentRunner.checks). */
  readiness: () => Promise<NamedCheck[]>;
  /** True while the process stops: /readyz then fails with `[-]shutdown`. */
  stopping?: () => boolean;
  logger: Logger;
  /** Serving certificate when not on loopback (default: self-signed, made at start). */
  tls?: { cert: string; key: string };
  /** Who may read /metrics when not on loopback (--metrics-token-file). */
  metricsAuth?: Authenticator;
}

/** 127.0.0.0/8, ::1 and localhost: reachable only from this host. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

const statusBody = (code: number, reason: Parameters<typeof makeStatus>[1], message: string) => JSON.stringify(makeStatus(code, reason, message));

export class HealthServer implements Component {
  readonly name = 'health-server';
  private server?: http.Server;
  private readonly host: string;
  private readonly secure: boolean;

  constructor(private readonly o: HealthServerOptions) {
    this.host = o.host ?? '127.0.0.1';
    this.secure = !isLoopback(this.host);
  }

  /** The port it listens on (useful with port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.o.port;
  }

  get url(): string {
    const h = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `${this.secure ? 'https' : 'http'}://${h}:${this.port}`;
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        this.o.logger.warn({ err, url: req.url }, 'health endpoint failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(statusBody(500, 'InternalError', (err as Error).message));
      });
    };
    if (this.secure) {
      let tls = this.o.tls;
      if (!tls) {
        // Loaded only here: node-forge costs ~10 MB otherwise.
        const { generateSelfSignedServerCert } = await import('./pki.js');
        const own = generateSelfSignedServerCert('orch-health', { ipAddresses: isIP(this.host) ? [this.host] : [] });
        tls = { cert: own.certPem, key: own.keyPem };
        this.o.logger.info('no --tls-cert-file: the health and metrics endpoint serves a self-signed certificate');
      }
      if (!this.o.metricsAuth) this.o.logger.warn({ address: this.host }, 'bound beyond loopback without --metrics-token-file: /metrics is refused to everybody');
      this.server = https.createServer(tls, handler);
    } else {
      this.server = http.createServer(handler);
    }
    const srv = this.server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.o.port, this.host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    this.o.logger.info({ address: this.url }, 'serving /healthz, /livez, /readyz and /metrics');
  }

  async stop(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://health');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' }).end(statusBody(405, 'MethodNotAllowed', `${req.method} is not supported here (only GET)`));
      return;
    }
    const health = await answerHealth(url.pathname, url.searchParams, this.o.readiness, { stopping: this.o.stopping?.() });
    if (health) {
      res.writeHead(health.code, { 'content-type': health.contentType }).end(health.body);
      return;
    }
    if (url.pathname === '/metrics') {
      if (this.secure && !this.mayReadMetrics(req, res)) return;
      const text = await this.o.metrics.text();
      res.writeHead(200, { 'content-type': this.o.metrics.contentType }).end(text);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(statusBody(404, 'NotFound', `not found: ${url.pathname.slice(0, 200)} (this endpoint serves /healthz, /livez, /readyz and /metrics)`));
  }

  /** Off loopback, /metrics needs a token from --metrics-token-file. Answers the refusal itself. */
  private mayReadMetrics(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!this.o.metricsAuth) {
      res.writeHead(403, { 'content-type': 'application/json' }).end(statusBody(403, 'Forbidden', '/metrics is not served beyond loopback without --metrics-token-file'));
      return false;
    }
    const token = bearerToken(req.headers.authorization);
    if (token === undefined || !this.o.metricsAuth.authenticate(token)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="orch"' }).end(statusBody(401, 'Unauthorized', 'a bearer token listed in --metrics-token-file is needed for /metrics'));
      return false;
    }
    return true;
  }
}
