// Small wrappers around the system tools the harness drives (ip, nsenter, docker,
// iptables). Commands are argv arrays, never shell strings, so names cannot be
// misparsed; failures carry the command and its stderr so a broken setup says why.

import { execFile, spawnSync } from 'node:child_process';
import { eventually, GiveUp } from '../helpers/eventually.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its result, whatever its exit code. */
export function exec(cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command and throws with its stderr when it fails. */
export async function run(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Synchronous variant for cleanup paths that must finish before the process exits. */
export function runSyncQuiet(cmd: string, args: string[]): number {
  return spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 }).status ?? 1;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Thrown by a waitUntil check to stop waiting at once (e.g. the process exited). */
export class FatalWait extends GiveUp {}

/** The shared eventually() (a check every 250 ms by default); any falsy value is "not yet". */
export function waitUntil<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, intervalMs = 250): Promise<T> {
  return eventually(what, async () => (await check()) || undefined, timeoutMs, intervalMs);
}
