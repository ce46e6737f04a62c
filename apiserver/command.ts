// `orch apiserver`: flags → storage + the apiserver's components (server.ts) → run them;
// SIGTERM/SIGINT stop them in reverse (stop accepting, end the watches, ..., close etcd)
// and exit 0. HTTPS with a token file is the default; plain HTTP without authentication
// exists only behind --insecure-http, with a loud warning.

import fs from 'node:fs';
import { podSecurityFromFlags, type PodSecurityFlags } from './admission/pod-security/flags.js';
import { Command, Option } from 'commander';
import { findResource } from '../api/resources.js';
import { runProcess, type ComponentRunner } from '../foundation/component-runner.js';
import { parseDuration } from '../foundation/duration.js';
import { limitHeapGrowth } from '../foundation/heap-growth.js';
import { createLogger } from '../foundation/logger.js';
import { clusterMetricsSource, isClusterWorker } from '../foundation/cluster-metrics.js';
import { processRegistry, registrySource } from '../foundation/metrics.js';
import type { AgentClientOptions } from './context.js';
import { reloadingTokenFile, type Authenticator } from '../foundation/token-auth.js';
import { createMetrics } from './metrics.js';
import { installProcessGuard } from './process-guard.js';
import { collectionPrefix } from './registry/keys.js';
import { buildApiserver } from './server.js';
import { auditFromFlags } from './audit/flags.js';
import { checkEtcdReachable, etcdTlsFromFlags } from './storage/etcd-tls-flags.js';
import { loadEncryptionConfig } from './storage/encryption/config.js';
import { createEtcdStorage, ETCD_DEFAULT_MAX_REQUEST_BYTES, isEtcdClientLibraryError } from './storage/index.js';
import { isWorkerProcess, runPrimary, workerSlot } from './workers.js';
import { advertiseAddressFor } from './services/advertise-address.js';
import { addServiceAccountFlags, serviceAccountConfigFromFlags, type ServiceAccountFlags } from './authentication/service-account-flags.js';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, DEFAULT_SERVICE_NODE_PORT_RANGE, parseServiceRanges } from './services/service-ranges.js';
import { parseAuthorizationMode } from './authorization/modes.js';

export interface ApiserverFlags extends PodSecurityFlags, ServiceAccountFlags {
  etcdServers: string;
  bindAddress: string;
  port: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** --authorization-mode, e.g. Node,RBAC. */
  authorizationMode?: string;
  tokenAuthFile?: string;
  clientCaFile?: string;
  enableBootstrapTokenAuth?: boolean;
  insecureHttp?: boolean;
  logLevel: string;
  watchMaxSeconds: string;
  etcdPrefix: string;
  agentCaFile?: string;
  agentClientCertFile?: string;
  agentClientKeyFile?: string;
  agentTokenFile?: string;
  agentInsecureHttp?: boolean;
  workers?: string;
  etcdMaxRequestBytes?: string;
  eventTtl?: string;
  maxRequestsInflight?: string;
  maxOpenWatches?: string;
  maxOpenWatchesPerUser?: string;
  requestBodyTimeout?: string;
  metricResolution?: string;
  maxWatchBufferMb?: string;
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  advertiseAddress?: string;
  encryptionProviderConfig?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  auditPolicyFile?: string;
  auditLogPath?: string;
  auditLogMaxsize?: string;
  auditLogMaxbackup?: string;
  auditLogMaxage?: string;
}

/** A positive number from a flag (whole unless `fraction`), or a clear error naming the flag. */
function positive(flag: string, value: string | undefined, fallback: number, fraction = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0) || (!fraction && !Number.isInteger(n))) throw new Error(`invalid ${flag} ${value}: a ${fraction ? '' : 'whole '}number above 0`);
  return n;
}

const HINT = 'run `orch init` to create a CA, a serving certificate and a token file, then pass --tls-cert-file, --tls-private-key-file and --token-auth-file (or --insecure-http for local development only)';

