// Objects too large for etcd, over HTTP against a real etcd: 413 RequestEntityTooLarge
// naming the limit, on every write path, never 500 ("etcdserver: request is too large")
// or 503 with Retry-After (gRPC refusing the message), which retrying clients repeated
// forever. The limit is the apiserver's --etcd-max-request-bytes (etcd's default
// --max-request-bytes, 1.5 MiB); an etcd configured lower is mapped to 413 as well.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';

const PODS = '/api/v1/namespaces/default/pods';
const CMS = '/api/v1/namespaces/default/configmaps';

function pod(name: string, envBytes: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'BIG', value: 'x'.repeat(envBytes) }] }] },
  };
}

function expectTooLarge(res: { status: number; body: any; headers: Headers }, limit: RegExp) {
  expect(res.status).toBe(413);
  expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', code: 413 });
  expect(res.body.message).toMatch(limit);
  expect(res.headers.get('retry-after')).toBeNull();
}

describe('default limit (etcd --max-request-bytes 1.5 MiB)', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startTestApiServer();
  });
  afterAll(async () => {
    await s?.stop();
  });

  test('a 1.9 MB pod (was 500) and a 2.1 MB pod (was 503 + Retry-After) are 413 naming the limit; nothing is stored', async () => {
    for (const [name, size] of [['big-19', 1_900_000], ['big-21', 2_100_000]] as const) {
      const res = await apiRequest(s, 'POST', PODS, pod(name, size));
      expectTooLarge(res, /1572864 bytes/);
      expect(res.body.message).toMatch(/--etcd-max-request-bytes/);
      expect((await apiRequest(s, 'GET', `${PODS}/${name}`)).status).toBe(404);
    }
  });

  test('just under the limit is stored', async () => {
    const res = await apiRequest(s, 'POST', PODS, pod('big-14', 1_400_000));
    expect(res.status).toBe(201);
  });

  test('a patch and a status update that grow an object past the limit are 413; the stored object is unchanged', async () => {
    const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
    const deploy = {
      metadata: { name: 'grows' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'grows' } }, template: { metadata: { labels: { app: 'grows' } }, spec: pod('x', 10).spec } },
    };
    expect((await apiRequest(s, 'POST', DEPLOYS, deploy)).status).toBe(201);
    const before = await apiRequest(s, 'GET', `${DEPLOYS}/grows`);
    const patch = { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'BIG', value: 'y'.repeat(1_700_000) }] }] } } } };
    expectTooLarge(await apiRequest(s, 'PATCH', `${DEPLOYS}/grows`, patch, { contentType: 'application/strategic-merge-patch+json' }), /1572864/);
    expect((await apiRequest(s, 'GET', `${DEPLOYS}/grows`)).body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);

    expect((await apiRequest(s, 'POST', PODS, pod('status-grows', 10))).status).toBe(201);
    const cur = await apiRequest(s, 'GET', `${PODS}/status-grows`);
    const status = await apiRequest(s, 'PUT', `${PODS}/status-grows/status`, { ...cur.body, status: { phase: 'Pending', message: 'z'.repeat(1_700_000) } });
    expectTooLarge(status, /1572864/);
    expect((await apiRequest(s, 'GET', `${PODS}/status-grows`)).body.metadata.resourceVersion).toBe(cur.body.metadata.resourceVersion);
  });
});

describe('configured limits', () => {
  test('the apiserver limit (--etcd-max-request-bytes) is enforced and named', async () => {
    const s = await startTestApiServer({ storage: { maxRequestBytes: 200_000 } });
    try {
      const res = await apiRequest(s, 'POST', CMS, { metadata: { name: 'cm' }, data: { k: 'v'.repeat(300_000) } });
      expectTooLarge(res, /the object is \d+ bytes encoded.*at most 200000 bytes/);
      expect((await apiRequest(s, 'POST', CMS, { metadata: { name: 'cm' }, data: { k: 'v'.repeat(150_000) } })).status).toBe(201);
    } finally {
      await s.stop();
    }
  });

  test('an etcd configured lower than the apiserver: etcd\'s own "request is too large" is 413 too', async () => {
    const etcd: TestEtcd = await startEtcd({ args: ['--max-request-bytes', '100000'] });
    const s = await startTestApiServer({ etcd });
    try {
      const res = await apiRequest(s, 'POST', CMS, { metadata: { name: 'cm' }, data: { k: 'v'.repeat(150_000) } });
      expectTooLarge(res, /request is too large.*--max-request-bytes/);
      expect((await apiRequest(s, 'GET', `${CMS}/cm`)).status).toBe(404);
    } finally {
      await s.stop();
      await etcd.stop();
    }
  });
});
