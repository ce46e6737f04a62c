// The HTTP(S) layer under ApiClient: keep-alive agents, bearer token, CA verification,
// per-request timeouts, JSON bodies, and the mapping of every failure to an ApiError
// (a Status from the server, or a synthesized one), so callers only ever handle ApiError.

import http from 'node:http';
import https from 'node:https';
import { ApiError, errors, isStatus, makeStatus, type StatusReason } from '../api/errors.js';
import type { ClientConfig } from './types.js';
import type { Logger } from '../foundation/logger.js';
import type { RequestObserver } from './metrics.js';

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  body?: unknown;
  /** Defaults to application/json when a body is given. */
  contentType?: string;
  query?: Record<string, QueryValue>;
  /** Return the response stream (after a 2xx) instead of parsed JSON; no timeout once headers arrive. */
  stream?: boolean;
  /** Accept header; default application/json. */
  accept?: string;
  /** Overrides the client's per-request timeout (ms); 0 disables it. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;

const REASONS: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** Status for a response that was not a Status (a proxy's HTML page, an empty body...). */
export function synthesizeStatus(code: number, body: string): ApiError {
  const text = body.trim().slice(0, 500);
  const reason = REASONS[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
  return new ApiError(makeStatus(code, reason, text ? `HTTP ${code}: ${text}` : `the server responded with HTTP ${code}`));
}

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Internal: a request failed on a reused keep-alive socket (see request()). */
class StaleSocketError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

export class HttpTransport {
  readonly server: URL;
  private readonly isHttps: boolean;
  /** Short requests share a bounded keep-alive pool. */
  private agent: http.Agent;
  /** Watches and log follows hold a socket for minutes; they get their own unbounded pool so they never starve short requests. */
  private streamAgent: http.Agent;
  /** The client certificate in use (replaced by setClientCertificate). */
  private clientCert: { cert?: string | Buffer; key?: string | Buffer };
  private readonly timeoutMs: number;

  constructor(
    private readonly config: ClientConfig,
    private readonly logger?: Logger,
    /** rest_client_* metrics (client/metrics.ts), when the process keeps them. */
    private readonly observe?: RequestObserver,
  ) {
    let url: URL;
    try {
      url = new URL(config.server);
    } catch {
      throw new Error(`invalid API server URL "${config.server}": expected https://host:port or http://host:port`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`invalid API server URL "${config.server}": scheme must be https or http`);
    }
    this.server = url;
    this.isHttps = url.protocol === 'https:';
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clientCert = { cert: config.clientCert, key: config.clientKey };
    [this.agent, this.streamAgent] = this.newAgents();
  }

  private newAgents(): [http.Agent, http.Agent] {
    if (!this.isHttps) return [new http.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16 }), new http.Agent({ keepAlive: false })];
    const c = this.config;
    const tls = { ca: c.ca, rejectUnauthorized: !c.insecureSkipTLSVerify, cert: this.clientCert.cert, key: this.clientCert.key, servername: c.tlsServerName };
    return [new https.Agent({ keepAlive: true, maxSockets: 64, maxFreeSockets: 16, ...tls }), new https.Agent({ keepAlive: false, ...tls })];
  }

  /**
   * Present another client certificate from now on (a rotated node credential). New
   * requests and streams use it; open watches keep their connection until they end and
   * reconnect; idle keep-alive sockets of the old pool are closed.
   */
  setClientCertificate(cert: string | Buffer, key: string | Buffer): void {
    const old = this.agent;
    this.clientCert = { cert, key };
    [this.agent, this.streamAgent] = this.newAgents();
    // Only the idle sockets: requests in flight on the old pool finish normally.
    for (const sockets of Object.values(old.freeSockets)) for (const s of sockets ?? []) s.destroy();
  }

  /** Base URL without a trailing slash, for messages. */
  get serverUrl(): string {
    return this.server.origin + this.server.pathname.replace(/\/$/, '');
  }

  /** Closes idle keep-alive sockets (open streams end when their consumers stop them). */
  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }

  request(method: string, path: string, opts: RequestOptions & { stream: true }): Promise<http.IncomingMessage>;
  request<T = unknown>(method: string, path: string, opts?: RequestOptions): Promise<T>;
  async request(method: string, path: string, opts: RequestOptions = {}): Promise<unknown> {
    const unwrap = (err: unknown) => (err instanceof StaleSocketError ? err.apiError : err);
    try {
      return await this.once(method, path, opts);
    } catch (err) {
      // A keep-alive socket the server closed just as we reused it fails with ECONNRESET.
      // Only reads are repeated (client-go does the same): a write may have been applied.
      if (!(err instanceof StaleSocketError) || (method !== 'GET' && method !== 'HEAD')) throw unwrap(err);
    }
    try {
      return await this.once(method, path, opts);
    } catch (err) {
      throw unwrap(err);
    }
  }

  private once(method: string, path: string, opts: RequestOptions): Promise<unknown> {
    const basePath = this.server.pathname.replace(/\/$/, '');
    const fullPath = `${basePath}${path}${buildQuery(opts.query)}`;
    const headers: Record<string, string> = { Accept: opts.accept ?? 'application/json' };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    if (this.config.userAgent) headers['User-Agent'] = this.config.userAgent;
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const lib = this.isHttps ? https : http;

    const started = performance.now();
    let answered: number | undefined;
    return new Promise<unknown>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: unknown, value?: unknown) => {
        if (settled) return;
        settled = true;
        this.observe?.(method, this.server.host, answered, (performance.now() - started) / 1000);
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(value);
      };
      const unreachable = (why: string) =>
        errors.unavailable(`cannot reach the API server at ${this.serverUrl}: ${why}`);

      const req = lib.request(
        {
          protocol: this.server.protocol,
          hostname: this.server.hostname,
          port: this.server.port || undefined,
          method,
          path: fullPath,
          headers,
          agent: opts.stream ? this.streamAgent : this.agent,
        },
        (res) => {
          const code = res.statusCode ?? 0;
          answered = code;
          if (opts.stream && code >= 200 && code < 300) {
            // The stream may live for minutes: the timeout only covered reaching the server.
            if (timer) clearTimeout(timer);
            timer = undefined;
            finish(undefined, res);
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (err) => finish(unreachable(err.message)));
          res.on('aborted', () => finish(unreachable('connection closed while reading the response')));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (code >= 200 && code < 300) {
              if (!text) return finish(undefined, undefined);
              try {
                finish(undefined, JSON.parse(text));
              } catch {
                finish(synthesizeStatus(502, `invalid JSON in a ${code} response from ${method} ${path}: ${text.slice(0, 200)}`));
              }
              return;
            }
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            finish(isStatus(parsed) && typeof parsed.code === 'number' ? new ApiError(parsed) : synthesizeStatus(code, text));
          });
        },
      );

      const onAbort = () => {
        req.destroy();
        finish(opts.signal?.reason ?? new Error('request aborted'));
      };
      if (opts.signal) {
        if (opts.signal.aborted) return onAbort();
        opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          req.destroy();
          finish(unreachable(`no response within ${timeoutMs} ms (${method} ${path})`));
        }, timeoutMs);
      }
      req.on('error', (err: NodeJS.ErrnoException) => {
        this.logger?.debug({ err, method, path }, 'request failed');
        // TLS verification failures are configuration errors, but they still mean "cannot talk
        // to the server"; the message carries Node's reason (e.g. self-signed certificate).
        const apiErr = unreachable(err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message);
        if (req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) finish(new StaleSocketError(apiErr));
        else finish(apiErr);
      });
      req.end(payload);
    });
  }
}
