// kubectl v1.32 creating Services against orch: the answer carries the allocated
// ClusterIP and node port, as against Kubernetes. `kubectl create service` itself sends
// a protobuf body (covered with the other generators in apiserver-kubectl-protobuf.test.ts);
// here its manifest goes through `kubectl create -f` (JSON).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

let s: TestApiServer;
let dir: string;

function kubectl(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = ['--server', s.url, '--token', s.token, '--certificate-authority', path.join(dir, 'ca.pem'), '--cache-dir', path.join(dir, 'cache')];
  return new Promise((resolve) => {
    const child = execFile('kubectl', [...base, ...args], { timeout: 30_000, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? '');
  });
}

/** `kubectl create service <args>`: the generated manifest, created with `kubectl create -f -`. */
async function createService(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const manifest = await kubectl(['create', 'service', ...args, '--dry-run=client', '-o', 'json']);
  if (manifest.code !== 0) return manifest;
  return kubectl(['create', '-f', '-', '-o', 'json'], manifest.stdout);
}

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-kubectl-svc-'));
  fs.writeFileSync(path.join(dir, 'ca.pem'), s.ca!);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('kubectl create service clusterip gets an address of the range', async () => {
  const r = await createService(['clusterip', 'x', '--tcp=80:8080']);
  expect(r.code, r.stderr).toBe(0);
  const svc = JSON.parse(r.stdout);
  expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
  expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' });
});

test('kubectl create service nodeport gets a node port; an explicit taken one is refused naming the field', async () => {
  const r = await createService(['nodeport', 'y', '--tcp=80:8080']);
  expect(r.code, r.stderr).toBe(0);
  const n = JSON.parse(r.stdout).spec.ports[0].nodePort;
  expect(n >= 30000 && n <= 32767).toBe(true);
  const taken = await createService(['nodeport', 'z', '--tcp=80:8080', `--node-port=${n}`]);
  expect(taken.code).not.toBe(0);
  expect(taken.stderr).toContain('spec.ports[0].nodePort');
  expect(taken.stderr).toContain('provided port is already allocated');
  const get = await kubectl(['get', 'svc', 'y']);
  expect(get.stdout).toContain(`80:${n}/TCP`);
});