export function apiserverCommand(): Command {
  return addServiceAccountFlags(new Command('apiserver'))
    .description('run the API server (Kubernetes-shaped REST API over etcd)')
    .option('--etcd-servers <urls>', 'comma-separated etcd client URLs', 'http://127.0.0.1:2379')
    .option('--bind-address <addr>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on', '6443')
    .option('--tls-cert-file <file>', 'serving certificate (PEM)')
    .option('--tls-private-key-file <file>', 'serving private key (PEM)')
    .option('--token-auth-file <file>', 'bearer tokens, CSV lines: token,user,uid,"group1,group2"')
    .option('--client-ca-file <file>', 'CA (PEM) whose client certificates authenticate: CN is the user, O the groups (orch init: ca.crt)')
    .option('--no-enable-bootstrap-token-auth', 'do not accept bootstrap tokens (kube-system bootstrap-token-<id> Secrets) as bearer tokens')
    .option('--insecure-http', 'serve plain HTTP without authentication (development only!)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .option('--watch-max-seconds <n>', 'upper bound of a watch stream (jittered up to 2x)', '1800')
    .option('--etcd-prefix <prefix>', 'key prefix in etcd', '/registry')
    .option('--event-ttl <duration>', 'how long an Event is kept after its last write (an etcd lease deletes it), as Kubernetes\' --event-ttl', '1h')
    .option('--etcd-max-request-bytes <bytes>', "largest write sent to etcd; set it to etcd's --max-request-bytes (larger objects get 413)", String(ETCD_DEFAULT_MAX_REQUEST_BYTES))
    .option('--agent-ca-file <file>', "CA that issued the node agents' serving certificates (pod logs; each must name its node)")
    .option('--agent-client-cert-file <file>', "the apiserver's client certificate for the agents' log endpoints (orch init: apiserver-kubelet-client.crt)")
    .option('--agent-client-key-file <file>', 'its private key')
    .option('--agent-token-file <file>', 'a dedicated bearer token for the agents (older setups; refused if --token-auth-file accepts it)')
    .option('--agent-insecure-http', 'reach agents over plain HTTP (development only)')
    .option('--max-requests-inflight <n>', 'seats: requests served at once by the priority levels (system:masters, watches and log streams excluded), shared out by their shares; beyond a flow\'s share requests queue, then get 429', '400')
    .option('--max-open-watches <n>', 'watches and log streams open at once; more get 429', '10000')
    .option('--max-open-watches-per-user <n>', 'watches and log streams one user may have open at once; more get 429', '1000')
    .option('--metric-resolution <duration>', "how often every node agent's CPU and memory figures are scraped for metrics.k8s.io (kubectl top, orch top, autoscaling), as metrics-server's --metric-resolution; 0: the metrics API answers 503", '5s')
    .option('--request-body-timeout <duration>', 'time a request body may take to arrive once its request holds a seat; then 408 (a bare number is seconds)', '10s')
    .option('--max-watch-buffer-mb <n>', 'MiB all watch streams may hold unsent together; beyond it the biggest stalled watchers are expired (410)', '128')
    .option('--service-cluster-ip-range <cidrs>', 'ClusterIPs of Services: an IPv4 or IPv6 CIDR, or "v4cidr,v6cidr" for dual stack; the first address goes to the `kubernetes` Service', DEFAULT_SERVICE_CLUSTER_IP_RANGE)
    .option('--service-node-port-range <range>', 'node ports of NodePort and LoadBalancer Services, first-last', DEFAULT_SERVICE_NODE_PORT_RANGE)
    .option('--advertise-address <ip>', 'the address the `kubernetes` Service\'s endpoints give for this apiserver (default: --bind-address, or the first non-loopback IPv4 address when it binds to all)')
    .option('--authorization-mode <modes>', 'authorizers asked in order, comma-separated: Node (the node rules), RBAC (roles and bindings), AlwaysAllow (every authenticated user may do anything: development only)', 'Node,RBAC')
    .option('--encryption-provider-config <file>', 'EncryptionConfiguration (apiserver.config.k8s.io/v1): which resources are encrypted in etcd, with which keys (the first provider writes, all read); orch init writes one')
    .option('--etcd-cafile <file>', 'CA that signed the etcd servers\' certificates (TLS to etcd)')
    .option('--etcd-certfile <file>', 'client certificate presented to etcd (etcd --client-cert-auth)')
    .option('--etcd-keyfile <file>', 'private key of --etcd-certfile')
    .option('--audit-policy-file <file>', 'audit Policy (audit.k8s.io/v1): what is logged at which level; without it nothing is audited')
    .option('--audit-log-path <file>', 'where audit events go, one JSON line each (- for stdout); with --workers, one file per worker (audit-w1.log, ...)')
    .option('--audit-log-maxsize <mb>', 'rotate the audit log when it reaches this many megabytes (0: never)', '100')
    .option('--audit-log-maxbackup <n>', 'rotated audit logs kept (0: all)', '10')
    .option('--audit-log-maxage <days>', 'delete rotated audit logs older than this many days (0: never)', '0')
    .option('--pod-security-default <level>', 'Pod Security level enforced in namespaces without a pod-security.kubernetes.io/enforce label: privileged, baseline or restricted', 'baseline')
    .option('--pod-security-exempt-namespaces <list>', 'comma-separated namespaces Pod Security admission does not check', 'kube-system')
    .option('--pod-security-exempt-users <list>', 'comma-separated user names Pod Security admission does not check', '')
    .option('--pod-security-allowed-host-paths <list>', 'comma-separated hostPath prefixes the baseline level allows (never the Docker socket)', '')
    .option('--workers <n>', 'serving processes sharing the port (e.g. one per core); each is a full apiserver with its own watches; /metrics sums them all', '1')
    .action(async (flags: ApiserverFlags) => {
      // Old generation at most 2x the live heap: ~70 MB less under load for ~5 % of
      // throughput (foundation/heap-growth.ts has the figures).
      limitHeapGrowth(100);
      const workers = Number(flags.workers ?? '1');
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`invalid --workers ${flags.workers}: a whole number from 1 to 64`);
      if (workers > 1 && !isWorkerProcess()) {
        runPrimary(workers, createLogger('apiserver', flags.logLevel));
        return;
      }
      await runApiserver(flags);
    });
}

