// Processes of an `orch up` cluster in a test's own ORCH_HOME: tests check that nothing of
// it survives `orch down`, and kill what a failed test left (and nothing else).

import fs from 'node:fs';

/** Alive and not a zombie (an exited child nobody reaped yet). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every live process whose command line or environment names this ORCH_HOME (the supervisor's only its environment). */
export function processesOfHome(home: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = fs.readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if ((cmd.includes(home) || environ.includes(`ORCH_HOME=${home}`)) && alive(Number(d))) out.push({ pid: Number(d), cmd });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
