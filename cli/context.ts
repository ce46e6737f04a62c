// What every everyday command needs: a connected client, the namespace to use, and a way
// to print. Built from the global flags (see cli/main.ts) and the client config file.

import type { Command } from 'commander';
import { ApiClient } from '../client/rest-client.js';
import { resolveConnection, type ConnectionFlags } from './client-config.js';

export interface CliContext {
  /** The HTTP client itself: `orch get` also makes raw requests (server-side Tables). */
  client: ApiClient;
  /** -n, else the context's namespace, else default. */
  namespace: string;
  allNamespaces: boolean;
  out(text: string): void;
  err(text: string): void;
  /** Colour only on a TTY and never with NO_COLOR. */
  color: boolean;
  isTTY: boolean;
}

export function cliContext(cmd: Command): CliContext {
  const flags = cmd.optsWithGlobals() as ConnectionFlags & { allNamespaces?: boolean };
  const { config, namespace } = resolveConnection(flags);
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    client: new ApiClient({ ...config, userAgent: 'orch-cli' }),
    namespace,
    allNamespaces: Boolean(flags.allNamespaces),
    out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    color: isTTY && !process.env.NO_COLOR,
    isTTY,
  };
}

/** "deploy/web" or ("deploy", "web") → resource name + object name. */
export function splitTypeName(arg: string, next?: string): { type: string; name?: string } {
  const i = arg.indexOf('/');
  if (i >= 0) return { type: arg.slice(0, i), name: arg.slice(i + 1) };
  return { type: arg, name: next };
}
