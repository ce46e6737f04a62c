// A real apiserver for integration tests: its own etcd (unless one is given), storage
// under a fresh prefix, an admin token and node tokens, listening on 127.0.0.1 on a free
// port. `stop()` closes the server, the storage and (if it started it) the etcd.

import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import type { TokenEntry } from '../../foundation/token-file.js';
import { createMetrics } from '../../apiserver/metrics.js';
import { buildApiserver, type Apiserver, type BuildServerOptions } from '../../apiserver/server.js';
import { createEtcdStorage, type EtcdStorageOptions } from '../../apiserver/storage/index.js';
import type { Storage } from '../../apiserver/storage/types.js';
import { startEtcd, type TestEtcd } from './etcd.js';

export interface TestApiServer {
  /** http://127.0.0.1:PORT (or https:// with tls: true). */
  url: string;
  /** Admin token (group system:masters): full access. */
  token: string;
  /** Token of user system:node:node-1 (group system:nodes): the restricted node identity. */
  nodeToken?: string;
  /** Node tokens by node name (nodeNames option; default ['node-1']). */
  nodeTokens: Record<string, string>;
  /** Tokens of the `users` option, by user name. */
  userTokens: Record<string, string>;
  etcd: TestEtcd;
  storage: Storage;
  server: FastifyInstance;
  /** The whole built apiserver (its metrics.k8s.io store and scraper, for tests that feed or drive them). */
  api: Apiserver;
  /** With tls: true, the CA (PEM) that signed the serving certificate: what clients trust. */
  ca?: string;
  /** With tls: true, the CA's private key (tests sign client certificates with it). */
  caKey?: string;
  stop(): Promise<void>;
}

export interface TestApiServerOptions {
  etcd?: TestEtcd;
  tls?: boolean;
  /** With tls: true, accept client certificates signed by the test CA (--client-ca-file). */
  clientCA?: boolean;
  /** Nodes that get a token (user system:node:NAME, group system:nodes). */
  nodeNames?: string[];
  /** More identities with a token each (e.g. RBAC tests: users without system:masters). */
  users?: Array<{ name: string; groups?: string[] }>;
  /** etcd key prefix; default a fresh random one. Give two servers the same one to make them one cluster. */
  prefix?: string;
  /** Passed through to the etcd storage (e.g. watch: { maxQueue }). */
  storage?: Partial<Omit<EtcdStorageOptions, 'endpoints' | 'prefix'>>;
  /** Wraps the etcd storage the server uses (fault injection); stop() still closes the real one. */
  wrapStorage?: (storage: Storage) => Storage;
  /** Passed through to buildApiserver (e.g. watchBookmarkIntervalMs, clock). */
  server?: Partial<Omit<BuildServerOptions, 'storage' | 'auth'>>;
}

export async function startTestApiServer(opts: TestApiServerOptions = {}): Promise<TestApiServer> {
  const ownEtcd = !opts.etcd;
  const etcd = opts.etcd ?? (await startEtcd());
  const metrics = createMetrics({ processMetrics: false });
  // A fresh prefix per server, so servers sharing one etcd never see each other's objects.
  const prefix = opts.prefix ?? `/t-${crypto.randomBytes(4).toString('hex')}`;
  const storage = await createEtcdStorage({ observe: metrics.observeEtcd, ...opts.storage, endpoints: [etcd.endpoint], prefix });
  const token = crypto.randomBytes(16).toString('hex');
  const entries: TokenEntry[] = [{ token, user: 'admin', uid: 'admin', groups: ['system:masters'] }];
  const nodeTokens: Record<string, string> = {};
  for (const n of opts.nodeNames ?? ['node-1']) {
    nodeTokens[n] = crypto.randomBytes(16).toString('hex');
    entries.push({ token: nodeTokens[n]!, user: `system:node:${n}`, uid: '', groups: ['system:nodes'] });
  }

  const userTokens: Record<string, string> = {};
  for (const u of opts.users ?? []) {
    userTokens[u.name] = crypto.randomBytes(16).toString('hex');
    entries.push({ token: userTokens[u.name]!, user: u.name, uid: '', groups: u.groups ?? [] });
  }

  let https: BuildServerOptions['https'];
  let ca: string | undefined;
  let caKey: string | undefined;
  if (opts.tls) {
    const cert = await testCert();
    https = { key: cert.key, cert: cert.cert, ...(opts.clientCA ? { clientCA: cert.ca } : {}) };
    ca = cert.ca;
    caKey = cert.caKey;
  }
  const api = buildApiserver({
    logger: silentLogger(),
    ...opts.server,
    storage: opts.wrapStorage ? opts.wrapStorage(storage) : storage,
    auth: tokenAuthenticator(entries),
    metrics,
    https,
    namespaceCleanupIntervalMs: opts.server?.namespaceCleanupIntervalMs ?? 500,
    listen: { host: '127.0.0.1', port: 0 },
  });
  try {
    await api.runner.start();
  } catch (err) {
    await storage.close();
    if (ownEtcd) await etcd.stop();
    throw err;
  }
  const server = api.app;
  const url = api.url();
  let stopped = false;
  return {
    url,
    token,
    nodeToken: nodeTokens[(opts.nodeNames ?? ['node-1'])[0]!],
    nodeTokens,
    userTokens,
    etcd,
    storage,
    server,
    api,
    ca,
    caKey,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await api.runner.stop();
      await storage.close();
      if (ownEtcd) await etcd.stop();
    },
  };
}

/** A throw-away CA and a serving certificate for 127.0.0.1/localhost (foundation/pki.ts). */
async function testCert(): Promise<{ key: string; cert: string; ca: string; caKey: string }> {
  const { generateCA, generateServerCert } = await import('../../foundation/pki.js');
  const ca = generateCA({ commonName: 'orch-test-ca', validDays: 1 });
  const srv = generateServerCert(ca, { commonName: 'orch-test-apiserver', validDays: 1 });
  return { key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, caKey: ca.keyPem };
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * One HTTP request to a test apiserver with the admin token (or `token`), JSON in and
 * out. Non-JSON answers come back as text in `body`. For tests only: no retries.
 */
export async function apiRequest<T = any>(
  s: Pick<TestApiServer, 'url' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; contentType?: string; rawBody?: string | Buffer } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? s.token : opts.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (opts.rawBody !== undefined) payload = opts.rawBody;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${s.url}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}
