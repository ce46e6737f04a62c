#!/usr/bin/env node
// Prints "<label>: N passed, N failed[, N skipped]" from vitest JSON reports, so CI logs
// end with one plain line that says how many tests ran, preceded by the name and first
// message line of every failed test and failed file: CI keeps only the log's tail, and a
// count without names sends the next person through a full re-run to find the test.
// Exit 1 when a report is missing or no test ran at all (a suite that silently ran
// nothing must not look green).
import fs from 'node:fs';
import path from 'node:path';

const firstLine = (text) => String(text ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';

let passed = 0, failed = 0, skipped = 0;
const missing = [];
const failures = [];
for (const file of process.argv.slice(2)) {
  if (!fs.existsSync(file)) { missing.push(file); continue; }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  for (const suite of r.testResults ?? []) {
    const rel = path.relative(process.cwd(), suite.name ?? '');
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    for (const t of failedTests) failures.push(`FAILED ${rel} > ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0])}`);
    // A file can fail without a failed test (an error while loading it, a hook that threw).
    if (suite.status === 'failed' && failedTests.length === 0) failures.push(`FAILED ${rel}: ${firstLine(suite.message)}`);
  }
  if (r.success === false && failed === 0 && (r.numFailedTestSuites ?? 0) === 0) {
    failures.push(`FAILED ${path.basename(file)}: the run failed without a failed test (an unhandled error? see the log above)`);
  }
}
for (const m of missing) console.log(`summary: no test report at ${m}`);
for (const f of failures) console.log(f);
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(missing.length || passed + failed === 0 ? 1 : 0);
