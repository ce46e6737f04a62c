// buildApiserver(): the fastify app of the apiserver and its components (components.ts:
// etcd, namespace cache, bootstrap, RBAC policy, namespace cleanup, HTTP server), run by
// one ComponentRunner. Building does no I/O; `runner.start()` does. Wires body parsers,
// authentication, authorization (authorization/: the --authorization-mode chain, RBAC's
// escalation checks on writes), flow control (flow-control/), the Status error catalogue
// (framework and connection errors included), metrics, health, discovery and resource routes.

import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { errors } from '../api/errors.js';
import { silentLogger } from '../foundation/logger.js';
import { ComponentRunner } from '../foundation/component-runner.js';
import { registrySource, type MetricsSource } from '../foundation/metrics.js';
import { nowIso, realClock, type Clock } from '../foundation/clock.js';
import type { Authenticator } from '../foundation/token-auth.js';
import { ObjectRefCache } from './authentication/object-refs.js';
import { serviceAccountTokenAuthenticator, unionAuthenticator, type ServiceAccountTokenConfig } from './authentication/service-account-tokens.js';
import { BODY_LIMIT, registerBodyParsers } from './body-parsers.js';
import { BootstrapTokenAuthenticator, bootstrapTokenComponent } from './authentication/bootstrap-tokens.js';
import { requestAuthenticator } from './authentication/request-authenticator.js';
import type { AgentClientOptions, ServerContext } from './context.js';
import { admitRequest } from './flow-control/admission.js';
import { boundAuthorizerChain } from './authorization/chain.js';
import { NodeGraph } from './authorization/node-graph.js';
import { withAuthenticatedGroup } from './authorization/authenticated-group.js';
import { authorizersFor, DEFAULT_AUTHORIZATION_MODE, type AuthorizationMode } from './authorization/modes.js';
import { rbacBootstrapComponent, rbacPolicyComponent } from './authorization/rbac/components.js';
import { escalationCheck } from './authorization/rbac/escalation.js';
import { PolicyCache } from './authorization/rbac/policy-cache.js';
import { RbacAuthorizer } from './authorization/rbac/rbac-authorizer.js';
import { impersonate } from './authentication/impersonation.js';
import type { Authorizer } from './authorization/types.js';
import { withBodyDeadline } from './flow-control/body-deadline.js';
import type { PriorityLevelConfig } from './flow-control/config.js';
import { FlowController } from './flow-control/flow-controller.js';
import { fullGc, MemoryRelease } from './flow-control/memory-release.js';
import { WatchMemoryBudget } from './flow-control/watch-memory.js';
import { clientErrorHandler, frameworkErrorHandler, toStatus } from './http-errors.js';
import { createMetrics, type ApiserverMetrics } from './metrics.js';
import { NamespaceCleanup } from './namespace-cleanup.js';
import { NamespaceCache } from './namespace-cache.js';
import { collectionPrefix } from './registry/keys.js';
import { findResource } from '../api/resources.js';
import { serviceComponents } from './services/service-components.js';
import type { ServiceRanges } from './services/service-ranges.js';
import { auditComponent } from './audit/flags.js';
import { bootstrapComponent, httpServerComponent, namespaceCacheComponent, namespaceCleanupComponent, nodeGraphComponent, storageComponent } from './components.js';
import { resourceLabel } from './request-info.js';
import { isPublicPath, registerHealthRoutes } from './routes/health.js';
import { registerResourceRoutes } from './routes/resources.js';
import { registerOpenApiRoutes } from './routes/openapi.js';
import { streamUpgradeHandler } from './routes/pod-streams.js';
import { schemaModel } from './routes/openapi-model.js';
import { definitionName } from '../api/schema/kinds.js';
import { listTypesOf, type ListTypes } from '../api/managed-fields/list-types.js';
import { Store } from './registry/store.js';
import { ResourceMetricsStore } from './metrics-api/metrics-store.js';
import { MetricsScraper } from './metrics-api/scraper.js';
import { registerAudit } from './audit/auditor.js';
import type { AuditOptions } from './audit/flags.js';
import { defaultAdmission } from './admission/default-chain.js';
import type { PodSecurityConfig } from './admission/pod-security/admission.js';
import type { Storage } from './storage/types.js';
import { DEFAULT_WATCH_SETTINGS, WatchRegistry, type WatchSettings } from './watch.js';
import { CrdRegistry } from './crd/crd-registry.js';
import { CrdNamingRecheck, crdNamingHook } from './crd/crd-naming.js';
import { CrdCleanup } from './crd/crd-cleanup.js';
import { crdCleanupComponent, crdRegistryComponent } from './crd/components.js';
import { webhookAdmission } from './webhooks/components.js';


