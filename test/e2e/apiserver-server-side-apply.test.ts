// Server-side apply and managedFields through the real kubectl v1.32 (and client-node
// 1.4.0's KubernetesObjectApi) against a real apiserver over etcd: create by apply, field
// ownership per manager, conflicts with kubectl's own message, --force-conflicts, fields
// removed when no longer applied, no new resourceVersion for an unchanged apply.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';

let s: TestApiServer;
let dir: string;
let c: Clients;

const deploy = (replicas: number, labels: string, image = 'orch.local/busybox:latest') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: { ${labels} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ssa } }
  template:
    metadata: { labels: { app: ssa } }
    spec:
      containers:
        - name: main
          image: ${image}
          command: [sleep, "3600"]
`;

function manifest(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** One request over the server's TLS (fetch cannot be given a CA): JSON answer parsed. */
function apiRequest(_s: TestApiServer, method: string, p: string, body?: unknown, opts: { contentType?: string; rawBody?: string } = {}): Promise<{ status: number; body: any }> {
  const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const rq = https.request(`${s.url}${p}`, { method, ca: s.ca, headers: { Authorization: `Bearer ${s.token}`, ...(payload !== undefined ? { 'Content-Type': opts.contentType ?? 'application/json' } : {}) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    rq.on('error', reject);
    rq.end(payload);
  });
}
const get = async (p: string) => (await apiRequest(s, 'GET', p)).body;
const D = '/apis/apps/v1/namespaces/default/deployments/ssa';

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-ssa-'));
  c = cliClients(s, dir);
});
afterAll(async () => {
  await s?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('kubectl apply --server-side', () => {
  test('creates the object; the applier owns exactly the fields it applied', async () => {
    const r = await c.kubectl(['apply', '--server-side', '-f', manifest('a.yaml', deploy(2, 'app: ssa, tier: web'))]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('deployment.apps/ssa serverside-applied');
    const d = await get(D);
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' }),
    ]);
    const f = d.metadata.managedFields[0].fieldsV1;
    expect(f['f:metadata']).toEqual({ 'f:labels': { 'f:app': {}, 'f:tier': {} } });
    expect(f['f:spec']['f:template']['f:spec']['f:containers']).toEqual({ 'k:{"name":"main"}': { '.': {}, 'f:name': {}, 'f:image': {}, 'f:command': {} } });
    // Defaulted fields (strategy, revisionHistoryLimit, ...) belong to nobody.
    expect(f['f:spec']['f:strategy']).toBeUndefined();
  });

  test('re-applying the same configuration writes nothing', async () => {
    const before = (await get(D)).metadata.resourceVersion;
    const r = await c.kubectl(['apply', '--server-side', '-f', path.join(dir, 'a.yaml')]);
    expect(r.code).toBe(0);
    expect((await get(D)).metadata.resourceVersion).toBe(before);
  });

  test('another manager changing a field makes it theirs: a different value is a conflict kubectl explains, --force-conflicts takes it back', async () => {
    expect((await c.kubectl(['scale', 'deployment/ssa', '--replicas=5'])).code).toBe(0);
    const owners = (await get(D)).metadata.managedFields.map((e: { manager: string; operation: string; subresource?: string }) => `${e.manager}/${e.operation}/${e.subresource ?? ''}`);
    // kubectl scale names no manager: it is the User-Agent's product, as in Kubernetes.
    expect(owners).toEqual(['kubectl/Apply/', 'kubectl/Update/scale']);
    const r = await c.kubectl(['apply', '--server-side', '-f', manifest('b.yaml', deploy(3, 'app: ssa, tier: web'))]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    expect(r.stderr).toContain('--force-conflicts'); // kubectl's own advice follows the server's message
    expect((await get(D)).spec.replicas).toBe(5);
    // The value the other manager set is not a conflict: ownership is shared.
    expect((await c.kubectl(['apply', '--server-side', '-f', manifest('c.yaml', deploy(5, 'app: ssa, tier: web'))])).code).toBe(0);
    const forced = await c.kubectl(['apply', '--server-side', '--force-conflicts', '-f', path.join(dir, 'b.yaml')]);
    expect(forced.code).toBe(0);
    const d = await get(D);
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata.managedFields.map((e: { manager: string }) => e.manager)).toEqual(['kubectl']);
  });

  test('a field the applier stops applying is removed; one another manager owns stays', async () => {
    expect((await c.kubectl(['label', 'deployment/ssa', 'owner=ops'])).code).toBe(0);
    const r = await c.kubectl(['apply', '--server-side', '-f', manifest('d.yaml', deploy(3, 'app: ssa'))]);
    expect(r.code).toBe(0);
    expect((await get(D)).metadata.labels).toEqual({ app: 'ssa', owner: 'ops' });
  });

  test('server-side dry run changes nothing; bad requests are 400s naming the problem', async () => {
    const before = await get(D);
    expect((await c.kubectl(['apply', '--server-side', '--dry-run=server', '-f', manifest('e.yaml', deploy(9, 'app: ssa'))])).code).toBe(0);
    expect((await get(D)).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const apply = (body: string, q = '?fieldManager=t') =>
      apiRequest(s, 'PATCH', `${D}${q}`, undefined, { contentType: 'application/apply-patch+yaml', rawBody: body });
    const cm = (q: string) =>
      apiRequest(s, 'PATCH', `/api/v1/namespaces/default/configmaps/raw-apply${q}`, undefined, {
        contentType: 'application/apply-patch+yaml',
        rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: raw-apply }\ndata: { a: "1" }\n',
      });
    expect((await cm('?fieldManager=t')).status).toBe(201); // created, as a create answers
    expect((await cm('?fieldManager=t')).status).toBe(200);
    let res = await apply(deploy(1, 'app: ssa'), '');
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('fieldManager: Required value: is required for apply patch');
    res = await apply(deploy(1, 'app: ssa').replace('name: ssa', 'name: other'));
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('metadata.name');
    res = await apply(deploy(1, 'app: ssa').replace('kind: Deployment', 'kind: ReplicaSet'));
    expect(res.status).toBe(400);
    res = await apiRequest(s, 'PATCH', `${D}?force=true`, { spec: { replicas: 1 } }, { contentType: 'application/merge-patch+json' });
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('force: Forbidden: may not be specified for non-apply patch');
  });
});

describe('orch apply --server-side', () => {
  test('applies as manager "orch", reports conflicts with what to do, --force-conflicts takes over', async () => {
    const f = manifest('o.yaml', deploy(2, 'app: ssa').replace('name: ssa', 'name: orch-ssa'));
    let r = await c.orch(['apply', '--server-side', '-f', f]);
    expect(r.stdout.trim()).toBe('deployment.apps/orch-ssa serverside-applied');
    const O = '/apis/apps/v1/namespaces/default/deployments/orch-ssa';
    expect((await get(O)).metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`)).toEqual(['orch/Apply']);
    expect((await c.kubectl(['scale', 'deployment/orch-ssa', '--replicas=4'])).code).toBe(0);
    const f3 = manifest('o3.yaml', deploy(3, 'app: ssa').replace('name: ssa', 'name: orch-ssa'));
    r = await c.orch(['apply', '--server-side', '-f', f3]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
    expect(r.stderr).toContain('--force-conflicts');
    r = await c.orch(['apply', '--server-side', '--force-conflicts', '-f', f3]);
    expect(r.code).toBe(0);
    expect((await get(O)).spec.replicas).toBe(3);
    expect((await c.orch(['apply', '--force-conflicts', '-f', f3])).stderr).toContain('--force-conflicts only makes sense with --server-side');
    // Like kubectl, -o yaml/json leave managedFields out unless asked for.
    for (const run of [c.orch, c.kubectl]) {
      expect((await run(['get', 'deployment', 'orch-ssa', '-o', 'yaml'])).stdout).not.toContain('managedFields');
      expect((await run(['get', 'deployment', 'orch-ssa', '-o', 'json', '--show-managed-fields'])).stdout).toContain('"managedFields"');
    }
  });
});

