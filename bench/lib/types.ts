// What every bench module exports, so bench/run.ts can list and dispatch them.

import type { Cleanup } from './cleanup.js';

export interface BenchContext {
  /** Arguments after the bench name (e.g. `npm run bench -- apiserver --quick`). */
  args: string[];
  /** Progress and results go to stdout: a bench is a report, not a service. */
  say(line: string): void;
  /** Register how to stop what was started; run.ts stops everything in reverse. */
  cleanup: Cleanup;
  /** A temp directory removed after the run (unless keepWorkDir() was called). */
  workDir: string;
  /** Keep workDir (logs of the processes under test) and say where it is. */
  keepWorkDir(): void;
}

export interface Bench {
  description: string;
  /** Resolves with the process exit code (0 = ran; targets missed still exit 0 unless --strict). */
  run(ctx: BenchContext): Promise<number>;
}