const DEFAULT_WATCH_MEMORY_BUDGET = 128 * 1024 * 1024;

export interface BuildServerOptions {
  storage: Storage;
  /** null = no authentication at all (only for --insecure-http development). */
  auth: Authenticator | null;
  /** The authorizer chain, asked in order (overrides authorizationMode). */
  authorizers?: Authorizer[];
  /** --authorization-mode (default Node,RBAC). */
  authorizationMode?: AuthorizationMode[];
  /** Reconcile the default RBAC roles and bindings on start. Default true. */
  bootstrapPolicy?: boolean;
  logger?: Logger;
  /** clientCA: --client-ca-file; a client certificate it signed authenticates as CN (user), O (groups). */
  https?: { key: string | Buffer; cert: string | Buffer; clientCA?: string | Buffer };
  /** Bearer tokens `<id>.<secret>` from kube-system bootstrap-token-<id> Secrets (default: on when auth is on). */
  bootstrapTokenAuth?: boolean;
  watchMaxSeconds?: number;
  watchBookmarkIntervalMs?: number;
  /** Bytes buffered for one watcher that does not read before it is expired (default 16 MiB). */
  watchMaxBufferedBytes?: number;
  /** Events queued for one watcher that does not read before it is expired (default 10,000). */
  watchMaxQueuedEvents?: number;
  /** Bytes all watch streams may hold unsent together before the biggest are expired (default 128 MiB). */
  watchMemoryBudgetBytes?: number;
  /** Watches and log streams open at once (default 10,000), and per user (default 1,000). */
  maxOpenWatches?: number;
  maxOpenWatchesPerUser?: number;
  /** Run a full GC after watch streams drop a lot of backlog (flow-control/memory-release.ts). Default true. */
  releaseMemory?: boolean;
  /** Time allowed to receive a whole request (node's requestTimeout). Default 60 s. */
  requestTimeoutMs?: number;
  /** Idle socket timeout (node's server.timeout); watches and log streams opt out. Default 120 s. */
  connectionTimeoutMs?: number;
  version?: string;
  metrics?: ApiserverMetrics;
  /** What /metrics serves (default: the metrics' registry; `--workers`: every worker's sum). */
  metricsSource?: MetricsSource;
  /** Where the http-server component listens (default 127.0.0.1, any free port). */
  listen?: { host: string; port: number };
  clock?: Clock;
  random?: () => number;
  agentClient?: AgentClientOptions;
  /** Interval of the namespace cleanup loop. Default 2 s. */
  namespaceCleanupIntervalMs?: number;
  /**
   * Seats: requests served at once by the priority levels (system:masters, watches and
   * log streams excluded), shared out by the levels' shares like Kubernetes'
   * --max-requests-inflight under API Priority and Fairness. Default 400.
   */
  maxRequestsInFlight?: number;
  /** How long a request may wait for a seat before it gets 429. Default 15 s. */
  flowQueueWaitMs?: number;
  /** The priority levels (default flow-control/config.ts DEFAULT_LEVELS). */
  priorityLevels?: PriorityLevelConfig[];
  /** How long a request's body may take to arrive once it holds a seat (then 408). Default 10 s. */
  requestBodyTimeoutMs?: number;
  /** Create default, kube-system, kube-node-lease, orch-node-lease on ready. Default true. */
  bootstrapNamespaces?: boolean;
  /** --service-cluster-ip-range and --service-node-port-range (default 10.96.0.0/12, 30000-32767). */
  serviceRanges?: ServiceRanges;
  /**
   * Keep the `kubernetes` Service and its Endpoints, advertising this address (and the
   * port it listens on). Absent: no such Service (tests that count objects).
   */
  kubernetesService?: { advertiseAddress: string; leaseDurationSeconds?: number; renewIntervalMs?: number };
  /** Service account tokens: TokenRequest signs with these keys, and they authenticate next to `auth`. */
  serviceAccountTokens?: ServiceAccountTokenConfig;
  /** Kubernetes' ServiceAccount admission on pod create (default: on when serviceAccountTokens is set). */
  serviceAccountAdmission?: boolean;
  /** The audit log (--audit-policy-file, --audit-log-path): absent, nothing is audited. */
  audit?: AuditOptions;
  /** Pod Security admission's default level, exemptions and allowed hostPaths (default: baseline, kube-system exempt, no hostPath). */
  podSecurity?: Partial<PodSecurityConfig>;
  /** How often every agent's /stats/summary is scraped for metrics.k8s.io (--metric-resolution; default 5 s; 0: not served). */
  metricResolutionMs?: number;
}

