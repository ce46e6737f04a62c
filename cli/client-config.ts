// The CLI's view of the client configuration: a kubeconfig when --kubeconfig or
// $KUBECONFIG names one (cli/kubeconfig-file.ts), else orch's own $ORCH_HOME/config.json
// (or $ORCH_CONFIG), whose format and flag/env precedence live in client/kubeconfig.ts,
// shared with the components; this adds the CLI's default namespace per context.

import fs from 'node:fs';
import type { ClientConfig } from '../client/types.js';
import { defaultConfigPath, loadClientConfig, readConfigFile, readTokenFile, setContext, writeConfigFile, type ContextConfig } from '../client/kubeconfig.js';
import { kubeconfigPaths, loadKubeconfig, resolveKubeconfig } from './kubeconfig-file.js';

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
  /** A kubeconfig file (else $KUBECONFIG, else orch's own config file). */
  kubeconfig?: string;
  cluster?: string;
  user?: string;
}

/** --kubeconfig / $KUBECONFIG, when given and found: the kubeconfig's connection, with the flags on top. */
function fromKubeconfig(flags: ConnectionFlags): { config: ClientConfig; namespace: string; contextName?: string } | undefined {
  const where = kubeconfigPaths(flags.kubeconfig);
  if (!where) return undefined;
  const merged = loadKubeconfig(where.paths, where.explicit);
  // $KUBECONFIG naming only files that do not exist: orch's own config still works.
  if (!merged.files.length) return undefined;
  const { config, namespace, contextName } = resolveKubeconfig(merged, flags);
  if (flags.server) config.server = flags.server;
  if (flags.token) config.token = flags.token;
  else if (flags.tokenFile) config.token = readTokenFile(flags.tokenFile);
  if (flags.caFile) {
    try {
      config.ca = fs.readFileSync(flags.caFile, 'utf8');
    } catch (err) {
      throw new Error(`cannot read CA file ${flags.caFile}: ${(err as Error).message}`);
    }
  }
  if (flags.insecureSkipTlsVerify) config.insecureSkipTLSVerify = true;
  return { config, namespace: flags.namespace ?? namespace ?? 'default', contextName };
}

/** Flags win over the environment, which wins over the context (--context, else the current one). */
export function resolveConnection(flags: ConnectionFlags, file = configPath()): { config: ClientConfig; namespace: string; contextName?: string } {
  const kube = fromKubeconfig(flags);
  if (kube) return kube;
  if (flags.cluster || flags.user) throw new Error('--cluster and --user pick entries of a kubeconfig: pass --kubeconfig FILE or set KUBECONFIG');
  const config = loadClientConfig(
    { server: flags.server, token: flags.token, tokenFile: flags.tokenFile, caFile: flags.caFile, insecure: flags.insecureSkipTlsVerify, context: flags.context, configPath: file },
    process.env,
  );
  const cfg = readConfigFile(file);
  const contextName = flags.server || process.env.ORCH_SERVER ? undefined : flags.context ?? cfg?.currentContext;
  const ctx = contextName ? cfg?.contexts[contextName] : undefined;
  return { config, namespace: flags.namespace ?? ctx?.namespace ?? 'default', contextName };
}
