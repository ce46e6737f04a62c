// A reader that closes the pipe early (`orch status | head -1`) must not make orch print
// Node's "Unhandled 'error' event ... EPIPE" stack trace: the command stops quietly. The
// read end of a real OS pipe is closed before orch writes anything, so its first write
// fails with EPIPE every time.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ORCH_ENTRY, assertBuilt } from '../helpers/orch-cli.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-epipe-'));

beforeAll(() => assertBuilt());
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

/** Runs orch with the read end of its stdout pipe closed at once; collects stderr. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ORCH_ENTRY, ...args], { env: { ...process.env, ORCH_HOME: home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('orch with its output pipe closed early', () => {
  test.each([
    { args: ['--help'], code: 0 },
    { args: ['completion', 'bash'], code: 0 },
    // No cluster in this ORCH_HOME: status says so and fails; the exit code stays.
    { args: ['status'], code: 1 },
  ])('orch $args.0 exits quietly (code $code) when stdout is closed', async ({ args, code }) => {
    const r = await runWithClosedStdout(args);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|node:events/);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(code);
  });
});
