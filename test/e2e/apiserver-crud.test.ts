// CRUD and write semantics over real HTTP against a real etcd: every kind, server-set
// metadata, generation and status/spec separation, no-op writes, generateName, patches,
// scale and binding subresources, optimistic concurrency under load, paging, selectors.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RESOURCES, resourcePath, type ResourceInfo } from '../../api/resources.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { createNodeCsr, newPrivateKeyPem } from '../../foundation/pki-csr.js';

const csrRequest = Buffer.from(createNodeCsr(newPrivateKeyPem(), 'crud')).toString('base64');

let s: TestApiServer;
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);

beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s?.stop();
});

const podSpec = { containers: [{ name: 'c', image: 'orch.local/busybox:latest' }] };
const template = { metadata: { labels: { app: 'x' } }, spec: podSpec };

/** A valid object of every kind, and a spec-ish change that an update can make. */
function sample(r: ResourceInfo, name: string): Record<string, any> {
  const metadata = { name, labels: { suite: 'crud' } };
  switch (r.kind) {
    case 'Namespace':
      return { metadata };
    case 'Node':
      return { metadata, spec: { unschedulable: false } };
    case 'Pod':
      return { metadata, spec: podSpec };
    case 'Service':
      return { metadata, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] } };
    case 'Endpoints':
      return { metadata, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] };
    case 'ConfigMap':
      return { metadata, data: { k: 'v' } };
    case 'Secret':
      return { metadata, stringData: { password: 'hunter2' } };
    case 'Event':
      return { metadata, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'hello', type: 'Normal' };
    case 'Deployment':
    case 'ReplicaSet':
      return { metadata, spec: { replicas: 1, selector: { matchLabels: { app: 'x' } }, template } };
    case 'DaemonSet':
      return { metadata, spec: { selector: { matchLabels: { app: 'x' } }, template } };
    case 'StatefulSet':
      return { metadata, spec: { replicas: 1, serviceName: 'x', selector: { matchLabels: { app: 'x' } }, template } };
    case 'ControllerRevision':
      return { metadata, data: { spec: { template: { $patch: 'replace' } } }, revision: 1 };
    case 'Lease':
      return { metadata, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } };
    case 'EndpointSlice':
      return { metadata, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: 80 }] };
    case 'PodDisruptionBudget':
      return { metadata, spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } } };
    case 'ServiceAccount':
      return { metadata, automountServiceAccountToken: false };
    case 'Role':
    case 'ClusterRole':
      return { metadata, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return { metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }] };
    case 'CertificateSigningRequest':
      return { metadata, spec: { request: csrRequest, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], expirationSeconds: 3600 } };
    case 'PersistentVolume':
      return { metadata, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/crud' } } };
    case 'PersistentVolumeClaim':
      return { metadata, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } };
    case 'StorageClass':
      return { metadata, provisioner: 'example.com/crud' };
    case 'Job':
      return { metadata, spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } };
    case 'CronJob':
      return { metadata, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } } } };
    case 'HorizontalPodAutoscaler':
      return { metadata, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } };
    case 'ValidatingWebhookConfiguration':
    case 'MutatingWebhookConfiguration':
      // Rules that match no kind the other tests write, and Ignore: never called here.
      return { metadata, webhooks: [{ name: 'crud.example.com', clientConfig: { url: 'https://127.0.0.1:9/admit' }, rules: [{ operations: ['CREATE'], apiGroups: ['example.com'], apiVersions: ['v1'], resources: ['widgets'] }], sideEffects: 'None', admissionReviewVersions: ['v1'], failurePolicy: 'Ignore' }] };
    default:
      throw new Error(`no sample for ${r.kind}`);
  }
}

