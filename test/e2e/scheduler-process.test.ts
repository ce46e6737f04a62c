// `orch scheduler` as a real process (the built binary, as `orch up` and operators run
// it): it serves /healthz, /readyz and /metrics, binds pods, exits 0 on SIGTERM, and with
// --leader-elect exits 1 (to be restarted as a standby) once its lease is taken away —
// after which it binds nothing.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import { makePod } from '../../scheduler/testing/builders.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';
import { freePort } from '../helpers/ports.js';
import { createReadyNode, until } from './scheduler-helpers.js';

let api: TestApiServer;
let admin: ApiClient;
let dir: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  assertBuilt();
  api = await startTestApiServer();
  admin = new ApiClient({ server: api.url, token: api.token });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-sched-proc-'));
  fs.writeFileSync(path.join(dir, 'token'), api.token);
  await createReadyNode(admin, { name: 'node-1' });
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
  }
  admin?.close();
  await api?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startScheduler(extra: string[]): { child: ChildProcess; exit: Promise<number | null>; output: () => string } {
  let out = '';
  const child = spawn(process.execPath, [ORCH_ENTRY, 'scheduler', '--server', api.url, '--token-file', path.join(dir, 'token'), '--log-level', 'info', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  children.push(child);
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exit, output: () => out };
}

async function createPod(name: string): Promise<void> {
  const p = makePod({ name });
  delete p.metadata.uid;
  delete p.metadata.creationTimestamp;
  delete p.status;
  await admin.pods.create(p);
}

const nodeOf = async (name: string) => (await admin.pods.get(name, 'default')).spec.nodeName;

describe('orch scheduler (process)', () => {
  it('serves /healthz and /metrics, binds pods, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const s = startScheduler(['--port', String(port)]);
    await until('readyz 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000);
    await createPod('p1');
    expect(await until('p1 bound', () => nodeOf('p1'))).toBe('node-1');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('scheduler_schedule_attempts_total{result="scheduled"} 1');
    expect(metrics).toMatch(/scheduler_pending_pods\{queue="active"\} 0/);
    expect(metrics).toMatch(/^process_resident_memory_bytes \d+/m);
    s.child.kill('SIGTERM');
    expect(await s.exit).toBe(0);
  });

  it('with --leader-elect, exits 1 once its lease is taken and binds nothing more', async () => {
    const s = startScheduler([
      '--port', '0', '--leader-elect', '--identity', 'proc-1',
      '--leader-elect-lease-duration', '3s', '--leader-elect-renew-deadline', '2s', '--leader-elect-retry-period', '300ms',
    ]);
    await createPod('before');
    await until('before bound', () => nodeOf('before'), 30_000);
    // Another replica "wins": the lease now names someone else, renewed just now. The
    // holder renews every 300 ms, so our write may meet its renewal (409): read and try again.
    for (let attempt = 1; ; attempt++) {
      const lease = await admin.leases.get('orch-scheduler', 'kube-system');
      expect(lease.spec.holderIdentity).toBe('proc-1');
      try {
        await admin.leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: 'thief', renewTime: new Date().toISOString(), leaseDurationSeconds: 60 } });
        break;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt === 10) throw err;
      }
    }
    // Exiting is how it binds nothing more: a process that is gone cannot (no sleep needed
    // to give it the chance to). The supervisor restarts it as a standby.
    expect(await until('process exit', () => (s.child.exitCode !== null ? s.exit : undefined), 20_000)).toBe(1);
    expect(s.output()).toContain('leader election lost');
  });
});
