// Starting and stopping the processes of a local cluster. Each component is its own OS
// process in its own process group (detached), with its output appended to
// $ORCH_HOME/logs/<component>.log: a terminal's Ctrl-C or the death of the supervisor that
// started it does not take it down with them.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to run one component (recorded in run/cluster.json). */
export interface ComponentSpec {
  name: string;
  command: string[];
  log: string;
  /** Polled after a start until it answers 2xx: only then does the next component start. */
  ready?: { url: string; caFile?: string };
  /** Extra environment (the proxies: foundation/malloc-tuning.ts). */
  env?: Record<string, string>;
}

export interface ExitResult {
  code: number | null;
  signal: string | null;
}

/** A process the caller started or adopted; `exited` resolves when it is gone. */
export interface ProcessHandle {
  pid: number;
  exited: Promise<ExitResult>;
  /** Our own child (exit code known) rather than an adopted process. */
  child: boolean;
}

/** The node script that is this orch binary (dist/cli/main.js), to start components with. */
export function orchEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', 'main.js');
}

/** Appends one line to a log file (the "--- time what happened" lines between a component's own). */
export function appendLogLine(logFile: string, line: string): void {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `--- ${new Date().toISOString()} ${line}\n`);
}

/**
 * Starts a process in its own process group with stdout and stderr appended to logFile,
 * after a line saying so (`note`, default "starting NAME", and the command).
 * With unref, this process may exit while the child runs on (how `orch up` leaves its
 * supervisor behind); the handle's `exited` then never resolves.
 */
export function launchProcess(name: string, command: string[], logFile: string, opts: { note?: string; env?: NodeJS.ProcessEnv; unref?: boolean } = {}): ProcessHandle {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.appendFileSync(logFile, `\n--- ${new Date().toISOString()} ${opts.note ?? `starting ${name}`}: ${command.join(' ')}\n`);
  const fd = fs.openSync(logFile, 'a');
  let child;
  try {
    child = spawn(command[0]!, command.slice(1), { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, ...opts.env } });
  } finally {
    fs.closeSync(fd);
  }
  const exited = new Promise<ExitResult>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // spawn failures (no such binary) come as 'error' without 'exit'.
    child.once('error', () => resolve({ code: 127, signal: null }));
  });
  if (opts.unref) child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command[0]} did not start`);
  return { pid: child.pid, exited, child: true };
}

/** Watches a process that is not our child (adopted) by polling: exit code and signal stay unknown. */
export function watchProcess(pid: number, sleep: (ms: number) => Promise<void>, everyMs = 500): ProcessHandle {
  const exited = (async () => {
    while (isAlive(pid)) await sleep(everyMs);
    return { code: null, signal: null };
  })();
  return { pid, exited, child: false };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie answers kill(0) but is dead: an adopted process whose new parent (pid 1 in
  // some containers) never reaps it must not look alive for ever.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) is all we know
  }
}

/** The argv of a running process (Linux /proc), or undefined when unknown. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => i < a.length - 1 || s !== '');
  } catch {
    return undefined;
  }
}

/** Is pid alive and running exactly this command (not a stranger that got a recycled pid)? */
export function isRunning(pid: number | undefined, command: string[]): boolean {
  if (!pid || !isAlive(pid)) return false;
  const argv = commandLineOf(pid);
  return argv === undefined || (argv.length === command.length && argv.every((a, i) => a === command[i]));
}

/** SIGTERM, then SIGKILL after timeoutMs; resolves when the process is gone. */
export async function stopProcess(pid: number, timeoutMs = 15_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!isAlive(pid)) return 'not-running';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 'not-running';
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  return 'killed';
}

/** true when url answers 2xx within timeoutMs (https with caFile as the only trusted CA). */
export function probeUrl(url: string, caFile?: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    let ca: string | undefined;
    try {
      ca = caFile ? fs.readFileSync(caFile, 'utf8') : undefined;
    } catch {
      return resolve(false);
    }
    const req = mod.get(u, { ca, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** Last lines of a log file, for error messages that say what went wrong. */
export function tailFile(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