export interface RunningApiserver {
  /** The address it listens on, e.g. https://127.0.0.1:6443. */
  url: string;
  /** Stop accepting, end watches, close etcd (the components in reverse). */
  stop(): Promise<void>;
  runner: ComponentRunner;
  /** Re-creates every etcd watch (after an error escaped the etcd client library). */
  resetWatchStream(reason: Error): void;
}

/** Validate flags, connect, listen. Throws with a clear message on bad flags. */
export async function startApiserver(flags: ApiserverFlags): Promise<RunningApiserver> {
  const logger = createLogger('apiserver', flags.logLevel);
  const tls = flags.tlsCertFile && flags.tlsPrivateKeyFile;
  if ((flags.tlsCertFile && !flags.tlsPrivateKeyFile) || (!flags.tlsCertFile && flags.tlsPrivateKeyFile))
    throw new Error('--tls-cert-file and --tls-private-key-file go together');
  if (!flags.insecureHttp) {
    if (!tls) throw new Error(`no TLS certificate given: ${HINT}`);
    if (!flags.tokenAuthFile) throw new Error(`no token file given: ${HINT}`);
  }
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${flags.port}`);
  const watchMaxSeconds = Number(flags.watchMaxSeconds);
  if (!(watchMaxSeconds > 0)) throw new Error(`invalid --watch-max-seconds ${flags.watchMaxSeconds}`);
  const maxRequestBytes = Number(flags.etcdMaxRequestBytes ?? ETCD_DEFAULT_MAX_REQUEST_BYTES);
  if (!Number.isInteger(maxRequestBytes) || maxRequestBytes < 4096) throw new Error(`invalid --etcd-max-request-bytes ${flags.etcdMaxRequestBytes}: a whole number of bytes, at least 4096`);
  const eventTtlMs = parseDuration(flags.eventTtl ?? '1h', '--event-ttl');
  if (!(eventTtlMs >= 1000)) throw new Error(`invalid --event-ttl ${flags.eventTtl}: at least 1s (e.g. 1h, 30m)`);
  const maxRequestsInFlight = positive('--max-requests-inflight', flags.maxRequestsInflight, 400);
  const maxOpenWatches = positive('--max-open-watches', flags.maxOpenWatches, 10_000);
  const maxOpenWatchesPerUser = positive('--max-open-watches-per-user', flags.maxOpenWatchesPerUser, 1_000);
  const requestBodyTimeoutMs = parseDuration(flags.requestBodyTimeout ?? '10s', '--request-body-timeout');
  const metricResolutionMs = parseDuration(flags.metricResolution ?? '5s', '--metric-resolution');
  if (!(requestBodyTimeoutMs > 0)) throw new Error(`invalid --request-body-timeout ${flags.requestBodyTimeout}: a duration above 0 (e.g. 10s)`);
  const watchMemoryBudgetBytes = positive('--max-watch-buffer-mb', flags.maxWatchBufferMb, 128, true) * 1024 * 1024;
  const serviceRanges = parseServiceRanges(flags.serviceClusterIpRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE, flags.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE);
  const advertiseAddress = advertiseAddressFor(flags.advertiseAddress, flags.bindAddress);
  const serviceAccountTokens = serviceAccountConfigFromFlags(flags);
  const authorizationMode = parseAuthorizationMode(flags.authorizationMode ?? 'Node,RBAC');
  const podSecurity = podSecurityFromFlags(flags);
  const endpoints = flags.etcdServers.split(',').map((s) => s.trim()).filter(Boolean);
  if (endpoints.length === 0) throw new Error('--etcd-servers is empty');
  const etcdTls = etcdTlsFromFlags(flags, endpoints);
  const encryption = flags.encryptionProviderConfig ? loadEncryptionConfig(flags.encryptionProviderConfig) : undefined;
  const audit = auditFromFlags(flags, logger, workerSlot());

  // Followed while running (checked at most once per second), so `orch init node-token`
  // needs no restart.
  const auth = flags.tokenAuthFile ? reloadingTokenFile(flags.tokenAuthFile, { logger: logger.child({ component: 'auth' }) }) : null;
  if (authorizationMode.includes('AlwaysAllow')) logger.warn('*** --authorization-mode includes AlwaysAllow: every authenticated user may do anything. Development only. ***');
  if (flags.insecureHttp) {
    logger.warn(
      `*** --insecure-http: serving plain HTTP${auth ? '' : ' WITHOUT authentication'}. Anyone who can reach this port controls the cluster. Development only. ***`,
    );
  }
  const agentClient = agentClientFromFlags(flags, auth);
  const registry = processRegistry();
  const metrics = createMetrics({ registry });
  const storage = await createEtcdStorage({
    endpoints,
    prefix: flags.etcdPrefix,
    logger: logger.child({ component: 'storage' }),
    observe: metrics.observeEtcd,
    maxRequestBytes,
    ttl: [{ prefix: collectionPrefix(findResource('', 'v1', 'events')!), ttlSeconds: Math.ceil(eventTtlMs / 1000) }],
    tls: etcdTls,
    encryption,
  });
  if (etcdTls) {
    try {
      await checkEtcdReachable(storage, endpoints);
    } catch (err) {
      await storage.close();
      throw err;
    }
  }
  const api = buildApiserver({
    listen: { host: flags.bindAddress, port },
    // With --workers, a scrape of any worker answers for all of them.
    metricsSource: isClusterWorker() ? clusterMetricsSource(registry) : registrySource(registry),
    storage,
    auth,
    logger,
    metrics,
    https:
      !flags.insecureHttp && tls
        ? {
            cert: fs.readFileSync(flags.tlsCertFile!),
            key: fs.readFileSync(flags.tlsPrivateKeyFile!),
            ...(flags.clientCaFile ? { clientCA: fs.readFileSync(flags.clientCaFile) } : {}),
          }
        : undefined,
    bootstrapTokenAuth: flags.enableBootstrapTokenAuth ?? true,
    watchMaxSeconds,
    agentClient,
    maxRequestsInFlight,
    maxOpenWatches,
    maxOpenWatchesPerUser,
    requestBodyTimeoutMs,
    metricResolutionMs,
    watchMemoryBudgetBytes,
    serviceRanges,
    kubernetesService: { advertiseAddress },
    serviceAccountTokens,
    authorizationMode,
    audit,
    podSecurity,
  });
  // A component that cannot start (the port is taken) stops those started: etcd is closed.
  await api.runner.start();
  const url = api.url();
  logger.info({ address: url, etcd: endpoints }, 'apiserver listening');
  return {
    url,
    runner: api.runner,
    resetWatchStream: (reason) => storage.resetWatchStream(reason),
    stop: () => api.runner.stop(),
  };
}

/**
 * How the apiserver authenticates to agents. A token the API itself accepts is refused:
 * every agent (and whatever a node points the apiserver at) would receive it.
 */
function agentClientFromFlags(flags: ApiserverFlags, auth: Authenticator | null): AgentClientOptions {
  if (!flags.agentClientCertFile !== !flags.agentClientKeyFile) throw new Error('--agent-client-cert-file and --agent-client-key-file go together');
  const token = flags.agentTokenFile ? fs.readFileSync(flags.agentTokenFile, 'utf8').trim() : undefined;
  const user = token ? auth?.authenticate(token) : undefined;
  if (user) {
    throw new Error(
      `--agent-token-file holds a token that --token-auth-file accepts (user "${user.name}"): every node would receive an API credential. Use --agent-client-cert-file/--agent-client-key-file (orch init writes apiserver-kubelet-client.crt/.key), or a token only the agents accept`,
    );
  }
  return {
    ca: flags.agentCaFile ? fs.readFileSync(flags.agentCaFile) : undefined,
    clientCert: flags.agentClientCertFile ? fs.readFileSync(flags.agentClientCertFile) : undefined,
    clientKey: flags.agentClientKeyFile ? fs.readFileSync(flags.agentClientKeyFile) : undefined,
    token,
    insecureHttp: flags.agentInsecureHttp ?? false,
  };
}

/** The process entry: start, then stop cleanly on SIGTERM/SIGINT and exit 0. */
export async function runApiserver(flags: ApiserverFlags): Promise<void> {
  const logger = createLogger('apiserver', flags.logLevel);
  // Last resort: an error from the etcd client library is logged and contained, anything
  // else unexpected ends the process (process-guard.ts says why).
  let running: RunningApiserver | undefined;
  installProcessGuard({ logger, isContainable: isEtcdClientLibraryError, recover: (err) => running?.resetWatchStream(err) });
  running = await startApiserver(flags);
  const { runner } = running;
  // startApiserver started the components; runProcess waits for a signal and stops them.
  await runProcess(runner, logger);
}
