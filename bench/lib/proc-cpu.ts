// CPU time of a process, read from /proc/PID/stat (Linux): user + system of the process and
// of its children it has waited for — an agent's `ip`, `bridge` and `iptables-restore` runs
// count toward it once they exit.

import fs from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ: 100 on every Linux this runs on). */
const USER_HZ = 100;

/** utime + stime + cutime + cstime of a /proc/PID/stat line, in ms. */
export function parseProcCpuMs(stat: string): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): utime..cstime are fields 14..17.
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(rest[i]), 0);
  if (!Number.isFinite(ticks)) throw new Error(`cannot read CPU times from /proc stat: ${stat.slice(0, 80)}`);
  return (ticks * 1000) / USER_HZ;
}

export function readProcCpuMs(pid: number): number {
  return parseProcCpuMs(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
}
