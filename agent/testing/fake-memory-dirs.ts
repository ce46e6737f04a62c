// MemoryDirs for unit tests: plain directories, remembered as "memory-backed" once ensured,
// or refused with a given reason (as an agent without CAP_SYS_ADMIN would be).

import fs from 'node:fs/promises';
import path from 'node:path';
import type { MemoryDirs } from '../tmpfs.js';

export class FakeMemoryDirs implements MemoryDirs {
  readonly mounted = new Set<string>();
  readonly released: string[] = [];
  /** When set, ensure() fails with this message. */
  refuse?: string;

  async ensure(dir: string): Promise<void> {
    if (this.refuse) throw new Error(this.refuse);
    await fs.mkdir(dir, { recursive: true });
    this.mounted.add(dir);
  }

  async problem(dir: string): Promise<string | undefined> {
    for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) if (this.mounted.has(d)) return undefined;
    return `${dir} is not on a tmpfs`;
  }

  async release(dir: string): Promise<void> {
    if (this.mounted.delete(dir)) this.released.push(dir);
  }
}
