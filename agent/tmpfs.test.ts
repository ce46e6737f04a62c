// Real mounts (the agent runs as root, and so do these tests): a directory on disk becomes
// a tmpfs, one already on a tmpfs is used as it is, release unmounts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TMPFS_MAGIC, TmpfsDirs, isMountPoint } from './tmpfs.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('TmpfsDirs', () => {
  const dirs = new TmpfsDirs();

  it('mounts a tmpfs on a directory on disk, and release unmounts it', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-tmpfs-'));
    made.push(base);
    const dir = path.join(base, 'pods/u1/secrets');
    expect(fs.statfsSync(base).type).not.toBe(TMPFS_MAGIC);
    await dirs.ensure(dir);
    try {
      expect(fs.statfsSync(dir).type).toBe(TMPFS_MAGIC);
      expect(await isMountPoint(dir)).toBe(true);
      expect(await dirs.problem(dir)).toBeUndefined();
      expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
      await dirs.ensure(dir); // idempotent: not mounted twice
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === dir)).toHaveLength(1);
    } finally {
      await dirs.release(dir);
    }
    expect(await isMountPoint(dir)).toBe(false);
    expect(await dirs.problem(dir)).toMatch(/is not on a tmpfs \(file system type 0x/);
    await dirs.release(dir); // nothing mounted: nothing to do
  });

  it('uses a directory already on a tmpfs as it is (a --run-dir under /dev/shm)', async () => {
    const base = fs.mkdtempSync(path.join('/dev/shm', 'orch-tmpfs-'));
    made.push(base);
    const dir = path.join(base, 'pods/u2/secrets');
    await dirs.ensure(dir);
    expect(await isMountPoint(dir)).toBe(false);
    expect(await dirs.problem(dir)).toBeUndefined();
  });
});