describe('CRUD for every kind', () => {
  for (const r of RESOURCES) {
    test(`${r.kind}: create, get, list, update, patch, delete`, async () => {
      const ns = r.namespaced ? 'default' : undefined;
      const name = `crud-${r.singular}`;
      const coll = resourcePath(r, { namespace: ns });
      const one = resourcePath(r, { namespace: ns, name });

      const created = await req('POST', coll, sample(r, name));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const md = created.body.metadata;
      expect(md.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(md.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(Number(md.resourceVersion)).toBeGreaterThan(0);
      expect(created.body.kind).toBe(r.kind);
      if (ns) expect(md.namespace).toBe(ns);

      const again = await req('POST', coll, sample(r, name));
      expect(again.status).toBe(409);
      expect(again.body.reason).toBe('AlreadyExists');

      const got = await req('GET', one);
      expect(got.status).toBe(200);
      expect(got.body.metadata.resourceVersion).toBe(md.resourceVersion);

      const list = await req('GET', `${coll}?labelSelector=suite%3Dcrud`);
      expect(list.status).toBe(200);
      expect(list.body.kind).toBe(r.listKind);
      expect(list.body.items.map((i: any) => i.metadata.name)).toContain(name);
      expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(md.resourceVersion));

      const upd = { ...got.body, metadata: { ...got.body.metadata, labels: { suite: 'crud', updated: 'yes' } } };
      const put = await req('PUT', one, upd);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(put.body.metadata.labels.updated).toBe('yes');
      expect(Number(put.body.metadata.resourceVersion)).toBeGreaterThan(Number(md.resourceVersion));
      expect(put.body.metadata.uid).toBe(md.uid);

      const patched = await req('PATCH', one, { metadata: { annotations: { note: 'n' } } }, { contentType: 'application/merge-patch+json' });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.metadata.annotations.note).toBe('n');

      const del = await req('DELETE', one);
      expect(del.status, JSON.stringify(del.body)).toBe(200);
      if (r.kind === 'Namespace') return; // removed asynchronously by the cleanup loop
      if (r.kind === 'PersistentVolume' || r.kind === 'PersistentVolumeClaim') {
        // Protection finalizer (no controller here): deletion waits for it, then completes.
        expect(del.body.metadata.deletionTimestamp).toBeTruthy();
        const released = await req('PATCH', one, { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
        expect(released.status, JSON.stringify(released.body)).toBe(200);
      }
      const gone = await req('GET', one);
      expect(gone.status).toBe(404);
      expect(gone.body.reason).toBe('NotFound');
    });
  }

  test('cluster-wide list of a namespaced kind', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'other' } });
    await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cw-a' } });
    await req('POST', '/api/v1/namespaces/other/configmaps', { metadata: { name: 'cw-b' } });
    const all = await req('GET', '/api/v1/configmaps');
    const names = all.body.items.map((i: any) => `${i.metadata.namespace}/${i.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining(['default/cw-a', 'other/cw-b']));
    const onlyDefault = await req('GET', '/api/v1/namespaces/default/configmaps');
    expect(onlyDefault.body.items.map((i: any) => i.metadata.name)).not.toContain('cw-b');
  });

  test('secrets: stringData is merged into base64 data', async () => {
    const res = await req('GET', '/api/v1/namespaces/default/secrets');
    expect(res.status).toBe(200);
    const c = await req('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'sd' }, stringData: { a: 'hello' } });
    expect(c.status).toBe(201);
    expect(c.body.data.a).toBe(Buffer.from('hello').toString('base64'));
    expect(c.body.stringData).toBeUndefined();
  });
});

describe('write semantics', () => {
  test('generation moves on spec changes only; main endpoint ignores status; /status ignores spec', async () => {
    const base = '/apis/apps/v1/namespaces/default/deployments';
    const c = await req('POST', base, { ...sample(RESOURCES.find((r) => r.kind === 'Deployment')!, 'gen'), status: { replicas: 99 } });
    expect(c.status).toBe(201);
    expect(c.body.metadata.generation).toBe(1);
    expect(c.body.status?.replicas).toBeUndefined(); // status reset on create

    // Label change: no generation bump.
    let r = await req('PATCH', `${base}/gen`, { metadata: { labels: { l: '1' } } }, { contentType: 'application/merge-patch+json' });
    expect(r.body.metadata.generation).toBe(1);
    // Spec change: bump.
    r = await req('PATCH', `${base}/gen`, { spec: { replicas: 3 } }, { contentType: 'application/merge-patch+json' });
    expect(r.body.metadata.generation).toBe(2);
    // Status through the main endpoint is ignored (no change at all → RV kept).
    const rv = r.body.metadata.resourceVersion;
    r = await req('PATCH', `${base}/gen`, { status: { replicas: 7 } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(200);
    expect(r.body.status?.replicas).toBeUndefined();
    expect(r.body.metadata.resourceVersion).toBe(rv);
    // /status changes status only, ignores spec, no generation bump.
    r = await req('PUT', `${base}/gen/status`, { ...r.body, spec: { ...r.body.spec, replicas: 50 }, status: { replicas: 3, observedGeneration: 2 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.status.replicas).toBe(3);
    expect(r.body.spec.replicas).toBe(3);
    expect(r.body.metadata.generation).toBe(2);
    // Merge patch on /status too.
    r = await req('PATCH', `${base}/gen/status`, { status: { readyReplicas: 2 } }, { contentType: 'application/merge-patch+json' });
    expect(r.body.status).toMatchObject({ replicas: 3, readyReplicas: 2 });
  });

  test('no-op update and patch keep the resourceVersion', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'noop' }, data: { a: '1' } });
    const put = await req('PUT', '/api/v1/namespaces/default/configmaps/noop', c.body);
    expect(put.status).toBe(200);
    expect(put.body.metadata.resourceVersion).toBe(c.body.metadata.resourceVersion);
    const patch = await req('PATCH', '/api/v1/namespaces/default/configmaps/noop', { data: { a: '1' } }, { contentType: 'application/merge-patch+json' });
    expect(patch.body.metadata.resourceVersion).toBe(c.body.metadata.resourceVersion);
    // ConfigMaps have no spec: data changes do not set a generation.
    const changed = await req('PATCH', '/api/v1/namespaces/default/configmaps/noop', { data: { a: '2' } }, { contentType: 'application/merge-patch+json' });
    expect(changed.body.metadata.generation).toBeUndefined();
    expect(changed.body.metadata.resourceVersion).not.toBe(c.body.metadata.resourceVersion);
  });

  test('PUT with a stale resourceVersion is 409; without one it is last-write-wins', async () => {
    const c = await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cas' }, data: { n: '0' } });
    const ok = await req('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...c.body, data: { n: '1' } });
    expect(ok.status).toBe(200);
    const stale = await req('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...c.body, data: { n: '2' } });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    const { resourceVersion: _rv, ...mdNoRv } = c.body.metadata;
    const blind = await req('PUT', '/api/v1/namespaces/default/configmaps/cas', { ...c.body, metadata: mdNoRv, data: { n: '3' } });
    expect(blind.status).toBe(200);
    expect(blind.body.data.n).toBe('3');
  });

  test('JSON patch and strategic merge patch', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'pp', labels: { a: '1' } }, spec: { containers: [{ name: 'a', image: 'img:1' }, { name: 'b', image: 'img:1' }] } });
    let r = await req('PATCH', '/api/v1/namespaces/default/pods/pp', [{ op: 'replace', path: '/metadata/labels/a', value: '2' }], { contentType: 'application/json-patch+json' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.metadata.labels.a).toBe('2');
    // Strategic merge: containers merge by name; only b's image changes.
    r = await req('PATCH', '/api/v1/namespaces/default/pods/pp', { spec: { containers: [{ name: 'b', image: 'img:2' }] } }, { contentType: 'application/strategic-merge-patch+json' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.spec.containers.map((c: any) => `${c.name}=${c.image}`)).toEqual(['a=img:1', 'b=img:2']);
    // A failing JSON-patch test op is a client error.
    r = await req('PATCH', '/api/v1/namespaces/default/pods/pp', [{ op: 'test', path: '/metadata/labels/a', value: 'nope' }], { contentType: 'application/json-patch+json' });
    expect([409, 422]).toContain(r.status);
  });

  test('generateName gets a random 5-character suffix', async () => {
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' } });
      expect(r.status).toBe(201);
      expect(r.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      names.add(r.body.metadata.name);
    }
    expect(names.size).toBe(5);
  });

  test('YAML bodies are accepted', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', undefined, {
      rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: "v"\n',
      contentType: 'application/yaml',
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.data.k).toBe('v');
  });

  test('update or patch of a missing object is 404', async () => {
    const r = await req('PUT', '/api/v1/namespaces/default/configmaps/missing', { metadata: { name: 'missing' } });
    expect(r.status).toBe(404);
    const p = await req('PATCH', '/api/v1/namespaces/default/configmaps/missing', { data: {} }, { contentType: 'application/merge-patch+json' });
    expect(p.status).toBe(404);
  });

  test('delete collection with a label selector', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'dc' } });
    for (const [n, l] of [['a', 'x'], ['b', 'x'], ['c', 'y']]) await req('POST', '/api/v1/namespaces/dc/configmaps', { metadata: { name: n, labels: { l } } });
    const r = await req('DELETE', '/api/v1/namespaces/dc/configmaps?labelSelector=l%3Dx');
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: any) => i.metadata.name).sort()).toEqual(['a', 'b']);
    const left = await req('GET', '/api/v1/namespaces/dc/configmaps');
    expect(left.body.items.map((i: any) => i.metadata.name)).toEqual(['c']);
  });

  test('dryRun=All validates without storing', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', { metadata: { name: 'dry' } });
    expect(r.status).toBe(200);
    expect((await req('GET', '/api/v1/namespaces/default/configmaps/dry')).status).toBe(404);
  });
});

describe('subresources', () => {
  test('scale: GET, PUT and PATCH an autoscaling/v1 Scale', async () => {
    const base = '/apis/apps/v1/namespaces/default/replicasets';
    await req('POST', base, sample(RESOURCES.find((r) => r.kind === 'ReplicaSet')!, 'sc'));
    let r = await req('GET', `${base}/sc/scale`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 0, selector: 'app=x' } });
    r = await req('PUT', `${base}/sc/scale`, { ...r.body, spec: { replicas: 4 } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.spec.replicas).toBe(4);
    r = await req('PATCH', `${base}/sc/scale`, { spec: { replicas: 6 } }, { contentType: 'application/merge-patch+json' });
    expect(r.body.spec.replicas).toBe(6);
    const rs = await req('GET', `${base}/sc`);
    expect(rs.body.spec.replicas).toBe(6);
    expect(rs.body.metadata.generation).toBe(3);
    r = await req('PATCH', `${base}/sc/scale`, { spec: { replicas: -1 } }, { contentType: 'application/merge-patch+json' });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('spec.replicas');
  });

  test('binding sets nodeName once; a second binding is 409', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'bindme' }, spec: podSpec });
    let r = await req('POST', '/api/v1/namespaces/default/pods/bindme/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bindme' }, target: { kind: 'Node', name: 'node-a' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const pod = await req('GET', '/api/v1/namespaces/default/pods/bindme');
    expect(pod.body.spec.nodeName).toBe('node-a');
    expect(pod.body.status.conditions.find((c: any) => c.type === 'PodScheduled')?.status).toBe('True');
    r = await req('POST', '/api/v1/namespaces/default/pods/bindme/binding', { target: { name: 'node-b' } });
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('already assigned');
    // Changing nodeName by update is rejected (pod spec is immutable).
    const upd = await req('PATCH', '/api/v1/namespaces/default/pods/bindme', { spec: { nodeName: 'node-c' } }, { contentType: 'application/merge-patch+json' });
    expect(upd.status).toBe(422);
  });

  test('20 concurrent bindings of one pod: exactly one wins', async () => {
    await req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'race' }, spec: podSpec });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => req('POST', '/api/v1/namespaces/default/pods/race/binding', { target: { name: `n${i}` } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
  });
});

describe('concurrency', () => {
  test('50 concurrent read-modify-write clients: final value equals the number of successes', async () => {
    await req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'counter' }, data: { n: '0' } });
    let successes = 0;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const cur = await req('GET', '/api/v1/namespaces/default/configmaps/counter');
        const n = Number(cur.body.data.n) + 1;
        const r = await req('PUT', '/api/v1/namespaces/default/configmaps/counter', { ...cur.body, data: { n: String(n) } });
        if (r.status === 200) successes++;
        else if (r.status === 409) conflicts++;
        else throw new Error(`unexpected ${r.status}`);
      }),
    );
    const final = await req('GET', '/api/v1/namespaces/default/configmaps/counter');
    expect(successes + conflicts).toBe(50);
    expect(successes).toBeGreaterThan(0);
    expect(Number(final.body.data.n)).toBe(successes);
  });

  test('20 concurrent creates of one name: exactly one 201', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => req('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'once' } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409 && r.body.reason === 'AlreadyExists')).toHaveLength(19);
  });
});

describe('list options', () => {
  beforeAll(async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'paging' } });
    for (let i = 0; i < 25; i++) {
      const r = await req('POST', '/api/v1/namespaces/paging/configmaps', {
        metadata: { name: `cm-${String(i).padStart(2, '0')}`, labels: { parity: i % 2 ? 'odd' : 'even', tier: i < 10 ? 'a' : 'b' } },
      });
      expect(r.status).toBe(201);
    }
  });

  test('limit + continue gives consistent pages from one revision', async () => {
    const seen: string[] = [];
    let cont: string | undefined;
    let rv: string | undefined;
    let first = true;
    do {
      const r: any = await req('GET', `/api/v1/namespaces/paging/configmaps?limit=7${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(7);
      if (rv) expect(r.body.metadata.resourceVersion).toBe(rv);
      rv = r.body.metadata.resourceVersion;
      seen.push(...r.body.items.map((i: any) => i.metadata.name));
      cont = r.body.metadata.continue;
      if (first) {
        expect(r.body.metadata.remainingItemCount).toBe(18);
        // A write between pages is not visible in later pages (same revision).
        await req('POST', '/api/v1/namespaces/paging/configmaps', { metadata: { name: 'cm-99-late' } });
        first = false;
      }
    } while (cont);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, '0')}`));
    await req('DELETE', '/api/v1/namespaces/paging/configmaps/cm-99-late');
  });

  test('label selectors: =, !=, in, notin, exists, !key', async () => {
    const names = async (sel: string) =>
      (await req('GET', `/api/v1/namespaces/paging/configmaps?labelSelector=${encodeURIComponent(sel)}`)).body.items.length;
    expect(await names('parity=odd')).toBe(12);
    expect(await names('parity==even')).toBe(13);
    expect(await names('parity!=odd')).toBe(13);
    expect(await names('tier in (a)')).toBe(10);
    expect(await names('tier notin (a),parity=odd')).toBe(7);
    expect(await names('tier')).toBe(25);
    expect(await names('!tier')).toBe(0);
  });

  test('field selectors and selector + limit', async () => {
    let r = await req('GET', '/api/v1/namespaces/paging/configmaps?fieldSelector=metadata.name%3Dcm-03');
    expect(r.body.items.map((i: any) => i.metadata.name)).toEqual(['cm-03']);
    r = await req('GET', '/api/v1/namespaces/paging/configmaps?fieldSelector=metadata.name!%3Dcm-03');
    expect(r.body.items).toHaveLength(24);
    r = await req('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dpaging&labelSelector=parity%3Dodd&limit=5');
    expect(r.body.items).toHaveLength(5);
    expect(r.body.items.every((i: any) => i.metadata.labels.parity === 'odd')).toBe(true);
    await req('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'fs-pod' }, spec: { ...podSpec, nodeName: 'fs-node' } });
    r = await req('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dfs-node');
    expect(r.body.items.map((i: any) => i.metadata.name)).toEqual(['fs-pod']);
    r = await req('GET', '/api/v1/pods?fieldSelector=status.phase%3DPending,spec.nodeName%3Dfs-node');
    expect(r.body.items).toHaveLength(1);
  });
});
