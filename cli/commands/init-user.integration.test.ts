// `orch init user` with the real apiserver and kubectl: the apiserver (reading the token
// file as `orch apiserver --token-auth-file` does) picks the new token up without a
// restart, and kubectl with the written kubeconfig is that user.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { reloadingTokenFile } from '../../foundation/token-auth.js';
import { buildApiserver, type Apiserver } from '../../apiserver/server.js';
import { allowAuthenticated } from '../../apiserver/authorization/chain.js';
import { createEtcdStorage } from '../../apiserver/storage/index.js';
import type { Storage } from '../../apiserver/storage/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { runInit } from './init.js';
import { runInitUser } from './init-user.js';

let dir: string;
let etcd: TestEtcd;
let storage: Storage;
let server: Apiserver;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-init-user-api-'));
  const r = runInit({ dir: path.join(dir, 'pki') });
  etcd = await startEtcd();
  storage = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/init-user-test' });
  server = buildApiserver({
    storage,
    auth: reloadingTokenFile(r.files.tokens, { checkIntervalMs: 0 }),
    // Authentication is under test here, not what the new user may do.
    authorizers: [allowAuthenticated],
    https: { cert: fs.readFileSync(r.files.serverCert), key: fs.readFileSync(r.files.serverKey) },
  });
  await server.runner.start();
});

afterAll(async () => {
  await server?.runner.stop();
  await storage?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function kubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('the kubeconfig works at once: kubectl auth whoami is the new user', async () => {
  const file = path.join(dir, 'jane.kubeconfig');
  runInitUser({ dir: path.join(dir, 'pki'), name: 'jane', groups: ['dev'], namespace: 'team-a', server: server.url().replace('127.0.0.1', 'localhost'), out: file });
  const r = await kubectl(file, ['auth', 'whoami', '-o', 'json']);
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout).status.userInfo).toMatchObject({ username: 'jane', groups: expect.arrayContaining(['dev']) });
});
