// Child processes of the harness. Every pid is recorded in a state file under the run
// directory, with a marker from its command line, so the next run can end what a crashed
// run left behind — by pid, and only when that pid still runs the command we started.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './sh.js';

export const RUN_DIR = '/var/run/orch-test';
export const DATA_DIR = '/var/lib/orch-test';
const PIDS_FILE = path.join(RUN_DIR, 'pids.json');

interface PidRecord {
  pid: number;
  name: string;
  /** A string of its command line that identifies it (checked before signalling a leftover). */
  marker: string;
}

function readPids(): PidRecord[] {
  try {
    return JSON.parse(fs.readFileSync(PIDS_FILE, 'utf8')) as PidRecord[];
  } catch {
    return [];
  }
}

function writePids(list: PidRecord[]): void {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  fs.writeFileSync(PIDS_FILE, JSON.stringify(list));
}

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) is not alive for our purposes.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export interface Proc {
  name: string;
  pid: number;
  log: string;
  exited: Promise<void>;
  /**
   * Whether the process still runs. Asked of the child itself, not of its pid: the kernel
   * hands out pids again (pid_max is 32768 here and a loaded harness uses ~100 a second),
   * so a pid checked after its process exited may belong to anything.
   */
  alive(): boolean;
}

/** Starts a process with output appended to its log file, and records its pid. */
export function startProc(name: string, argv: string[], logFile: string, marker: string): Proc {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n--- ${new Date().toISOString()} starting ${name}: ${argv.join(' ')}\n`);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${argv[0]})`);
  const pid = child.pid;
  let running = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running = false;
      resolve();
    }),
  );
  writePids([...readPids().filter((r) => r.pid !== pid), { pid, name, marker }]);
  return { name, pid, log: logFile, exited, alive: () => running && isAlive(pid) };
}

/** stopPid for a process this run started: waits on the child itself, never signals a reused pid. */
export async function stopProc(p: Proc, timeoutMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const signalIfRunning = (sig: NodeJS.Signals) => {
    if (!p.alive()) return;
    try {
      process.kill(p.pid, sig);
    } catch {
      /* gone */
    }
  };
  if (!p.alive()) return;
  signalIfRunning('SIGCONT'); // a paused process cannot handle SIGTERM
  signalIfRunning(signal);
  await Promise.race([p.exited, sleep(timeoutMs)]);
  if (!p.alive()) return;
  signalIfRunning('SIGKILL');
  await Promise.race([p.exited, sleep(10_000)]);
}

export function forget(pid: number): void {
  writePids(readPids().filter((r) => r.pid !== pid));
}

/** SIGTERM (or the given signal), SIGKILL after timeoutMs; resolves once the process is gone. */
export async function stopPid(pid: number, timeoutMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGCONT'); // a paused process cannot handle SIGTERM
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone */
  }
  const hard = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < hard) await sleep(100);
}

/** Ends every recorded process of an earlier run that still runs what we started. */
export async function killRecorded(): Promise<void> {
  for (const r of readPids()) {
    if (isAlive(r.pid) && cmdline(r.pid).includes(r.marker)) await stopPid(r.pid, 20_000);
  }
  writePids([]);
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
