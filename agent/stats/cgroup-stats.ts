// CPU and memory of a container, and of the node, read from the kernel's files: the cheap
// way (three small reads per container, no Docker call), as cAdvisor does for the kubelet.
//
// cgroup v1 (these machines: Docker 20.10, cgroupfs driver):
//   <root>/cpuacct/<group>/cpuacct.usage          cumulative CPU time, ns
//   <root>/memory/<group>/memory.usage_in_bytes   usage
//   <root>/memory/<group>/memory.stat             total_inactive_file
// cgroup v2 (unified; detected by <root>/cgroup.controllers):
//   <root>/<group>/cpu.stat                       usage_usec
//   <root>/<group>/memory.current                 usage
//   <root>/<group>/memory.stat                    inactive_file
// where <group> is docker/<id> (cgroupfs driver) or system.slice/docker-<id>.scope
// (systemd driver); the first that exists is remembered per container.
// Working set = usage - inactive file pages (never below 0), Kubernetes' definition.
//
// The node: /proc/stat (busy jiffies) and /proc/meminfo (MemTotal - MemFree, minus
// Inactive(file)), as cAdvisor computes the root of a v2 host; the same on v1, so one
// definition holds on both.

import fs from 'node:fs';
import path from 'node:path';

export type CgroupVersion = 1 | 2;

export interface Usage {
  /** Cumulative CPU time, nanoseconds. */
  cpuNs: number;
  usageBytes: number;
  workingSetBytes: number;
}

/** The kernel's USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture orch runs on. */
const USER_HZ = 100;

/** A `key value` file (memory.stat, cpu.stat) to one value; undefined when absent. */
export function statValue(text: string, key: string): number | undefined {
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0 && line.slice(0, sp) === key) {
      const n = Number(line.slice(sp + 1).trim());
      return Number.isFinite(n) ? n : undefined;
    }
  }
  return undefined;
}

function number(text: string, what: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n)) throw new Error(`${what}: not a number: ${JSON.stringify(text.slice(0, 40))}`);
  return n;
}

const workingSet = (usage: number, inactiveFile: number | undefined) => Math.max(0, usage - (inactiveFile ?? 0));

/** cgroup v1: cpuacct.usage, memory.usage_in_bytes, memory.stat. */
export function parseV1(cpuacctUsage: string, memoryUsage: string, memoryStat: string): Usage {
  const usageBytes = number(memoryUsage, 'memory.usage_in_bytes');
  // total_inactive_file counts the group's children too (a container's cgroup has none, the node's has).
  return { cpuNs: number(cpuacctUsage, 'cpuacct.usage'), usageBytes, workingSetBytes: workingSet(usageBytes, statValue(memoryStat, 'total_inactive_file') ?? statValue(memoryStat, 'inactive_file')) };
}

/** cgroup v2: cpu.stat, memory.current, memory.stat. */
export function parseV2(cpuStat: string, memoryCurrent: string, memoryStat: string): Usage {
  const usec = statValue(cpuStat, 'usage_usec');
  if (usec === undefined) throw new Error('cpu.stat: no usage_usec');
  const usageBytes = number(memoryCurrent, 'memory.current');
  return { cpuNs: usec * 1000, usageBytes, workingSetBytes: workingSet(usageBytes, statValue(memoryStat, 'inactive_file')) };
}

/** The node: /proc/stat's first line and /proc/meminfo. */
export function parseNode(procStat: string, meminfo: string): Usage {
  const first = procStat.split('\n', 1)[0] ?? '';
  const f = first.trim().split(/\s+/);
  if (f[0] !== 'cpu') throw new Error('/proc/stat: no cpu line');
  // user nice system idle iowait irq softirq steal (guest is already inside user).
  const [user, nice, system, , , irq, softirq, steal] = f.slice(1, 9).map((x) => Number(x) || 0) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  const kb = (key: string) => {
    const m = new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    if (!m) throw new Error(`/proc/meminfo: no ${key}`);
    return Number(m[1]) * 1024;
  };
  const usageBytes = kb('MemTotal') - kb('MemFree');
  return { cpuNs: (busy * 1e9) / USER_HZ, usageBytes, workingSetBytes: workingSet(usageBytes, kb('Inactive(file)')) };
}

/** v2 when the root is the unified hierarchy. */
export function detectCgroupVersion(root: string): CgroupVersion {
  return fs.existsSync(path.join(root, 'cgroup.controllers')) ? 2 : 1;
}

/** Reads containers' and the node's usage under one cgroup root (synchronously: a few small files). */
export class CgroupReader {
  readonly version: CgroupVersion;
  /** Container id → its group relative to the controller directories. */
  private readonly groups = new Map<string, string>();

  constructor(
    private readonly root = '/sys/fs/cgroup',
    private readonly proc = '/proc',
    version?: CgroupVersion,
  ) {
    this.version = version ?? detectCgroupVersion(root);
  }

  private dir(controller: 'cpuacct' | 'memory', group: string): string {
    return this.version === 2 ? path.join(this.root, group) : path.join(this.root, controller, group);
  }

  private groupOf(id: string): string | undefined {
    const known = this.groups.get(id);
    if (known) return known;
    for (const g of [`docker/${id}`, `system.slice/docker-${id}.scope`]) {
      if (fs.existsSync(this.dir('memory', g))) {
        this.groups.set(id, g);
        return g;
      }
    }
    return undefined;
  }

  /** undefined when the container has no cgroup (gone, or not started). */
  container(id: string): Usage | undefined {
    const g = this.groupOf(id);
    if (!g) return undefined;
    try {
      const read = (c: 'cpuacct' | 'memory', f: string) => fs.readFileSync(path.join(this.dir(c, g), f), 'utf8');
      return this.version === 2
        ? parseV2(read('cpuacct', 'cpu.stat'), read('memory', 'memory.current'), read('memory', 'memory.stat'))
        : parseV1(read('cpuacct', 'cpuacct.usage'), read('memory', 'memory.usage_in_bytes'), read('memory', 'memory.stat'));
    } catch {
      // Removed between the list and the read.
      this.groups.delete(id);
      return undefined;
    }
  }

  node(): Usage {
    return parseNode(fs.readFileSync(path.join(this.proc, 'stat'), 'utf8'), fs.readFileSync(path.join(this.proc, 'meminfo'), 'utf8'));
  }

  /** Drop what is remembered of containers no longer listed. */
  retain(ids: Set<string>): void {
    for (const id of this.groups.keys()) if (!ids.has(id)) this.groups.delete(id);
  }
}
