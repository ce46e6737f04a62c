// Real kubeconfig files for the CLI (--kubeconfig FILE, or KUBECONFIG=a:b:c), read the way
// kubectl reads them: several files merge, the first to define a cluster, user or context
// by name wins, and the first current-context set wins; relative paths are relative to the
// file that names them. Clusters: server, certificate-authority(-data),
// insecure-skip-tls-verify, tls-server-name. Users: token, tokenFile,
// client-certificate(-data), client-key(-data). Contexts: cluster, user, namespace.
// --context, --cluster and --user pick other entries; orch's own config file is used when
// neither --kubeconfig nor KUBECONFIG is given (cli/client-config.ts).

import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { ClientConfig } from '../client/types.js';
import { readTokenFile } from '../client/kubeconfig.js';

interface Named<T> {
  name: string;
  /** The file it came from (relative paths in it are relative to this file's directory). */
  file: string;
  value: T;
}

interface Cluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface User {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface Context {
  cluster?: string;
  user?: string;
  namespace?: string;
}

export interface MergedKubeconfig {
  currentContext?: string;
  clusters: Map<string, Named<Cluster>>;
  users: Map<string, Named<User>>;
  contexts: Map<string, Named<Context>>;
  files: string[];
}

/** --kubeconfig (one file, must exist), else $KUBECONFIG (a PATH-like list), else none. */
export function kubeconfigPaths(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { paths: string[]; explicit: boolean } | undefined {
  if (flag) return { paths: [flag], explicit: true };
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  return list.length ? { paths: [...new Set(list)], explicit: false } : undefined;
}

function parseFile(file: string): Record<string, unknown> {
  const text = fs.readFileSync(file, 'utf8');
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new Error(`error loading config file "${file}": ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`error loading config file "${file}": not a kubeconfig (expected a mapping with clusters, users and contexts)`);
  return doc as Record<string, unknown>;
}

function entries<T>(doc: Record<string, unknown>, list: string, field: string, file: string): Named<T>[] {
  const raw = doc[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`error loading config file "${file}": ${list} must be a list`);
  return raw.map((e, i) => {
    const entry = e as { name?: unknown } & Record<string, unknown>;
    if (typeof entry?.name !== 'string' || !entry.name) throw new Error(`error loading config file "${file}": ${list}[${i}] has no name`);
    return { name: entry.name, file, value: (entry[field] ?? {}) as T };
  });
}

/** Reads and merges the files; a missing file in $KUBECONFIG is skipped, a missing --kubeconfig is an error. */
export function loadKubeconfig(files: string[], explicit: boolean): MergedKubeconfig {
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), files: [] };
  for (const f of files) {
    const file = path.resolve(f);
    if (!fs.existsSync(file)) {
      if (explicit) throw new Error(`stat ${f}: no such file or directory`);
      continue;
    }
    const doc = parseFile(file);
    merged.files.push(file);
    if (merged.currentContext === undefined && typeof doc['current-context'] === 'string' && doc['current-context']) merged.currentContext = doc['current-context'];
    for (const c of entries<Cluster>(doc, 'clusters', 'cluster', file)) if (!merged.clusters.has(c.name)) merged.clusters.set(c.name, c);
    for (const u of entries<User>(doc, 'users', 'user', file)) if (!merged.users.has(u.name)) merged.users.set(u.name, u);
    for (const c of entries<Context>(doc, 'contexts', 'context', file)) if (!merged.contexts.has(c.name)) merged.contexts.set(c.name, c);
  }
  return merged;
}

export interface KubeconfigSelection {
  context?: string;
  cluster?: string;
  user?: string;
}

const rel = (p: string, file: string) => path.resolve(path.dirname(file), p);

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`unable to read ${what} ${file}: ${(err as Error).message}`);
  }
}

const fromBase64 = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/** The connection a context (or --cluster/--user) describes, and its namespace. */
export function resolveKubeconfig(k: MergedKubeconfig, sel: KubeconfigSelection): { config: ClientConfig; namespace?: string; contextName?: string } {
  const contextName = sel.context ?? k.currentContext;
  const where = k.files.join(':') || '(no kubeconfig file found)';
  let ctx: Context = {};
  if (contextName) {
    const c = k.contexts.get(contextName);
    if (!c) {
      if (sel.context) throw new Error(`context was not found for specified context: ${sel.context}`);
      if (!sel.cluster) throw new Error(`current-context "${contextName}" is not in ${where}`);
    } else ctx = c.value;
  }
  const clusterName = sel.cluster ?? ctx.cluster;
  if (!clusterName) throw new Error(`no cluster chosen: set current-context in ${where}, or pass --context or --cluster`);
  const cluster = k.clusters.get(clusterName);
  if (!cluster) throw new Error(`cluster "${clusterName}" not found in ${where}`);
  const cl = cluster.value;
  if (!cl.server) throw new Error(`cluster "${clusterName}" has no server`);
  const config: ClientConfig = { server: cl.server };
  if (cl['certificate-authority-data']) config.ca = fromBase64(cl['certificate-authority-data']);
  else if (cl['certificate-authority']) config.ca = readPem(rel(cl['certificate-authority'], cluster.file), 'certificate-authority');
  if (cl['insecure-skip-tls-verify']) config.insecureSkipTLSVerify = true;
  if (cl['tls-server-name']) config.tlsServerName = cl['tls-server-name'];

  const userName = sel.user ?? ctx.user;
  if (userName) {
    const user = k.users.get(userName);
    if (!user) throw new Error(`user "${userName}" not found in ${where}`);
    const u = user.value;
    if (u.exec || u['auth-provider']) throw new Error(`user "${userName}": exec and auth-provider credentials are not supported by orch; use a token or a client certificate`);
    if (u.token) config.token = u.token;
    else if (u.tokenFile) config.token = readTokenFile(rel(u.tokenFile, user.file));
    if (u['client-certificate-data']) config.clientCert = fromBase64(u['client-certificate-data']);
    else if (u['client-certificate']) config.clientCert = readPem(rel(u['client-certificate'], user.file), 'client-certificate');
    if (u['client-key-data']) config.clientKey = fromBase64(u['client-key-data']);
    else if (u['client-key']) config.clientKey = readPem(rel(u['client-key'], user.file), 'client-key');
    if (Boolean(config.clientCert) !== Boolean(config.clientKey)) throw new Error(`user "${userName}": client-certificate and client-key must be given together`);
  }
  return { config, namespace: ctx.namespace || undefined, contextName: contextName && k.contexts.has(contextName) ? contextName : undefined };
}
