// The OpenAPI orch publishes, through the real kubectl v1.32 and the built `orch`:
// `kubectl explain` and `orch explain` read it; kubectl computes its strategic merge
// patches for `apply` from its patch extensions (so re-applied containers, env, ports,
// volumes and tolerations must come out exactly right); kubectl's validation leaves
// unknown fields to the server (fieldValidation=Strict); and a manifest of a kind orch
// does not serve fails with "no matches for kind", not "failed to download openapi".

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';

let s: TestApiServer;
let dir: string;
let c: Clients;

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-openapi-'));
  c = cliClients(s, dir);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function manifest(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** One GET with the test CA (fetch cannot be given one), the body as bytes. */
function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${s.url}${p}`, { ca: s.ca, headers: { authorization: `Bearer ${s.token}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

/** The lines of an explain output that name fields and their types ("  spec\t<PodSpec>"). */
const fieldLines = (out: string) => out.split('\n').filter((l) => /^\s+\S+\t<.*>/.test(l));
/** The header lines both tools print the same way. */
const headLines = (out: string) => out.split('\n').filter((l) => /^(GROUP|KIND|VERSION|FIELD):/.test(l)).map((l) => l.replace(/\s+/g, ' '));

describe('kubectl explain and orch explain read the published schemas', () => {
  test('explain pod: the kind, its description and its top-level fields with types', async () => {
    const k = await c.kubectl(['explain', 'pod']);
    expect(k.stderr).toBe('');
    expect(k.stdout).toMatch(/^KIND:\s+Pod$/m);
    expect(k.stdout).toMatch(/^VERSION:\s+v1$/m);
    expect(k.stdout).toContain('Pod is a collection of containers');
    expect(fieldLines(k.stdout)).toEqual(['  apiVersion\t<string>', '  kind\t<string>', '  metadata\t<ObjectMeta>', '  spec\t<PodSpec>', '  status\t<PodStatus>']);
    const o = await c.orch(['explain', 'pod']);
    expect(o.code).toBe(0);
    expect(headLines(o.stdout)).toEqual(headLines(k.stdout));
    expect(fieldLines(o.stdout)).toEqual(fieldLines(k.stdout));
    expect(o.stdout).toContain('Pod is a collection of containers');
  });

  test('explain pod.spec.containers.livenessProbe: a nested field, its type and its fields', async () => {
    const k = await c.kubectl(['explain', 'pod.spec.containers.livenessProbe']);
    expect(k.stdout).toMatch(/^FIELD:\s+livenessProbe <Probe>$/m);
    expect(k.stdout).toContain('Periodic probe of container liveness.');
    const fields = fieldLines(k.stdout);
    for (const f of ['  httpGet\t<HTTPGetAction>', '  exec\t<ExecAction>', '  tcpSocket\t<TCPSocketAction>', '  grpc\t<GRPCAction>', '  periodSeconds\t<integer>', '  failureThreshold\t<integer>'])
      expect(fields).toContain(f);
    const o = await c.orch(['explain', 'pod.spec.containers.livenessProbe']);
    expect(headLines(o.stdout)).toEqual(headLines(k.stdout));
    expect(fieldLines(o.stdout)).toEqual(fields);
    expect(o.stdout).toContain('Periodic probe of container liveness.');
  });

  test('explain deployment.spec --recursive: the whole tree, required marks, int-or-string', async () => {
    const k = await c.kubectl(['explain', 'deployment.spec', '--recursive']);
    expect(k.stdout).toMatch(/^GROUP:\s+apps$/m);
    const fields = fieldLines(k.stdout);
    for (const f of ['  selector\t<LabelSelector> -required-', '  template\t<PodTemplateSpec> -required-', '      maxSurge\t<IntOrString>', '      containers\t<[]Container> -required-', '          limits\t<map[string]Quantity>'])
      expect(fields).toContain(f);
    expect(fields.length).toBeGreaterThan(300);
    const o = await c.orch(['explain', 'deployment.spec', '--recursive']);
    expect(headLines(o.stdout)).toEqual(headLines(k.stdout));
    expect(fieldLines(o.stdout)).toEqual(fields);
  });

  test('explain svc --api-version=v1', async () => {
    const k = await c.kubectl(['explain', 'svc', '--api-version=v1']);
    expect(k.stdout).toMatch(/^KIND:\s+Service$/m);
    expect(fieldLines(k.stdout)).toContain('  spec\t<ServiceSpec>');
    const o = await c.orch(['explain', 'svc', '--api-version=v1']);
    expect(headLines(o.stdout)).toEqual(headLines(k.stdout));
    expect(fieldLines(o.stdout)).toEqual(fieldLines(k.stdout));
    // A group-qualified type, as `orch get deployments.apps` takes it.
    const q = await c.orch(['explain', 'deployments.apps.spec.strategy']);
    expect(q.stdout).toMatch(/^FIELD: strategy <DeploymentStrategy>$/m);
  });

  test('a field or a type that does not exist: the same errors as kubectl', async () => {
    const k = await c.kubectl(['explain', 'pod.spec.nope']);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain('field "nope" does not exist');
    const o = await c.orch(['explain', 'pod.spec.nope']);
    expect(o.code).not.toBe(0);
    expect(o.stderr).toContain('field "nope" does not exist');
    const t = await c.orch(['explain', 'nope']);
    expect(t.code).not.toBe(0);
    expect(t.stderr).toContain(`the server doesn't have a resource type "nope"`);
  });
});

describe('kubectl apply computes its patches from the published patch extensions', () => {
  const deployment = (spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
${spec}`;

  // topologySpreadConstraints (merged by two keys) were part of this test until orch refused
  // them as unimplemented (api/validation/unimplemented-fields.ts): the scheduler has no such plugin.
  test('re-applied containers, env, ports, volumes, volumeMounts and tolerations come out as written (a live-only env var kept)', async () => {
    const tsc = (_skew: number) => '';
    const v1 = manifest('d1.yaml', deployment(`${tsc(1)}      tolerations:
      - {key: a, operator: Exists}
      - {key: b, operator: Exists}
      volumes:
      - {name: v1, emptyDir: {}}
      - {name: v2, configMap: {name: cm}}
      containers:
      - name: web
        image: orch.local/busybox:1
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
        ports: [{containerPort: 80}, {containerPort: 53, protocol: UDP}]
        volumeMounts: [{name: v1, mountPath: /a}, {name: v2, mountPath: /b}]
      - name: side
        image: orch.local/busybox:1
`));
    const first = await c.kubectl(['apply', '-f', v1]);
    expect(first.stderr).toBe('');
    // A change made outside the manifest: apply's three-way merge keeps it.
    expect((await c.kubectl(['set', 'env', 'deploy/web', '-c', 'web', 'LIVE=yes'])).code).toBe(0);
    const v2 = manifest('d2.yaml', deployment(`${tsc(2)}      tolerations:
      - {key: b, operator: Exists}
      volumes:
      - {name: v1, hostPath: {path: /tmp}}
      containers:
      - name: web
        image: orch.local/busybox:2
        env: [{name: B, value: "3"}, {name: C, value: "4"}]
        ports: [{containerPort: 80}, {containerPort: 8080}]
        volumeMounts: [{name: v1, mountPath: /a}]
`));
    const second = await c.kubectl(['apply', '-f', v2, '-v=6']);
    expect(second.code).toBe(0);
    // The patch came from the server's schemas, without falling back to kubectl's built-in types.
    expect(second.stderr).toMatch(/GET \S+\/openapi\/v3\/apis\/apps\/v1\?hash=\S+ 200/);
    expect(second.stderr).not.toMatch(/error calculating patch/);
    const got = JSON.parse((await c.kubectl(['get', 'deploy/web', '-o', 'json'])).stdout);
    const spec = got.spec.template.spec;
    expect(spec.containers.map((x: { name: string }) => x.name)).toEqual(['web']);
    const web = spec.containers[0];
    expect(web.image).toBe('orch.local/busybox:2');
    expect(web.env).toEqual([{ name: 'B', value: '3' }, { name: 'LIVE', value: 'yes' }, { name: 'C', value: '4' }]);
    expect(web.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080, protocol: 'TCP' }]);
    expect(web.volumeMounts).toEqual([{ name: 'v1', mountPath: '/a' }]);
    // volumes merge by name with retainKeys: the emptyDir source is replaced, not kept beside hostPath.
    expect(spec.volumes).toHaveLength(1);
    expect(spec.volumes[0]).toMatchObject({ name: 'v1', hostPath: { path: '/tmp' } });
    expect(spec.volumes[0].emptyDir).toBeUndefined();
    expect(spec.tolerations).toEqual([{ key: 'b', operator: 'Exists' }]);
  });

  test('a field orch does not implement is refused by kubectl apply with the field and why', async () => {
    const file = manifest('tsc.yaml', deployment(`      topologySpreadConstraints:
      - {topologyKey: zone, maxSkew: 1, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}
      containers:
      - {name: web, image: orch.local/busybox:1}
`).replace('name: web, labels', 'name: spread, labels'));
    const r = await c.kubectl(['apply', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.template.spec.topologySpreadConstraints: Forbidden: not implemented by orch');
  });
});

describe("kubectl's validation and kinds orch does not serve", () => {
  test('a manifest of a kind orch does not serve fails with "no matches for kind"', async () => {
    for (const [apiVersion, kind] of [['networking.k8s.io/v1', 'NetworkPolicy'], ['v1', 'ReplicationController']]) {
      const file = manifest(`${kind}.yaml`, `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: {name: x}\nspec: {}\n`);
      const r = await c.kubectl(['apply', '-f', file]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`no matches for kind "${kind}" in version "${apiVersion}"`);
      expect(r.stderr).not.toContain('failed to download openapi');
    }
  });

  test('--validate=strict: an unknown field is an error naming it, and nothing is created', async () => {
    const file = manifest('strict.yaml', `apiVersion: v1
kind: Pod
metadata: {name: strict}
spec:
  containers:
  - {name: a, image: orch.local/busybox:1, imagePullPolicey: Never}
`);
    const r = await c.kubectl(['apply', '--validate=strict', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('strict decoding error: unknown field "spec.containers[0].imagePullPolicey"');
    expect((await c.kubectl(['get', 'pod', 'strict'])).code).not.toBe(0);
  });

  test('--validate=warn: a warning naming the field, and the object is created', async () => {
    const file = manifest('warn.yaml', `apiVersion: v1
kind: ConfigMap
metadata: {name: warn}
data: {a: b}
extra: 1
`);
    const r = await c.kubectl(['apply', '--validate=warn', '-f', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: unknown field "extra"');
    expect((await c.kubectl(['get', 'cm', 'warn'])).code).toBe(0);
  });
});

describe('the documents', () => {
  test('/openapi/v3 lists every group version; each document has complete schemas with the extensions', async () => {
    const index = JSON.parse((await get('/openapi/v3')).body.toString()).paths;
    expect(Object.keys(index).sort()).toEqual(['api/v1', 'apis/admissionregistration.k8s.io/v1', 'apis/apps/v1', 'apis/autoscaling/v2', 'apis/batch/v1', 'apis/certificates.k8s.io/v1', 'apis/coordination.k8s.io/v1', 'apis/discovery.k8s.io/v1', 'apis/policy/v1', 'apis/rbac.authorization.k8s.io/v1', 'apis/storage.k8s.io/v1']);
    const res = await get(index['api/v1'].serverRelativeURL);
    expect(res.status).toBe(200);
    const schemas = JSON.parse(res.body.toString()).components.schemas;
    const container = schemas['io.k8s.api.core.v1.Container'];
    expect(container.properties.env).toMatchObject({
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(container.properties.ports['x-kubernetes-list-map-keys']).toEqual(['containerPort', 'protocol']);
    expect(schemas['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(schemas['io.k8s.api.core.v1.PodSpec'].properties.tolerations['x-kubernetes-list-type']).toBe('atomic');
    expect(schemas['io.k8s.api.core.v1.Pod']['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Pod', version: 'v1' }]);
    expect(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string']).toBe(true);
    // Cached by hash: the same ETag answers 304.
    const again = await get(index['api/v1'].serverRelativeURL, { 'if-none-match': String(res.headers.etag) });
    expect(again.status).toBe(304);
  });

  test('/openapi/v2: JSON for browsers, protobuf when asked as kubectl asks', async () => {
    const json = await get('/openapi/v2');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    const doc = JSON.parse(json.body.toString());
    expect(doc.swagger).toBe('2.0');
    expect(doc.definitions['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const pb = await get('/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(pb.status).toBe(200);
    expect(pb.headers['content-type']).toMatch(/protobuf/);
    // kubectl's v2 reader accepts it: explain with the v2 output format.
    const k = await c.kubectl(['explain', 'deployment.spec.strategy', '--output=plaintext-openapiv2']);
    expect(k.stderr).toBe('');
    expect(k.stdout).toMatch(/rollingUpdate\s+<Object>/);
  });
});