describe('managedFields on ordinary writes', () => {
  test('kubectl create names its manager; later writers take what they change; [{}] clears', async () => {
    expect((await c.kubectl(['create', 'configmap', 'mf', '--from-literal=a=1'])).code).toBe(0);
    const CM = '/api/v1/namespaces/default/configmaps/mf';
    expect((await get(CM)).metadata.managedFields.map((e: { manager: string; fieldsV1: unknown }) => [e.manager, e.fieldsV1])).toEqual([
      ['kubectl-create', { 'f:data': { 'f:a': {} } }],
    ]);
    expect((await c.kubectl(['patch', 'configmap', 'mf', '-p', '{"data":{"b":"2"}}'])).code).toBe(0);
    expect((await get(CM)).metadata.managedFields.map((e: { manager: string }) => e.manager)).toEqual(['kubectl-create', 'kubectl-patch']);
    // An object written only by clients that name no manager carries none.
    await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'plain' }, data: { a: '1' } });
    expect((await get('/api/v1/namespaces/default/configmaps/plain')).metadata.managedFields).toBeUndefined();
    const cleared = await apiRequest(s, 'PATCH', CM, { metadata: { managedFields: [{}] } }, { contentType: 'application/merge-patch+json' });
    expect(cleared.status).toBe(200);
    expect(cleared.body.metadata.managedFields).toBeUndefined();
  });

  test('client-node 1.4.0 KubernetesObjectApi.patch with server-side apply', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: s.url, caData: Buffer.from(s.ca ?? '').toString('base64') }],
      users: [{ name: 'u', token: s.token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const api = k8s.KubernetesObjectApi.makeApiClient(kc);
    const spec = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-client-node', namespace: 'default' }, data: { k: 'v' } };
    const out = await api.patch(spec, undefined, undefined, 'client-node-test', undefined, k8s.PatchStrategy.ServerSideApply);
    expect((out.metadata as { managedFields?: unknown[] } | undefined)?.managedFields?.[0]).toMatchObject({ manager: 'client-node-test', operation: 'Apply' });
    expect((await get('/api/v1/namespaces/default/configmaps/from-client-node')).data).toEqual({ k: 'v' });
  });
});
