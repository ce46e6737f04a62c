// What `orch init` writes, used by the real apiserver code: HTTPS with apiserver.crt,
// authentication from tokens.csv, and a client that trusts only ca.crt. Real etcd.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTokenFile } from '../../foundation/token-auth.js';
import { buildApiserver, type Apiserver } from '../../apiserver/server.js';
import { createEtcdStorage } from '../../apiserver/storage/index.js';
import type { Storage } from '../../apiserver/storage/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { generateCA } from '../../foundation/pki.js';
import { runInit, tokenFor } from './init.js';

let dir: string;
let etcd: TestEtcd;
let storage: Storage;
let server: Apiserver;
let port: number;

function get(p: string, opts: { token?: string; ca: string; servername?: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(
      { host: '127.0.0.1', port, path: p, ca: opts.ca, servername: opts.servername, headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-init-api-'));
  const r = runInit({ dir, nodes: ['n1'] });
  etcd = await startEtcd();
  storage = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/init-test' });
  server = buildApiserver({
    storage,
    auth: loadTokenFile(r.files.tokens),
    https: { cert: fs.readFileSync(r.files.serverCert), key: fs.readFileSync(r.files.serverKey) },
  });
  await server.runner.start();
  port = Number(new URL(server.url()).port);
});

afterAll(async () => {
  await server?.runner.stop();
  await storage?.close();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('orch init output with the real apiserver', () => {
  it('serves HTTPS that a client trusting only ca.crt accepts, with the admin token', async () => {
    const ca = fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8');
    const admin = tokenFor(path.join(dir, 'tokens.csv'), 'admin')!;
    expect(await get('/api/v1/namespaces', { ca, token: admin })).toBe(200);
    expect(await get('/api/v1/namespaces', { ca, token: admin, servername: 'localhost' })).toBe(200);
    expect(await get('/api/v1/namespaces', { ca })).toBe(401);
    expect(await get('/api/v1/namespaces', { ca, token: 'not-a-token' })).toBe(401);
    // The node token authenticates (what it may do is authorization's business).
    const node = tokenFor(path.join(dir, 'tokens.csv'), 'system:node:n1')!;
    expect(await get('/api/v1/nodes', { ca, token: node })).not.toBe(401);
  });

  it('a client trusting another CA refuses the server', async () => {
    const stranger = generateCA({ commonName: 'stranger' }).certPem;
    await expect(get('/version', { ca: stranger })).rejects.toThrow(/certificate|self.signed|verify/i);
  });
});
