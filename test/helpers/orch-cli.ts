// Run the built `orch` binary (dist/cli/main.js) as a user would, capturing its output.
// No kubeconfig of the user's ($KUBECONFIG) in the way unless a test passes one.

import { spawn } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';

export const ORCH_ENTRY = path.resolve('dist/cli/main.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!fs.existsSync(ORCH_ENTRY)) throw new Error(`${ORCH_ENTRY} is missing: run \`npm run build\` first (npm test does)`);
}

export function runOrch(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ORCH_ENTRY, ...args], { env: { ...process.env, NO_COLOR: '1', KUBECONFIG: '', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`orch ${args.join(' ')} timed out after ${opts.timeoutMs ?? 120_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}
