// The serviceaccount and root-ca-cert-publisher controllers against a real apiserver:
// every namespace gets ServiceAccount `default` and ConfigMap kube-root-ca.crt (the CA
// of --root-ca-file), both put back when deleted, the ConfigMap also when edited.

import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ConfigMap } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { generateCA } from '../../foundation/pki.js';
import { ControllerManager } from '../../controller/manager.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let api: TestApiServer;
let client: ApiClient;
let manager: ControllerManager;
const ca = generateCA({ commonName: 'orch-test-root', validDays: 1 }).certPem;

beforeAll(async () => {
  api = await startTestApiServer();
  client = new ApiClient({ server: api.url, token: api.token });
  manager = new ControllerManager({ client, logger: silentLogger(), controllers: ['serviceaccount', 'root-ca-cert-publisher'], rootCa: ca });
  await manager.start();
});
afterAll(async () => {
  await manager?.stop();
  await api?.stop();
});

test('a new namespace gets ServiceAccount default and ConfigMap kube-root-ca.crt; deleted ones come back', async () => {
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  const sa = await eventually('default SA', () => client.resource('serviceaccounts').get('default', 'team-a'), 10_000);
  const cm = await eventually('root CA config map', () => client.configmaps.get('kube-root-ca.crt', 'team-a'), 10_000);
  expect(cm.data).toEqual({ 'ca.crt': ca });
  expect(cm.metadata.annotations?.['kubernetes.io/description']).toContain('kube-apiserver');

  await client.resource('serviceaccounts').delete('default', 'team-a');
  const again = await eventually('default SA recreated', () => client.resource('serviceaccounts').get('default', 'team-a'), 10_000);
  expect(again.metadata.uid).not.toBe(sa.metadata.uid);

  await client.configmaps.delete('kube-root-ca.crt', 'team-a');
  await eventually('root CA config map recreated', () => client.configmaps.get('kube-root-ca.crt', 'team-a'), 10_000);
  const cur = await client.configmaps.get('kube-root-ca.crt', 'team-a');
  await client.configmaps.update({ ...cur, data: { 'ca.crt': 'tampered', extra: 'x' } } as ConfigMap);
  await eventually('root CA config map repaired', async () => {
    const c = await client.configmaps.get('kube-root-ca.crt', 'team-a');
    return JSON.stringify(c.data) === JSON.stringify({ 'ca.crt': ca }) ? c : undefined;
  }, 10_000);
});

test('namespaces that existed before the controllers started are covered', async () => {
  for (const ns of ['default', 'kube-system']) {
    await eventually(`default SA in ${ns}`, () => client.resource('serviceaccounts').get('default', ns), 10_000);
    await eventually(`root CA in ${ns}`, () => client.configmaps.get('kube-root-ca.crt', ns), 10_000);
  }
});
