// The orch client configuration, $ORCH_HOME/config.json: named contexts (server, CA,
// token, default namespace) and the current one, so `orch` needs no flags after
// `orch up`, and one user can switch between several clusters.

import fs from 'node:fs';
import path from 'node:path';
import type { ClientConfig } from '../client/types.js';
import { homePaths } from './up/home.js';

export interface ContextEntry {
  server: string;
  /** PEM of the CA that signed the server's certificate. */
  caPem?: string;
  token?: string;
  namespace?: string;
  insecureSkipTLSVerify?: boolean;
}

export interface ConfigFile {
  currentContext?: string;
  contexts: Record<string, ContextEntry>;
}

export function configPath(): string {
  return process.env.ORCH_CONFIG || homePaths().config;
}

export function readConfigFile(file = configPath()): ConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { contexts: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<ConfigFile>;
    return { currentContext: parsed.currentContext, contexts: parsed.contexts ?? {} };
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
}

export function writeConfigFile(cfg: ConfigFile, file = configPath()): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** Add or replace a context and make it current. */
export function saveContext(ctx: ContextEntry & { name: string }, file = configPath()): void {
  const cfg = readConfigFile(file);
  const { name, ...entry } = ctx;
  cfg.contexts[name] = entry;
  cfg.currentContext = name;
  writeConfigFile(cfg, file);
}

export interface ConnectionFlags {
  server?: string;
  token?: string;
  tokenFile?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  context?: string;
  namespace?: string;
}

/**
 * Flags win over the context; the context comes from --context, else the current one.
 * Errors say what to run when there is nothing to connect to.
 */
export function resolveConnection(flags: ConnectionFlags, file = configPath()): { config: ClientConfig; namespace: string; contextName?: string } {
  const cfg = readConfigFile(file);
  const name = flags.context ?? cfg.currentContext;
  const ctx = name ? cfg.contexts[name] : undefined;
  if (flags.context && !ctx) {
    throw new Error(`context "${flags.context}" not found in ${file}; known contexts: ${Object.keys(cfg.contexts).join(', ') || 'none'}`);
  }
  const server = flags.server ?? ctx?.server;
  if (!server) {
    throw new Error(`no cluster configured: start one with \`orch up\`, or pass --server URL --token-file FILE (config file: ${file})`);
  }
  const token = flags.tokenFile ? fs.readFileSync(flags.tokenFile, 'utf8').trim() : flags.token ?? (flags.server ? undefined : ctx?.token);
  const ca = flags.caFile ? fs.readFileSync(flags.caFile, 'utf8') : flags.server ? undefined : ctx?.caPem;
  return {
    config: { server, token, ca, insecureSkipTLSVerify: flags.insecureSkipTlsVerify ?? (flags.server ? false : ctx?.insecureSkipTLSVerify) },
    namespace: flags.namespace ?? ctx?.namespace ?? 'default',
    contextName: flags.server ? undefined : name,
  };
}
