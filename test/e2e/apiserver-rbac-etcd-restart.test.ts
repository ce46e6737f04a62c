// The RBAC policy cache follows etcd through a restart: while etcd is down the last known
// policy still decides (an outage does not turn into 403s for everyone); once etcd is
// back, bindings created or deleted take effect again within seconds.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

const G = 'rbac.authorization.k8s.io';
let api: TestApiServer;

const crb = (name: string, user: string) => ({
  apiVersion: `${G}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'system:monitoring' },
  subjects: [{ kind: 'User', apiGroup: G, name: user }],
});
// /metrics needs no etcd: the decision alone answers.
const metrics = async (user: string) => (await apiRequest(api, 'GET', '/metrics', undefined, { token: api.userTokens[user]! })).status;

beforeAll(async () => {
  api = await startTestApiServer({ users: [{ name: 'u' }, { name: 'v' }] });
}, 60_000);

afterAll(async () => {
  await api?.stop();
});

test('decisions survive an etcd outage; changes after it are followed again', async () => {
  expect((await apiRequest(api, 'POST', `/apis/${G}/v1/clusterrolebindings`, crb('u-mon', 'u'))).status).toBe(201);
  await eventually('u allowed', async () => (await metrics('u')) === 200, 5000);
  await api.etcd.pause();
  try {
    expect(await metrics('u')).toBe(200);
    expect(await metrics('v')).toBe(403);
  } finally {
    await api.etcd.resume();
  }
  await eventually('etcd writable again', async () => (await apiRequest(api, 'POST', `/apis/${G}/v1/clusterrolebindings`, crb('v-mon', 'v'))).status === 201, 30_000, 500);
  await eventually('v allowed after the restart', async () => (await metrics('v')) === 200, 10_000);
  expect((await apiRequest(api, 'DELETE', `/apis/${G}/v1/clusterrolebindings/u-mon`)).status).toBe(200);
  await eventually('u refused again', async () => (await metrics('u')) === 403, 10_000);
}, 90_000);
