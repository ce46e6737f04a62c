// Runs once around the whole fault suite: makes sure no other run of the suite is using
// the fixed names (it would tear our cluster down, or we theirs), clears what a crashed
// earlier run left (namespaces, engines, processes) and the previous results, and prints
// the table of convergence times at the end.

import fs from 'node:fs';
import { cleanupLeftovers } from './harness.js';
import { cmdline, isAlive } from './procs.js';
import { RESULTS_FILE, formatTable, readResults } from './results.js';

// Outside /var/run/orch-test on purpose: cleanup removes that directory.
const LOCK = '/var/run/orch-cluster-suite.lock';

/** Also taken by bench/network and the soak (test/soak), which build their hosts with the same fixed names. */
export function takeLock(): void {
  const holder = Number(fs.existsSync(LOCK) ? fs.readFileSync(LOCK, 'utf8').trim() : 0);
  const cmd = holder ? cmdline(holder) : '';
  if (holder && holder !== process.pid && isAlive(holder) && (cmd.includes('vitest') || cmd.includes('bench') || cmd.includes('soak'))) {
    throw new Error(`another run of the cluster suite or bench/network is in progress (pid ${holder}, ${LOCK}): they use fixed names and must run alone`);
  }
  fs.writeFileSync(LOCK, String(process.pid));
}

export function releaseLock(): void {
  if (fs.existsSync(LOCK) && fs.readFileSync(LOCK, 'utf8').trim() === String(process.pid)) fs.rmSync(LOCK, { force: true });
}

export async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new Error('the cluster suite needs root (network namespaces, bridges, dockerd)');
  takeLock();
  await cleanupLeftovers();
  fs.rmSync(RESULTS_FILE, { force: true });
  return async () => {
    try {
      await cleanupLeftovers();
      process.stdout.write(`\nConvergence times (${RESULTS_FILE}):\n${formatTable(readResults())}\n`);
    } finally {
      releaseLock();
    }
  };
}
