// ApiClient against a real apiserver over a real etcd: CRUD for several kinds, typed
// errors, subresources, watch, TLS verification and auth failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, isUnauthorized, isUnavailable, type Status } from '../../api/errors.js';
import type { ConfigMap, Deployment, Pod } from '../../api/types.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { freePort } from '../helpers/ports.js';

let api: TestApiServer;
let client: ApiClient;

beforeAll(async () => {
  api = await startTestApiServer();
  client = new ApiClient({ server: api.url, token: api.token });
});
afterAll(async () => {
  client?.close();
  await api?.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }, ns = 'default'): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns, labels: { app: 'demo' } },
  data,
});

const deployment = (name: string): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'default' },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'orch.local/web:latest' }] } },
  },
});

describe('ApiClient against the real apiserver', () => {
  it('create / get / list / update / patch / delete a ConfigMap with typed errors', async () => {
    const created = await client.configmaps.create(cm('c1'));
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(isAlreadyExists(await client.configmaps.create(cm('c1')).catch((e) => e))).toBe(true);

    const got = await client.configmaps.get('c1', 'default');
    expect(got.data).toEqual({ a: '1' });
    expect(isNotFound(await client.configmaps.get('nope', 'default').catch((e) => e))).toBe(true);

    const updated = await client.configmaps.update({ ...got, data: { a: '2' } });
    expect(updated.data).toEqual({ a: '2' });
    // Stale resourceVersion: 409 Conflict.
    expect(isConflict(await client.configmaps.update({ ...got, data: { a: '3' } }).catch((e) => e))).toBe(true);

    const merged = await client.configmaps.patch('c1', 'default', { data: { b: 'x' } });
    expect(merged.data).toEqual({ a: '2', b: 'x' });
    const jsonPatched = await client.configmaps.patch('c1', 'default', [{ op: 'remove', path: '/data/a' }], 'json');
    expect(jsonPatched.data).toEqual({ b: 'x' });

    await client.configmaps.create(cm('c2', { z: '1' }));
    const list = await client.configmaps.list({ namespace: 'default', labelSelector: 'app=demo' });
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(['c1', 'c2']);
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
    const page = await client.configmaps.list({ namespace: 'default', labelSelector: 'app=demo', limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.metadata.continue).toBeTruthy();
    const page2 = await client.configmaps.list({ namespace: 'default', labelSelector: 'app=demo', limit: 1, continue: page.metadata.continue });
    expect(page2.items[0]!.metadata.name).not.toBe(page.items[0]!.metadata.name);

    const del = await client.configmaps.delete('c1', 'default');
    expect((del as Status).kind === 'Status' || (del as ConfigMap).metadata?.name === 'c1').toBe(true);
    expect(isNotFound(await client.configmaps.get('c1', 'default').catch((e) => e))).toBe(true);
    expect(isNotFound(await client.configmaps.delete('c1', 'default').catch((e) => e))).toBe(true);
  });

  it('reports validation failures as 422 Invalid with field causes', async () => {
    const bad: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name', namespace: 'default' }, spec: { containers: [] } };
    const err = await client.pods.create(bad).catch((e) => e);
    expect(isInvalid(err)).toBe(true);
    expect(err.status.details?.causes?.length).toBeGreaterThan(0);
  });

  it('pods: status subresource, binding, scale of deployments', async () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'orch.local/busybox:latest' }] } };
    await client.pods.create(pod);
    await client.pods.bind({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1', namespace: 'default' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } });
    expect((await client.pods.get('p1', 'default')).spec.nodeName).toBe('node-1');
    const rebind = await client.pods.bind({ metadata: { name: 'p1', namespace: 'default' }, target: { name: 'node-2' } }).catch((e) => e);
    expect(isConflict(rebind)).toBe(true);
    const withStatus = await client.pods.patchStatus('p1', 'default', { status: { phase: 'Running' } });
    expect(withStatus.status?.phase).toBe('Running');
    const fresh = await client.pods.get('p1', 'default');
    await client.pods.updateStatus({ ...fresh, status: { ...fresh.status, phase: 'Succeeded' } });
    expect((await client.pods.get('p1', 'default')).status?.phase).toBe('Succeeded');
    await client.pods.delete('p1', 'default', { gracePeriodSeconds: 0 });

    await client.deployments.create(deployment('web'));
    const scale = await client.deployments.getScale('web', 'default');
    expect(scale.spec.replicas).toBe(2);
    await client.deployments.updateScale('web', 'default', { ...scale, spec: { replicas: 5 } });
    expect((await client.deployments.get('web', 'default')).spec.replicas).toBe(5);
    // Generic access by kind / short name hits the same endpoints.
    expect((await client.resource<Deployment>('deploy').get('web', 'default')).metadata.name).toBe('web');
  });

  it('watch streams changes after a resourceVersion, in order', async () => {
    const start = await client.configmaps.list({ namespace: 'default' });
    const w = client.configmaps.watch({ namespace: 'default', resourceVersion: start.metadata.resourceVersion });
    const seen: string[] = [];
    const done = (async () => {
      for await (const ev of w) {
        seen.push(`${ev.type} ${ev.object.metadata.name}`);
        if (seen.length === 3) w.stop();
      }
    })();
    await client.configmaps.create(cm('w1'));
    await client.configmaps.patch('w1', 'default', { data: { q: 'r' } });
    await client.configmaps.delete('w1', 'default');
    await done;
    expect(seen).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  });

  it('a compacted resourceVersion gives an ERROR event with code 410 (or a 410 response)', async () => {
    const before = await client.configmaps.list({ namespace: 'default' });
    await client.configmaps.create(cm('compact-1'));
    await client.configmaps.delete('compact-1', 'default');
    await api.storage.compact(await api.storage.currentRevision());
    const w = client.configmaps.watch({ namespace: 'default', resourceVersion: before.metadata.resourceVersion });
    let code: number | undefined;
    try {
      for await (const ev of w) {
        if (ev.type === 'ERROR') {
          code = (ev.object as unknown as Status).code;
          break;
        }
      }
    } catch (err) {
      if (isGone(err)) code = 410;
      else throw err;
    } finally {
      w.stop();
    }
    expect(code).toBe(410);
  });

  it('EventRecorder writes deduplicated Events the server accepts', async () => {
    const target = await client.configmaps.create(cm('evt-target'));
    const rec = new EventRecorder(client, { component: 'client-e2e', host: 'test-host' });
    for (let i = 0; i < 3; i++) rec.record(target, 'Warning', 'Flapping', 'it flaps');
    rec.record(target, 'Normal', 'Calm', 'it calmed down');
    await rec.flush();
    const evs = (await client.events.list({ namespace: 'default', fieldSelector: 'metadata.namespace=default' })).items.filter(
      (e) => e.involvedObject?.name === 'evt-target',
    );
    expect(evs.map((e) => [e.reason, e.count]).sort()).toEqual([
      ['Calm', 1],
      ['Flapping', 3],
    ]);
    expect(evs[0]!.involvedObject).toMatchObject({ kind: 'ConfigMap', namespace: 'default', uid: target.metadata.uid });
  });

  it('raw request() reaches discovery endpoints', async () => {
    const v = await client.request<{ gitVersion?: string; major?: string }>('GET', '/version');
    expect(v).toBeTypeOf('object');
    const api1 = await client.request<{ resources: { name: string }[] }>('GET', '/api/v1');
    expect(api1.resources.map((r) => r.name)).toContain('pods');
  });

  it('without or with a wrong token: 401; unreachable server: 503 naming the URL', async () => {
    expect(isUnauthorized(await new ApiClient({ server: api.url }).pods.list().catch((e) => e))).toBe(true);
    expect(isUnauthorized(await new ApiClient({ server: api.url, token: 'wrong' }).pods.list().catch((e) => e))).toBe(true);
    const port = await freePort();
    const err = await new ApiClient({ server: `http://127.0.0.1:${port}`, token: 'x' }).pods.list().catch((e) => e);
    expect(isUnavailable(err)).toBe(true);
    expect(err.message).toContain(`cannot reach the API server at http://127.0.0.1:${port}`);
  });
});

describe('ApiClient over HTTPS', () => {
  let tlsApi: TestApiServer;
  beforeAll(async () => {
    tlsApi = await startTestApiServer({ tls: true, etcd: api.etcd });
  });
  afterAll(async () => {
    await tlsApi?.stop();
  });

  it('verifies the server with the given CA; fails clearly without it; insecureSkipTLSVerify works', async () => {
    const ok = new ApiClient({ server: tlsApi.url, token: tlsApi.token, ca: tlsApi.ca });
    expect((await ok.namespaces.get('default')).metadata.name).toBe('default');
    ok.close();
    const untrusted = await new ApiClient({ server: tlsApi.url, token: tlsApi.token }).namespaces.get('default').catch((e) => e);
    expect(isUnavailable(untrusted)).toBe(true);
    expect(untrusted.message).toMatch(/certificate/i);
    const insecure = new ApiClient({ server: tlsApi.url, token: tlsApi.token, insecureSkipTLSVerify: true });
    expect((await insecure.namespaces.get('default')).metadata.name).toBe('default');
    insecure.close();
  });
});
