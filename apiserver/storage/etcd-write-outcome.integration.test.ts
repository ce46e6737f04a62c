// Writes whose outcome is unknown, against a real etcd frozen with SIGSTOP between a
// read-modify-write's read and its write: 504 Timeout "may have succeeded" (not 503), and
// etcd applies the write once it resumes. A write etcd never saw (connection refused) and
// every read stay 503. A write etcd refuses (space quota) is neither.

import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import { eventually } from '../../test/helpers/eventually.js';

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
    await eventually('the update applied', async () => ((await s.get('/registry/configmaps/default/u'))?.data as { v?: string } | undefined)?.v === '2' ? true : undefined, 15_000);

    const del = await failure(
      s.guaranteedUpdate('/registry/configmaps/default/d', () => {
        etcd.signal('SIGSTOP');
        return undefined; // delete
      }),
    );
    expect(del.code).toBe(504);
    etcd.signal('SIGCONT');
    await eventually('the delete applied', async () => ((await s.get('/registry/configmaps/default/d')) === undefined ? true : undefined), 15_000);
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
    // Once the client has seen the connection refused (a write on a connection that just
    // closed under it is rightly "may have succeeded": it cannot tell)...
    await eventually('the client to see etcd refuse connections', async () => ((await failure(s.get('/registry/configmaps/default/u'))).message.includes('No connection established') ? true : undefined), 15_000);
    const err = await failure(s.create('/registry/configmaps/default/refused', cm('refused')));
    expect(err.code).toBe(503);
    expect(err.reason, err.message).toBe('ServiceUnavailable');
  } finally {
    await etcd.resume();
  }
  await eventually('etcd back', async () => ((await s.healthy()) ? true : undefined), 15_000);
  expect(await s.get('/registry/configmaps/default/refused')).toBeUndefined();
});

test('a write etcd refuses for its space quota (alarm NOSPACE) is a 500 that says how to recover, not "may have succeeded"; the documented recovery works', async () => {
  const small = await startEtcd({ args: ['--quota-backend-bytes', String(8 * 1024 * 1024)] });
  const st = await createEtcdStorage({ endpoints: [small.endpoint], prefix: '/quota/registry' });
  const etcdctl = (...args: string[]) => {
    const out = spawnSync('etcdctl', ['--endpoints', small.endpoint, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    return out.stdout;
  };
  try {
    let refused: ApiError | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      try {
        await st.create(`/registry/configmaps/default/fill-${i}`, cm(`fill-${i}`, { v: 'x'.repeat(1_000_000) }));
      } catch (err) {
        refused = err as ApiError;
      }
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused!.code).toBe(500);
    expect(refused!.message).toMatch(/database space exceeded.*NOSPACE/);
    expect(etcdctl('alarm', 'list')).toMatch(/NOSPACE/);
    // docs/operations.md: free space, compact, defragment, disarm.
    for (const item of (await st.list('/registry/configmaps/default/')).items) await st.delete(`/registry/configmaps/default/${item.metadata.name}`);
    etcdctl('compact', String(await st.currentRevision()));
    etcdctl('defrag');
    etcdctl('alarm', 'disarm');
    await st.create('/registry/configmaps/default/after', cm('after'));
  } finally {
    await st.close();
    await small.stop();
  }
});
