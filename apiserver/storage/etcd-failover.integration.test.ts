// The storage layer against a real three-member etcd cluster on loopback (no root
// needed; the multi-host HA scenarios in test/cluster prove the same through HAProxy and
// two apiservers): the leader SIGKILLed under writes (every acknowledged write is seen
// by a watch exactly once, in order, without a gap), then quorum lost (503 at once,
// thanks to the require-leader flag, not a 504 after the 5 s deadline), then recovery.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { eventually } from '../../test/helpers/eventually.js';
import { freePort } from '../../test/helpers/ports.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import type { StorageEvent } from './types.js';

interface Member {
  name: string;
  client: number;
  peer: number;
  proc?: ChildProcess;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-etcd-ha-'));
const members: Member[] = [];
let cluster = '';

function startMember(m: Member): void {
  const url = `http://127.0.0.1:${m.client}`;
  m.proc = spawn('etcd', ['--name', m.name, '--data-dir', path.join(dir, m.name), '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
    '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--log-level', 'error'], { stdio: 'ignore' });
}

async function kill(m: Member): Promise<void> {
  const p = m.proc!;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await gone;
  m.proc = undefined;
}

async function isLeader(m: Member): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${m.client}/metrics`, { signal: AbortSignal.timeout(1000) });
    return /^etcd_server_is_leader 1$/m.test(await r.text());
  } catch {
    return false;
  }
}

async function allHealthy(): Promise<void> {
  await eventually('every member healthy', async () => {
    for (const m of members) {
      const r = await fetch(`http://127.0.0.1:${m.client}/health`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      if (!r?.ok) return undefined;
    }
    return true;
  }, 30_000);
}

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { n: name } }) as KubeObject;

beforeAll(async () => {
  for (let k = 1; k <= 3; k++) members.push({ name: `m${k}`, client: await freePort(), peer: await freePort() });
  cluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  for (const m of members) startMember(m);
  await allHealthy();
}, 60_000);

afterAll(async () => {
  for (const m of members) if (m.proc) await kill(m);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('three etcd members', () => {
  let s: EtcdStorage;
  beforeAll(async () => {
    s = await createEtcdStorage({ endpoints: members.map((m) => `http://127.0.0.1:${m.client}`), prefix: '/ha/registry' });
  });
  afterAll(() => s.close());

  test('leader SIGKILL under writes: every acknowledged write watched once, in order; then quorum lost → 503 at once; then recovery', async () => {
    const seen: StorageEvent[] = [];
    const w = s.watch('/registry/configmaps/', await s.currentRevision(), { onEvent: (ev: StorageEvent) => seen.push(ev), onError: () => undefined });
    const acked: string[] = [];
    const write = async (name: string) => {
      try {
        await s.create(`/registry/configmaps/default/${name}`, cm(name));
        acked.push(name);
      } catch {
        /* an error is an allowed answer during the election */
      }
    };
    for (let i = 0; i < 10; i++) await write(`before-${i}`);
    const leader = (await eventually('a leader', async () => {
      for (const m of members) if (await isLeader(m)) return m;
      return undefined;
    }, 10_000));
    await kill(leader!);
    for (let i = 0; i < 40; i++) await write(`after-${i}`);
    expect(acked.filter((n) => n.startsWith('after-')).length, 'writes go on with two of three').toBeGreaterThan(30);
    await eventually('the watch to deliver every acknowledged write', () => (acked.every((n) => seen.some((e) => e.object.metadata.name === n)) ? true : undefined), 30_000);
    const names = seen.map((e) => e.object.metadata.name);
    expect(new Set(names).size, 'no event twice').toBe(names.length);
    const revs = seen.map((e) => e.revision);
    expect([...revs].sort((a, b) => a - b)).toEqual(revs);

    // Quorum lost: a second member killed. The survivor has no leader and says so.
    const second = members.find((m) => m.proc)!;
    await kill(second);
    await new Promise((r) => setTimeout(r, 2500)); // the survivor notices it has no leader
    const t0 = Date.now();
    const err = await s.create('/registry/configmaps/default/no-quorum', cm('no-quorum')).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status.code).toBe(503);
    expect(Date.now() - t0, '503 at once, not after the 5 s deadline').toBeLessThan(2500);
    expect(await s.get('/registry/configmaps/default/no-quorum').catch(() => 'unavailable')).toBe('unavailable');

    startMember(leader!);
    startMember(second);
    // A new name per attempt: an attempt that timed out may still have been committed once
    // quorum returned, and retrying the same name would then fail with 409 forever.
    let attempt = 0;
    const back = await eventually(
      'writes to succeed again',
      async () => {
        const name = `back-${++attempt}`;
        await s.create(`/registry/configmaps/default/${name}`, cm(name));
        return name;
      },
      30_000,
    );
    expect(await s.get('/registry/configmaps/default/no-quorum')).toBeUndefined();
    await eventually('the watch to see the write after recovery', () => (seen.some((e) => e.object.metadata.name === back) ? true : undefined), 30_000);
    w.close();
  }, 120_000);
});
