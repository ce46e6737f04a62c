#!/usr/bin/env node
// Prints "<label>: N passed, N failed[, N skipped]" from vitest JSON reports, so CI logs
// end with one plain line that says how many tests ran. Exit 1 when a report is missing
// or no test ran at all (a suite that silently ran nothing must not look green).
import fs from 'node:fs';

let passed = 0, failed = 0, skipped = 0, missing = [];
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) { missing.push(file); continue; }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}
for (const m of missing) console.log(`summary: no test report at ${m}`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(missing.length || passed + failed === 0 ? 1 : 0);
