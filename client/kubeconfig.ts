// Where a process finds its API server and credentials: explicit flags (--server,
// --token / --token-file, --ca-file, --insecure-skip-tls-verify) win, then environment
// (ORCH_SERVER, ORCH_TOKEN), then the current context of the CLI's config file
// ($ORCH_HOME/config.json, ORCH_HOME defaulting to ~/.orch):
//   { "currentContext": "local",
//     "contexts": { "local": { "server": "https://127.0.0.1:6443", "token": "...", "ca": "<PEM or path>" } } }
// The file holds a token, so it is written with mode 0600.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClientConfig } from './types.js';

export interface ContextConfig {
  server: string;
  token?: string;
  /** PEM text, or a path to a PEM file (relative paths are relative to the config file). */
  ca?: string;
  insecureSkipTLSVerify?: boolean;
  /** Default namespace of the CLI for this context. */
  namespace?: string;
}

export interface OrchConfigFile {
  currentContext?: string;
  contexts: Record<string, ContextConfig>;
}

export interface ClientFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  insecure?: boolean;
  /** Config file to read (default: defaultConfigPath()). */
  configPath?: string;
  /** Context to use instead of currentContext. */
  context?: string;
  timeoutMs?: number;
  userAgent?: string;
}

export function orchHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORCH_HOME || path.join(os.homedir(), '.orch');
}

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORCH_CONFIG || path.join(orchHome(env), 'config.json');
}

/** The parsed config file, or undefined when it does not exist. Throws on malformed content. */
export function readConfigFile(file = defaultConfigPath()): OrchConfigFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const cfg = parsed as Partial<OrchConfigFile>;
  if (typeof cfg !== 'object' || cfg === null || (cfg.contexts !== undefined && (typeof cfg.contexts !== 'object' || cfg.contexts === null))) {
    throw new Error(`${file}: expected {"currentContext": "...", "contexts": {...}}`);
  }
  return { currentContext: cfg.currentContext, contexts: cfg.contexts ?? {} };
}

/** Writes atomically (temp file + rename) with mode 0600; creates the directory (0700). */
export function writeConfigFile(cfg: OrchConfigFile, file = defaultConfigPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Adds or replaces a context (and makes it current unless told otherwise); returns the new config. */
export function setContext(cfg: OrchConfigFile | undefined, name: string, ctx: ContextConfig, makeCurrent = true): OrchConfigFile {
  const next: OrchConfigFile = { currentContext: cfg?.currentContext, contexts: { ...(cfg?.contexts ?? {}), [name]: ctx } };
  if (makeCurrent || !next.currentContext) next.currentContext = name;
  return next;
}

/** First meaningful line of a token file; the apiserver's "token,user,groups" format is accepted too. */
export function readTokenFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read token file ${file}: ${(err as Error).message}`);
  }
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
  if (!line) throw new Error(`token file ${file} is empty`);
  return line.split(',')[0]!.trim();
}

function readCa(ca: string, baseDir: string): string {
  if (ca.includes('-----BEGIN')) return ca;
  const file = path.resolve(baseDir, ca);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read CA file ${file}: ${(err as Error).message}`);
  }
}

/** Resolve flags + environment + config file into a ClientConfig; throws a helpful Error when no server is known. */
export function loadClientConfig(flags: ClientFlags = {}, env: NodeJS.ProcessEnv = process.env): ClientConfig {
  const file = flags.configPath ?? defaultConfigPath(env);
  let ctx: ContextConfig | undefined;
  if (!flags.server || flags.context) {
    const cfg = readConfigFile(file);
    const name = flags.context ?? cfg?.currentContext;
    if (flags.context && !cfg?.contexts[flags.context]) throw new Error(`context "${flags.context}" not found in ${file}`);
    ctx = name ? cfg?.contexts[name] : undefined;
  }
  const server = flags.server ?? env.ORCH_SERVER ?? ctx?.server;
  if (!server) {
    throw new Error(`no API server configured: start a local cluster with \`orch up\`, or pass --server https://HOST:PORT (or set ORCH_SERVER), or add a context with \`orch config set-context\` (config file: ${file})`);
  }
  const fromCtx = !flags.server && !env.ORCH_SERVER ? ctx : undefined;
  const token = flags.token ?? (flags.tokenFile ? readTokenFile(flags.tokenFile) : undefined) ?? env.ORCH_TOKEN ?? fromCtx?.token;
  const ca = flags.caFile ? readCa(flags.caFile, process.cwd()) : fromCtx?.ca ? readCa(fromCtx.ca, path.dirname(file)) : undefined;
  const config: ClientConfig = { server };
  if (token) config.token = token;
  if (ca) config.ca = ca;
  if (flags.insecure ?? fromCtx?.insecureSkipTLSVerify) config.insecureSkipTLSVerify = true;
  if (flags.timeoutMs) config.timeoutMs = flags.timeoutMs;
  if (flags.userAgent) config.userAgent = flags.userAgent;
  return config;
}
