// The apiserver under test runs as a SEPARATE OS process, started through the real CLI
// entry point (`node dist/cli/main.js apiserver ...`), exactly as an operator runs it:
// its CPU and memory are its own (RSS is measurable) and the bench's client work does
// not share its event loop.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/ports.js';

export interface ApiServerProcess {
  url: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface ApiServerProcessOptions {
  etcdEndpoint: string;
  /** Directory for the log file (and whatever the caller puts there). */
  workDir: string;
  /** Enables bearer-token authentication on the plain-HTTP listener. */
  tokenAuthFile?: string;
  logLevel?: string;
  extraArgs?: string[];
  readyTimeoutMs?: number;
  /**
   * 'cli' (default): `node dist/cli/main.js apiserver ...`, as an operator runs it.
   * 'direct': dist-bench/bench/lib/apiserver-main.js, the same command without the rest of the CLI.
   */
  entry?: 'cli' | 'direct';
  /** Node flags for the apiserver process (e.g. --cpu-prof --cpu-prof-dir DIR). */
  nodeArgs?: string[];
}

/**
 * A compiled file of the project: beside this one when running from dist-bench/bench/lib/
 * (`npm run bench` compiles everything there), else (tests run the TypeScript sources)
 * under the repository's dist/ (`npm run build`; shipped code only) or dist-bench/.
 */
function compiled(relFromRoot: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = path.resolve(here, '../..');
  const candidates = [path.join(root, relFromRoot), path.join(root, 'dist', relFromRoot), path.join(root, 'dist-bench', relFromRoot)];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`${candidates.join(' or ')} not found: run \`npm run build\` first (the apiserver under test runs from dist/)`);
  return found;
}

/** dist/cli/main.js: the real `orch` entry point. */
export function cliEntry(): string {
  return compiled('cli/main.js');
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

function directEntry(): string {
  return compiled('bench/lib/apiserver-main.js');
}

/**
 * Start through the real CLI; if the CLI itself cannot load (a module missing while the
 * project is being built), fall back to the direct entry and say so.
 */
export async function startApiServerPreferCli(opts: ApiServerProcessOptions, warn: (msg: string) => void): Promise<ApiServerProcess & { entry: 'cli' | 'direct' }> {
  try {
    return { ...(await startApiServerProcess({ ...opts, entry: 'cli' })), entry: 'cli' };
  } catch (err) {
    if (!/ERR_MODULE_NOT_FOUND|Cannot find module|SyntaxError/.test((err as Error).message)) throw err;
    warn(`WARNING: dist/cli/main.js does not load (${/Cannot find module '[^']+'/.exec((err as Error).message)?.[0] ?? 'module error'}); starting the apiserver through bench/lib/apiserver-main.js instead`);
    return { ...(await startApiServerProcess({ ...opts, entry: 'direct' })), entry: 'direct' };
  }
}

export async function startApiServerProcess(opts: ApiServerProcessOptions): Promise<ApiServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(opts.workDir, `apiserver-${port}.log`);
  const args = [
    ...(opts.entry === 'direct' ? [directEntry()] : [cliEntry(), 'apiserver']),
    '--insecure-http',
    '--etcd-servers', opts.etcdEndpoint,
    '--bind-address', '127.0.0.1',
    '--port', String(port),
    '--log-level', opts.logLevel ?? 'warn',
    ...(opts.tokenAuthFile ? ['--token-auth-file', opts.tokenAuthFile] : []),
    ...(opts.extraArgs ?? []),
  ];
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...args], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the apiserver process');

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = exited(child);
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(t);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return { url, pid, logFile, stop };
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`apiserver (${args.slice(1).join(' ')}) did not become ready:\n${log}`);
}
