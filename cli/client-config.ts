// The CLI's view of the client configuration ($ORCH_HOME/config.json, or $ORCH_CONFIG):
// the file format and flag/env precedence live in client/kubeconfig.ts, shared with the
// components; this adds the CLI's default namespace per context.

import type { ClientConfig } from '../client/types.js';
import { defaultConfigPath, loadClientConfig, readConfigFile, setContext, writeConfigFile, type ContextConfig } from '../client/kubeconfig.js';

export { readConfigFile, writeConfigFile };

export function configPath(): string {
  return defaultConfigPath();
}

/** Add or replace a context and make it current. */
export function saveContext(ctx: ContextConfig & { name: string }, file = configPath()): void {
  const { name, ...entry } = ctx;
  writeConfigFile(setContext(readConfigFile(file), name, entry), file);
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

/** Flags win over the environment, which wins over the context (--context, else the current one). */
export function resolveConnection(flags: ConnectionFlags, file = configPath()): { config: ClientConfig; namespace: string; contextName?: string } {
  const config = loadClientConfig(
    { server: flags.server, token: flags.token, tokenFile: flags.tokenFile, caFile: flags.caFile, insecure: flags.insecureSkipTlsVerify, context: flags.context, configPath: file },
    process.env,
  );
  const cfg = readConfigFile(file);
  const contextName = flags.server || process.env.ORCH_SERVER ? undefined : flags.context ?? cfg?.currentContext;
  const ctx = contextName ? cfg?.contexts[contextName] : undefined;
  return { config, namespace: flags.namespace ?? ctx?.namespace ?? 'default', contextName };
}
