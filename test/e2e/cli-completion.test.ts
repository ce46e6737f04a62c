// Shell completion in a real bash: `source <(orch completion bash)` registers _orch for
// `orch`, and the function completes commands, resource types, flags and flag values,
// and the names of objects read from a real apiserver (over a real etcd) through the
// user's config. With the server unreachable it completes nothing, quietly.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { assertBuilt, ORCH_ENTRY, runOrch } from '../helpers/orch-cli.js';

let s: TestApiServer;
let dir: string;
let client: ApiClient;

const pod = (name: string, namespace = 'default'): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'orch.local/web:v1' }] } });

/** What bash offers for each line (the cursor at its end), using the sourced script. */
function completeInBash(lines: string[], home = path.join(dir, 'home')): Promise<string[][]> {
  const script = [
    'set -e',
    'source <(orch completion bash)',
    'complete -p orch',
    'offer() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMPREPLY=(); _orch; printf "%s\\n" "${COMPREPLY[@]}"; echo "=="; }',
    ...lines.map((l) => `offer ${JSON.stringify(l)}`),
  ].join('\n');
  return new Promise((resolve, reject) => {
    execFile('bash', ['--norc', '--noprofile', '-c', script], { env: { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, ORCH_HOME: home, KUBECONFIG: '' }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bash failed: ${err.message}\n${stderr}`));
      const [registration, ...rest] = stdout.split('\n');
      expect(registration).toBe('complete -F _orch orch');
      const blocks = rest.join('\n').split('==\n').slice(0, lines.length);
      resolve(blocks.map((b) => b.split('\n').filter(Boolean)));
    });
  });
}

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-cli-completion-'));
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  for (const n of ['web-1', 'web-2', 'db-1']) await client.pods.create(pod(n));
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  await client.pods.create(pod('elsewhere', 'other'));
  // `orch` on PATH, as an installed one would be, configured for the test server.
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'bin', 'orch'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(ORCH_ENTRY)} "$@"\n`, { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'home'));
  fs.writeFileSync(path.join(dir, 'home', 'config.json'), JSON.stringify({ currentContext: 't', contexts: { t: { server: s.url, token: s.token, ca: s.ca } } }));
}, 60_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('bash completion', () => {
  test('commands, resource types, flags and values, and names from the server', async () => {
    const [cmds, types, names, slashNames, logs, other, flags, outputs, outputEq] = await completeInBash([
      'orch ge',
      'orch get po',
      'orch get pods we',
      'orch describe pod/',
      'orch logs d',
      'orch get pods -n other ',
      'orch get pods --sel',
      'orch get pods -o ya',
      'orch get pods --output=js',
    ]);
    expect(cmds).toEqual(['get']);
    // Every type name, singular and short name that starts with po (PodDisruptionBudgets too).
    expect(types).toEqual(['po', 'pod', 'poddisruptionbudget', 'poddisruptionbudgets', 'pods']);
    expect(names).toEqual(['web-1', 'web-2']);
    expect(slashNames).toEqual(['pod/db-1', 'pod/web-1', 'pod/web-2']);
    expect(logs).toEqual(['db-1']);
    expect(other).toEqual(['elsewhere']);
    expect(flags).toEqual(['--selector']);
    expect(outputs).toEqual(['yaml']);
    // bash's current word after '=' is "js": the candidate is trimmed to match it.
    expect(outputEq).toEqual(['json', 'jsonpath=', 'jsonpath-file=']);
  });

  test('an unreachable server: no names, no error text, and quickly', async () => {
    const home = path.join(dir, 'down-home');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ currentContext: 'x', contexts: { x: { server: 'https://127.0.0.1:1', token: 't', insecureSkipTLSVerify: true } } }));
    const [names, types] = await completeInBash(['orch get pods ', 'orch get deplo'], home);
    expect(names).toEqual([]);
    expect(types).toEqual(['deploy', 'deployment', 'deployments']);
    const r = await runOrch(['__complete', 'get', 'pods', ''], { env: { ORCH_HOME: home } });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  test('zsh and fish scripts call the same helper', async () => {
    for (const shell of ['zsh', 'fish']) {
      const r = await runOrch(['completion', shell]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/__complete/);
    }
    expect((await runOrch(['completion', 'tcsh'])).stderr).toMatch(/unsupported shell "tcsh": use bash, zsh or fish/);
  });
});
