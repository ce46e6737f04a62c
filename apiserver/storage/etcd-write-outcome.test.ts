// Writes whose outcome is unknown, against a real etcd frozen with SIGSTOP between a
// read-modify-write's read and its write: 504 Timeout "may have succeeded" (not 503), and
// etcd applies the write once it resumes. A write etcd never saw (connection refused) and
// every read stay 503.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';

let etcd: TestEtcd;
let s: EtcdStorage;

beforeAll(async () => {
  etcd = await startEtcd();
  s = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: '/outcome/registry', requestTimeoutMs: 1000 });
});

afterAll(async () => {
  await s?.close();
  await etcd?.stop();
});

const cm = (name: string, data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected a failure');
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an update and a delete frozen after their read are 504 Timeout and applied when etcd resumes', async () => {
  await s.create('/registry/configmaps/default/u', cm('u', { v: '1' }));
  await s.create('/registry/configmaps/default/d', cm('d'));
  try {
    const upd = await failure(
      s.guaranteedUpdate('/registry/configmaps/default/u', (cur) => {
        etcd.signal('SIGSTOP'); // after the read, before the write
        return { ...cur!, data: { v: '2' } };
      }),
    );
    expect(upd.code).toBe(504);
    expect(upd.reason).toBe('Timeout');
    expect(upd.message).toMatch(/may have succeeded/);
    etcd.signal('SIGCONT');
    await eventually('the update applied', async () => ((await s.get('/registry/configmaps/default/u'))?.data as { v?: string } | undefined)?.v === '2' ? true : undefined);

    const del = await failure(
      s.guaranteedUpdate('/registry/configmaps/default/d', () => {
        etcd.signal('SIGSTOP');
        return undefined; // delete
      }),
    );
    expect(del.code).toBe(504);
    etcd.signal('SIGCONT');
    await eventually('the delete applied', async () => ((await s.get('/registry/configmaps/default/d')) === undefined ? true : undefined));
  } finally {
    etcd.signal('SIGCONT');
  }
});

test('reads while etcd is frozen stay 503; a write while etcd is down (refused) is 503', async () => {
  etcd.signal('SIGSTOP');
  try {
    expect((await failure(s.get('/registry/configmaps/default/u'))).code).toBe(503);
    expect((await failure(s.list('/registry/configmaps/'))).code).toBe(503);
  } finally {
    etcd.signal('SIGCONT');
  }
  await etcd.pause();
  try {
    const err = await failure(s.create('/registry/configmaps/default/refused', cm('refused')));
    expect(err.code).toBe(503);
    expect(err.reason).toBe('ServiceUnavailable');
  } finally {
    await etcd.resume();
  }
  await eventually('etcd back', async () => ((await s.healthy()) ? true : undefined));
  expect(await s.get('/registry/configmaps/default/refused')).toBeUndefined();
});
