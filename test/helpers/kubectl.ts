// kubectl (v1.32) and the built `orch` pointed at one test apiserver over HTTPS (kubectl
// never sends a token over plain HTTP), with no kubeconfig of the user's in the way, so
// tests can run both tools on the same objects and compare what they print.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { TestApiServer } from './apiserver.js';
import { runOrch, type RunResult } from './orch-cli.js';

export interface Clients {
  kubectl(args: string[]): Promise<RunResult>;
  orch(args: string[]): Promise<RunResult>;
  /** The arguments that point each tool at the server (for tools started another way, e.g. spawn). */
  kubectlArgs: string[];
  orchArgs: string[];
}

/** Writes the server's CA into `dir` (a temp dir the test owns) and returns both runners. */
export function cliClients(s: Pick<TestApiServer, 'url' | 'token' | 'ca'>, dir: string): Clients {
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, s.ca ?? '');
  const kubectlArgs = ['--server', s.url, '--token', s.token, '--certificate-authority', ca, '--cache-dir', path.join(dir, 'cache')];
  const orchArgs = ['--server', s.url, '--token', s.token, '--ca-file', ca];
  return {
    kubectlArgs,
    orchArgs,
    kubectl: (args) =>
      new Promise((resolve) => {
        execFile('kubectl', [...kubectlArgs, ...args], { timeout: 30_000, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    orch: (args) => runOrch([...args, ...orchArgs], { env: { ORCH_HOME: dir } }),
  };
}
