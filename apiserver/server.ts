// buildServer(): the fastify app of the apiserver, separate from listen() so tests can
// use inject(). Wires body parsers, authentication, the Status error catalogue,
// metrics, health, discovery and resource routes, the system namespaces and the
// namespace cleanup loop (both started on ready, stopped on close).

import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../api/errors.js';
import { silentLogger } from '../client/logger.js';
import { realClock, type Clock } from '../client/clock.js';
import { bearerToken, type Authenticator } from './auth.js';
import { BODY_LIMIT, registerBodyParsers } from './body-parsers.js';
import type { AgentClientOptions, ServerContext } from './context.js';
import { toStatus } from './http-errors.js';
import { createMetrics, type ApiserverMetrics } from './metrics.js';
import { NamespaceCleanup } from './namespace-cleanup.js';
import { NamespaceCache } from './namespace-cache.js';
import { collectionPrefix } from './registry/keys.js';
import { findResource } from '../api/resources.js';
import { ensureSystemNamespaces } from './bootstrap.js';
import { resourceLabel } from './request-info.js';
import { registerHealthRoutes, PUBLIC_PATHS } from './routes/health.js';
import { registerResourceRoutes } from './routes/resources.js';
import { registerOpenApiRoutes } from './routes/openapi.js';
import { Store } from './registry/store.js';
import type { Storage } from './storage/types.js';
import { DEFAULT_WATCH_SETTINGS, WatchRegistry, type WatchSettings } from './watch.js';

export interface BuildServerOptions {
  storage: Storage;
  /** null = no authentication at all (only for --insecure-http development). */
  auth: Authenticator | null;
  logger?: Logger;
  https?: { key: string | Buffer; cert: string | Buffer };
  watchMaxSeconds?: number;
  watchBookmarkIntervalMs?: number;
  /** Bytes buffered for one watcher that does not read before it is cut off (default 16 MiB). */
  watchMaxBufferedBytes?: number;
  /** Time allowed to receive a whole request (node's requestTimeout). Default 60 s. */
  requestTimeoutMs?: number;
  /** Idle socket timeout (node's server.timeout); watches and log streams opt out. Default 120 s. */
  connectionTimeoutMs?: number;
  version?: string;
  metrics?: ApiserverMetrics;
  clock?: Clock;
  random?: () => number;
  agentClient?: AgentClientOptions;
  /** Interval of the namespace cleanup loop. Default 2 s. */
  namespaceCleanupIntervalMs?: number;
  /**
   * Requests served at once (watches and log streams excluded); more get 429 with
   * Retry-After, like Kubernetes' --max-requests-inflight. Default 400.
   */
  maxRequestsInFlight?: number;
  /** Create default, kube-system, kube-node-lease, orch-node-lease on ready. Default true. */
  bootstrapNamespaces?: boolean;
}

