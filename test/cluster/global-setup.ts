// Runs once around the whole fault suite: clears what a crashed earlier run left
// (namespaces, engines, processes) and the previous results, and prints the table of
// convergence times at the end.

import fs from 'node:fs';
import { cleanupLeftovers } from './harness.js';
import { RESULTS_FILE, formatTable, readResults } from './results.js';

export async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new Error('the cluster suite needs root (network namespaces, bridges, dockerd)');
  await cleanupLeftovers();
  fs.rmSync(RESULTS_FILE, { force: true });
  return async () => {
    await cleanupLeftovers();
    process.stdout.write(`\nConvergence times (${RESULTS_FILE}):\n${formatTable(readResults())}\n`);
  };
}
