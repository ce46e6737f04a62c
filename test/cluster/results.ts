// Convergence times measured by the scenarios. Each scenario file appends its figures to
// one JSON file in the temp dir; the global teardown prints the table of the whole run,
// so figures can be compared from run to run.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RESULTS_FILE = path.join(os.tmpdir(), 'orch-cluster-results.json');

export interface Measurement {
  scenario: string;
  what: string;
  ms: number;
  /** A bound the figure is expected to stay under (e.g. grace + eviction + start), if any. */
  boundMs?: number;
  at: string;
}

export function readResults(): Measurement[] {
  try {
    return JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as Measurement[];
  } catch {
    return [];
  }
}

export function record(scenario: string, what: string, ms: number, boundMs?: number): void {
  const m: Measurement = { scenario, what, ms: Math.round(ms), boundMs, at: new Date().toISOString() };
  fs.writeFileSync(RESULTS_FILE, JSON.stringify([...readResults(), m], null, 1));
  process.stdout.write(`[convergence] ${scenario}: ${what} = ${(m.ms / 1000).toFixed(1)} s${boundMs ? ` (bound ${(boundMs / 1000).toFixed(0)} s)` : ''}\n`);
}

export function formatTable(rows: Measurement[]): string {
  if (rows.length === 0) return '(no convergence times recorded)';
  // Scenario names start with their number in the issue: list them in that order,
  // measurements of one scenario in the order they were taken.
  rows = rows.map((r, k) => ({ r, k })).sort((a, b) => parseInt(a.r.scenario, 10) - parseInt(b.r.scenario, 10) || a.k - b.k).map((x) => x.r);
  const w1 = Math.max(8, ...rows.map((r) => r.scenario.length));
  const w2 = Math.max(11, ...rows.map((r) => r.what.length));
  const line = (a: string, b: string, c: string, d: string) => `| ${a.padEnd(w1)} | ${b.padEnd(w2)} | ${c.padStart(8)} | ${d.padStart(7)} |`;
  return [
    line('scenario', 'measurement', 'seconds', 'bound'),
    line('-'.repeat(w1), '-'.repeat(w2), '-'.repeat(8), '-'.repeat(7)),
    ...rows.map((r) => line(r.scenario, r.what, (r.ms / 1000).toFixed(1), r.boundMs ? (r.boundMs / 1000).toFixed(0) : '')),
  ].join('\n');
}
