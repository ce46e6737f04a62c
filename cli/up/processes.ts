// Starting and stopping the component processes of a local cluster. Each component is
// its own OS process, detached from the terminal (so `orch up` can return), with its
// output appended to $ORCH_HOME/logs/<component>.log.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ComponentProcess {
  name: string;
  pid: number;
  command: string[];
  log: string;
}

/** The node script that is this orch binary (dist/cli/main.js), to start components with. */
export function orchEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..', 'main.js');
}

export function spawnComponent(name: string, command: string[], logFile: string, opts: { detached: boolean; env?: NodeJS.ProcessEnv }): ComponentProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n--- ${new Date().toISOString()} starting ${name}: ${command.join(' ')}\n`);
  const child = spawn(command[0], command.slice(1), {
    detached: opts.detached,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...opts.env },
  });
  fs.closeSync(fd);
  if (opts.detached) child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${command[0]} did not start`);
  return { name, pid: child.pid, command, log: logFile };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
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

/** Last lines of a log file, for error messages that say what went wrong. */
export function tailFile(file: string, lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
