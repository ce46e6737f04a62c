// Memory-backed directories for secret volumes, as the kubelet keeps them: a tmpfs is
// mounted on the directory unless it already is one (an agent whose --run-dir lies on a
// tmpfs such as /dev/shm needs no mount), and statfs confirms it before anything is
// written. Secrets therefore never reach the node's disk, and vanish with a reboot.
// Mounting needs CAP_SYS_ADMIN (root); without it the pod is told why, nothing is written.

import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';

/** statfs f_type of tmpfs (linux/magic.h). */
export const TMPFS_MAGIC = 0x01021994;

export interface MemoryDirs {
  /** Make `dir` a memory-backed directory (create, mount); throws saying why it cannot be. */
  ensure(dir: string): Promise<void>;
  /** Why `dir` is not memory-backed, or undefined when it is. */
  problem(dir: string): Promise<string | undefined>;
  /** Unmount `dir` if something is mounted on it (then it is an ordinary empty directory). */
  release(dir: string): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = String(stderr).trim() || err.message;
      reject(new Error(why.split('\n')[0]));
    });
  });
}

/** True when a file system is mounted on `dir` itself (its device differs from its parent's). */
export async function isMountPoint(dir: string): Promise<boolean> {
  const [a, b] = await Promise.all([fs.stat(dir), fs.stat(path.dirname(dir))]);
  return a.dev !== b.dev;
}

export class TmpfsDirs implements MemoryDirs {
  async problem(dir: string): Promise<string | undefined> {
    try {
      const st = await fs.statfs(dir);
      return st.type === TMPFS_MAGIC ? undefined : `${dir} is not on a tmpfs (file system type 0x${st.type.toString(16)})`;
    } catch (err) {
      return (err as Error).message;
    }
  }

  async ensure(dir: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    if ((await this.problem(dir)) === undefined) return;
    try {
      // mode 0755: containers running as other users must reach their files (0400 etc. by default).
      await run('mount', ['-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev', 'tmpfs', dir]);
    } catch (err) {
      throw new Error(
        `cannot mount a tmpfs at ${dir}: ${(err as Error).message} (the agent needs CAP_SYS_ADMIN, or a --run-dir on a tmpfs such as /dev/shm)`,
      );
    }
    const still = await this.problem(dir);
    if (still) throw new Error(`mounted a tmpfs at ${dir}, but ${still}`);
  }

  async release(dir: string): Promise<void> {
    const mounted = await isMountPoint(dir).catch(() => false);
    if (!mounted) return;
    try {
      await run('umount', [dir]);
    } catch {
      // Still in use somewhere (a container being torn down): detach it now, the kernel
      // frees it when the last user goes.
      await run('umount', ['-l', dir]);
    }
  }
}