export interface Apiserver {
  app: FastifyInstance;
  /** Runs the components (start in order, stop in reverse); its checks are /readyz. */
  runner: ComponentRunner;
  /** http(s)://host:port, once the http-server component listens. */
  url(): string;
  /** The metrics.k8s.io store and its scraper (absent with metricResolutionMs 0): tests and benchmarks feed or drive them. */
  resourceMetrics?: ResourceMetricsStore;
  metricsScraper?: MetricsScraper;
}

/** Custom resources merge every list atomically in server-side apply (x-kubernetes-list-type is not read). */
const customListTypes: ListTypes = () => ({ type: 'atomic' });

export function buildApiserver(opts: BuildServerOptions): Apiserver {
  const logger = opts.logger ?? silentLogger();
  const clock = opts.clock ?? realClock;
  const random = opts.random ?? Math.random;
  const metrics = opts.metrics ?? createMetrics();
  const store = new Store(opts.storage, clock, random);
  store.admit = defaultAdmission(opts.podSecurity);
  // Server-side apply merges lists as the published schemas say (built on first use).
  const listTypes = new Map<string, ListTypes>();
  store.listTypesFor = (r) => {
    if (r.custom) return customListTypes;
    const def = definitionName(r.group, r.version, r.kind);
    let lt = listTypes.get(def);
    if (!lt) listTypes.set(def, (lt = listTypesOf(schemaModel(), def)));
    return lt;
  };
  const memoryRelease = opts.releaseMemory === false ? undefined : new MemoryRelease(fullGc, clock);
  const watchBudget = new WatchMemoryBudget(opts.watchMemoryBudgetBytes ?? DEFAULT_WATCH_MEMORY_BUDGET, {
    onCut: (_s, bytes) => logger.warn({ bytes, budget: watchBudget.maxBytes }, 'watch streams over their memory budget: expiring the one holding the most'),
    onDropped: (bytes) => memoryRelease?.noteDropped(bytes),
  });
  metrics.watchBufferedBytesFrom(() => watchBudget.heldBytes);
  // Service account tokens are checked against live objects (authentication/object-refs.ts).
  const tokenRefs = opts.serviceAccountTokens ? new ObjectRefCache(opts.storage, logger) : undefined;
  const auth =
    opts.auth && opts.serviceAccountTokens && tokenRefs
      ? unionAuthenticator([opts.auth, serviceAccountTokenAuthenticator(opts.serviceAccountTokens, tokenRefs, clock)])
      : opts.auth;
  // The Node authorizer's graph of pods → Secrets/ConfigMaps/... (authorization/node-graph.ts).
  const nodeGraph = new NodeGraph(opts.storage, collectionPrefix(findResource('', 'v1', 'pods')!), logger.child({ component: 'node-graph' }));
  const policy = new PolicyCache(opts.storage, logger);
  const rbac = new RbacAuthorizer(policy.index, { synced: () => policy.synced() });
  const authorizers = opts.authorizers ?? authorizersFor(opts.authorizationMode ?? DEFAULT_AUTHORIZATION_MODE, rbac);
  // CustomResourceDefinitions (crd/): the custom resources served next to the built-in kinds.
  const crds = new CrdRegistry(opts.storage, logger.child({ component: 'crd-registry' }));
  store.crdWritten = (obj, removed) => crds.noteWrite(obj, removed);
  store.crdNaming = crdNamingHook(crds, clock);
  const crdNaming = new CrdNamingRecheck(store, crds, logger.child({ component: 'crd-naming' }));
  // Admission webhooks (webhooks/): configurations cached in memory, called by the store.
  const webhooks = webhookAdmission({ storage: opts.storage, store, logger: logger.child({ component: 'admission-webhooks' }), metrics, customResources: () => crds.resources() });
  const crdCleanup = new CrdCleanup(store, crds, logger.child({ component: 'crd-cleanup' }), clock);
  crds.onChange = (crd) => {
    if (crd.metadata.deletionTimestamp) crdCleanup.kick();
    crdNaming.kick(crd.spec.group);
  };
  const ctx: ServerContext = {
    crds,
    store,
    storage: opts.storage,
    logger,
    metrics,
    watches: new WatchRegistry(watchBudget, (resource, reason) => metrics.terminatedWatchers.inc({ resource, reason })),
    watchSettings: {
      ...DEFAULT_WATCH_SETTINGS,
      maxSeconds: opts.watchMaxSeconds ?? DEFAULT_WATCH_SETTINGS.maxSeconds,
      bookmarkIntervalMs: opts.watchBookmarkIntervalMs ?? DEFAULT_WATCH_SETTINGS.bookmarkIntervalMs,
      maxBufferedBytes: opts.watchMaxBufferedBytes ?? DEFAULT_WATCH_SETTINGS.maxBufferedBytes,
      maxQueuedEvents: opts.watchMaxQueuedEvents ?? DEFAULT_WATCH_SETTINGS.maxQueuedEvents,
      random,
    } satisfies WatchSettings,
    clock,
    agentClient: opts.agentClient,
    auth,
    serviceAccountTokens: opts.serviceAccountTokens,
    serviceAccountAdmission: opts.serviceAccountAdmission ?? opts.serviceAccountTokens !== undefined,
    authorizer: boundAuthorizerChain(authorizers, { nodeGraph }),
    rulesResolver: rbac,
    nowIso: () => nowIso(clock),
  };
  const metricResolutionMs = opts.metricResolutionMs ?? 5000;
  if (metricResolutionMs > 0) ctx.resourceMetrics = new ResourceMetricsStore(() => clock.now());
  const scraper = ctx.resourceMetrics
    ? new MetricsScraper({ ctx, store: ctx.resourceMetrics, logger: logger.child({ component: 'metrics-scraper' }), intervalMs: metricResolutionMs })
    : undefined;
  // Escalation prevention belongs to RBAC: with RBAC out of the chain (AlwaysAllow) it is off too.
  if (authorizers.includes(rbac))
    ctx.writeAdmission = (user, info) => {
      const check = escalationCheck(rbac, ctx.authorizer, user, info);
      return check && ((_current, next) => check(next));
    };

  // Who sent a request (authentication/): client certificate, token file (then service account tokens: `auth`), bootstrap tokens.
  const bootstrapTokens =
    opts.auth !== null && (opts.bootstrapTokenAuth ?? true) ? new BootstrapTokenAuthenticator(opts.storage, clock, logger.child({ component: 'bootstrap-tokens' })) : undefined;
  const authn =
    opts.auth === null ? null : requestAuthenticator({ x509: Boolean(opts.https?.clientCA), tokens: bootstrapTokens ? [auth!, bootstrapTokens] : [auth!] });

  const requestTimeout = opts.requestTimeoutMs ?? 60_000;
  const base = {
    bodyLimit: BODY_LIMIT,
    requestTimeout,
    connectionTimeout: opts.connectionTimeoutMs ?? 120_000,
    keepAliveTimeout: 65_000,
    // fastify's own 503 while closing is not a Status: the onRequest hook answers instead.
    return503OnClosing: false,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(logger, requestTimeout),
  };
  // node checks requestTimeout (and headersTimeout) on this interval, 30 s by default:
  // a late client would otherwise get its 408 up to 30 s after the timeout.
  const connectionsCheckingInterval = Math.max(50, Math.min(5000, requestTimeout / 4));
  const app: FastifyInstance = (
    opts.https
      ? Fastify({
          ...base,
          https: {
            key: opts.https.key,
            cert: opts.https.cert,
            // Ask for a client certificate, never require one: tokens keep working, and a
            // certificate that does not verify is ignored (x509.ts), not a failed handshake.
            ...(opts.https.clientCA ? { requestCert: true, rejectUnauthorized: false, ca: opts.https.clientCA } : {}),
            connectionsCheckingInterval,
          },
        })
      : Fastify({ ...base, http: { connectionsCheckingInterval } })
  ) as unknown as FastifyInstance;

  registerBodyParsers(app);
  app.decorateRequest('user', undefined);
  app.decorateRequest('orchInfo', undefined);
  app.decorateRequest('orchAdmission', undefined);

  // Flow control (flow-control/): authenticate, authorize what can be decided from the
  // URL, then admit — so an unauthenticated or forbidden request never holds a seat, and
  // one user's flood only fills its own flow's share of its priority level.
  const flow = new FlowController({
    maxRequestsInFlight: opts.maxRequestsInFlight ?? 400,
    queueWaitMs: opts.flowQueueWaitMs ?? 15_000,
    levels: opts.priorityLevels,
    maxOpenWatches: opts.maxOpenWatches ?? 10_000,
    maxOpenWatchesPerUser: opts.maxOpenWatchesPerUser ?? 1_000,
    clock,
    observer: metrics.flow,
  });
  for (const l of flow.limits()) metrics.flowSeats.set({ priority_level: l.name }, l.seats);
  const auditor = opts.audit ? registerAudit(app, opts.audit.policy, opts.audit.writer, () => clock.now()) : undefined;
  opts.audit?.writer.countInto({ written: (n) => metrics.auditEvents.inc(n), dropped: (n) => metrics.auditErrors.inc(n) });
  let closing = false;
  app.addHook('onRequest', async (req, reply) => {
    if (closing) {
      reply.header('Connection', 'close');
      throw errors.unavailable('the apiserver is shutting down; retry against another one');
    }
    const path = req.url.split('?')[0]!;
    // Health probes and /version: public and exempt (Kubernetes' "probes" flow schema).
    if (isPublicPath(path)) return;
    if (authn !== null) {
      const user = authn.authenticate(req.raw);
      if (!user) throw errors.unauthorized();
      // Impersonate-* headers: from here on the request is the impersonated user's.
      req.user = impersonate(ctx.authorizer, withAuthenticatedGroup(user), req.headers, req.raw.rawHeaders);
    }
    await admitRequest(flow, ctx.authorizer, req, reply, crds);
    auditor?.admitted(req);
  });
  const bodyTimeoutMs = opts.requestBodyTimeoutMs ?? 10_000;
  app.addHook('preParsing', async (req, reply, payload) => withBodyDeadline(req.raw, reply.raw, payload, bodyTimeoutMs));

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
    // retryAfterSeconds 0 (an eviction a budget refuses): no header, as Kubernetes, so
    // client-go does not retry at once by itself and kubectl drain waits its own 5 s.
    const retryAfter = status.details?.retryAfterSeconds ?? 1;
    if ((status.code === 429 || status.code === 503) && retryAfter > 0) reply.header('Retry-After', String(retryAfter));
    // The rest of a body that timed out is never read: the connection cannot be reused.
    if (status.code === 408) reply.header('Connection', 'close');
    void reply.code(status.code).type('application/json').send(status);
  });
  app.setNotFoundHandler((req, reply) => {
    const s = errors.notFoundMessage(`the server could not find the requested resource (${req.method} ${req.url.split('?')[0]})`).status;
    void reply.code(404).type('application/json').send(s);
  });

  let runner: ComponentRunner | undefined;
  registerHealthRoutes(app, {
    readiness: async () => (runner ? (await runner.checks()).filter((c) => c.name !== 'http-server') : []),
    stopping: () => runner?.stopping ?? false,
    metrics: opts.metricsSource ?? registrySource(metrics.registry),
    version: opts.version ?? '0.1.0',
  });
  registerOpenApiRoutes(app, crds);
  registerResourceRoutes(app, ctx);
  // exec/attach/portforward never reach fastify: node hands Upgrade requests to this listener.
  const openStreams = new Set<Duplex>();
  app.server.on('upgrade', streamUpgradeHandler(ctx, { authn, closing: () => closing }, openStreams));

  const nsCache = new NamespaceCache(opts.storage, collectionPrefix(findResource('', 'v1', 'namespaces')!), logger);
  store.namespaceLookup = (name) => nsCache.get(name);
  store.namespaceWritten = (obj, removed) => nsCache.noteWrite(obj, removed);
  const listen = opts.listen ?? { host: '127.0.0.1', port: 0 };
  const services = serviceComponents(opts, store, logger, clock, () => listeningPort(app, listen));
  const components = [
    // First, so stopped last: the lines of the last requests are written before exit.
    ...(opts.audit ? [auditComponent(opts.audit.writer)] : []),
    storageComponent(opts.storage),
    namespaceCacheComponent(nsCache),
    nodeGraphComponent(nodeGraph),
    ...(bootstrapTokens ? [bootstrapTokenComponent(bootstrapTokens)] : []),
    ...(tokenRefs ? [{ name: 'token-object-cache', start: async () => tokenRefs.start(), stop: async () => tokenRefs.stop() }] : []),
    ...(opts.bootstrapNamespaces ?? true ? [bootstrapComponent(store, logger, clock)] : []),
    rbacPolicyComponent(policy, { waitForSync: opts.auth !== null }),
    crdRegistryComponent(crds),
    webhooks.component,
    namespaceCleanupComponent(new NamespaceCleanup(store, logger, clock, opts.namespaceCleanupIntervalMs ?? 2000, () => crds.oneResourcePerCrd())),
    crdCleanupComponent(crdCleanup),
    ...services.beforeServing,
    httpServerComponent(app, listen, () => {
      // New requests get a 503 Status (a load balancer moves on), watches end (clients resume elsewhere).
      closing = true;
      memoryRelease?.stop();
      ctx.watches.closeAll();
      for (const s of openStreams) s.destroy();
    }),
    ...(opts.bootstrapPolicy ?? true ? [rbacBootstrapComponent(store, opts.storage, logger, clock)] : []),
    ...services.afterServing,
    ...(scraper ? [scraper] : []),
  ];
  runner = new ComponentRunner(components, { logger, clock });
  const url = () => {
    const port = listeningPort(app, listen);
    const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    return `${opts.https ? 'https' : 'http'}://${host}:${port}`;
  };
  return { app, runner, url, resourceMetrics: ctx.resourceMetrics, metricsScraper: scraper };
}

function listeningPort(app: FastifyInstance, listen: { port: number }): number {
  const addr = app.server.address();
  return typeof addr === 'object' && addr ? addr.port : listen.port;
}

// Kubernetes' apiserver_request_total uses the RBAC verbs in lowercase (get, list, watch,
// create, update, patch, delete, deletecollection); non-resource paths get the lowercased
// HTTP method, so dashboards written for Kubernetes match.
function k8sVerb(v: string): string {
  return v.toLowerCase();
}