export function buildServer(opts: BuildServerOptions): FastifyInstance {
  const logger = opts.logger ?? silentLogger();
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const metrics = opts.metrics ?? createMetrics();
  const store = new Store(opts.storage, clock, random);
  const ctx: ServerContext = {
    store,
    storage: opts.storage,
    logger,
    metrics,
    watches: new WatchRegistry(),
    watchSettings: {
      ...DEFAULT_WATCH_SETTINGS,
      maxSeconds: opts.watchMaxSeconds ?? DEFAULT_WATCH_SETTINGS.maxSeconds,
      bookmarkIntervalMs: opts.watchBookmarkIntervalMs ?? DEFAULT_WATCH_SETTINGS.bookmarkIntervalMs,
      maxBufferedBytes: opts.watchMaxBufferedBytes ?? DEFAULT_WATCH_SETTINGS.maxBufferedBytes,
      random,
    } satisfies WatchSettings,
    clock,
    agentClient: opts.agentClient,
    auth: opts.auth,
    nowIso: () => new Date(Math.floor(clock.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
  };

  const base = {
    bodyLimit: BODY_LIMIT,
    requestTimeout: opts.requestTimeoutMs ?? 60_000,
    connectionTimeout: opts.connectionTimeoutMs ?? 120_000,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  };
  const app: FastifyInstance = (
    opts.https ? Fastify({ ...base, https: { key: opts.https.key, cert: opts.https.cert } }) : Fastify(base)
  ) as unknown as FastifyInstance;

  registerBodyParsers(app);
  app.decorateRequest('user', undefined);
  app.decorateRequest('orchInfo', undefined);

  // Shed load instead of queueing without bound: every queued request holds memory and
  // an etcd call slot, and a client told to retry later recovers better than one timing out.
  const maxInFlight = opts.maxRequestsInFlight ?? 400;
  let inFlight = 0;
  app.addHook('onRequest', async (req, reply) => {
    const streaming = /[?&]watch=(true|1)(&|$)/.test(req.url) || req.url.split('?')[0]!.endsWith('/log');
    if (streaming) return;
    if (inFlight >= maxInFlight) throw errors.tooManyRequests('too many requests in flight, please try again later');
    inFlight++;
    reply.raw.once('close', () => inFlight--);
  });

  app.addHook('onRequest', async (req) => {
    const path = req.url.split('?')[0]!;
    if (PUBLIC_PATHS.has(path) || opts.auth === null) return;
    const token = bearerToken(req.headers.authorization);
    const user = token ? opts.auth.authenticate(token) : undefined;
    if (!user) throw errors.unauthorized();
    req.user = user;
  });

  app.addHook('onResponse', async (req, reply) => {
    const info = req.orchInfo;
    const code = reply.statusCode;
    const resource = info?.type === 'resource' ? resourceLabel(info) : '';
    const verb = k8sVerb(info?.type === 'resource' ? info.verb : req.method);
    // Watches are counted by the watch itself when the stream ends (hijacked replies
    // may or may not reach this hook), and their duration is not a latency.
    if (verb === 'watch' && code === 200) return;
    metrics.requests.inc({ verb, resource, code: String(code) });
    metrics.duration.observe({ verb, resource }, reply.elapsedTime / 1000);
    const line = { method: req.method, url: req.url, code, ms: Math.round(reply.elapsedTime), user: req.user?.name };
    if (code >= 500) logger.warn(line, 'request failed');
    else logger.debug(line, 'request');
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, unexpected } = toStatus(err, req.headers['content-type']);
    if (unexpected) logger.error({ err, method: req.method, url: req.url }, 'unexpected error');
    if (status.code === 401) reply.header('WWW-Authenticate', 'Bearer realm="orch"');
    if (status.code === 429 || status.code === 503) reply.header('Retry-After', String(status.details?.retryAfterSeconds ?? 1));
    void reply.code(status.code).type('application/json').send(status);
  });
  app.setNotFoundHandler((req, reply) => {
    const s = errors.notFoundMessage(`the server could not find the requested resource (${req.method} ${req.url.split('?')[0]})`).status;
    void reply.code(404).type('application/json').send(s);
  });

  registerHealthRoutes(app, { storage: opts.storage, metrics, version: opts.version ?? '0.1.0' });
  registerOpenApiRoutes(app);
  registerResourceRoutes(app, ctx);

  const nsCache = new NamespaceCache(opts.storage, collectionPrefix(findResource('', 'v1', 'namespaces')!), logger);
  store.namespaceLookup = (name) => nsCache.get(name);
  store.namespaceWritten = (obj, removed) => nsCache.noteWrite(obj, removed);
  const cleanup = new NamespaceCleanup(store, logger, clock, opts.namespaceCleanupIntervalMs ?? 2000);
  let bootstrapTimer: NodeJS.Timeout | undefined;
  let closing = false;
  app.addHook('onReady', async () => {
    if (opts.bootstrapNamespaces ?? true) {
      // etcd may not be up yet: keep trying in the background rather than failing start.
      const attempt = async () => {
        try {
          await ensureSystemNamespaces(store);
        } catch (err) {
          if (closing) return;
          logger.warn({ err: (err as Error).message }, 'cannot create system namespaces yet; retrying');
          bootstrapTimer = setTimeout(() => void attempt(), 2000);
        }
      };
      await attempt();
    }
    nsCache.start();
    cleanup.start();
  });
  app.addHook('preClose', async () => {
    closing = true;
    if (bootstrapTimer) clearTimeout(bootstrapTimer);
    cleanup.stop();
    nsCache.stop();
    ctx.watches.closeAll();
  });
  return app;
}

// Kubernetes' apiserver_request_total uses the RBAC verbs in lowercase (get, list, watch,
// create, update, patch, delete, deletecollection); non-resource paths get the lowercased
// HTTP method, so dashboards written for Kubernetes match.
function k8sVerb(v: string): string {
  return v.toLowerCase();
}
