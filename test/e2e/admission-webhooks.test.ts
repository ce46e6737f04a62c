// Admission webhooks end to end: a real apiserver over a real etcd calls a real HTTPS
// webhook server (test/helpers/webhook-server.ts, certificate from a test CA given as
// caBundle). kubectl v1.32 creates the configurations and sees refusals and warnings.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { eventually } from '../helpers/eventually.js';
import { startWebhookServer, type TestWebhookServer } from '../helpers/webhook-server.js';

let s: TestApiServer;
let c: Clients;
let hook: TestWebhookServer;
let dir: string;

const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

interface Reply {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** One request over HTTPS with the admin token, trusting the test CA. */
function api(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<Reply> {
  const u = new URL(s.url + p);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const r = https.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, ca: s.ca, headers: { authorization: `Bearer ${s.token}`, ...(payload ? { 'content-type': contentType, 'content-length': payload.length } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = t;
          try {
            parsed = JSON.parse(t);
          } catch {
            /* text */
          }
          resolve({ status: res.statusCode!, body: parsed, headers: res.headers });
        });
      },
    );
    r.on('error', reject);
    r.end(payload);
  });
}

const write = (name: string, text: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
};

interface HookSpec {
  name: string;
  path: string;
  rules?: unknown[];
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
  namespaceSelector?: unknown;
  objectSelector?: unknown;
  reinvocationPolicy?: string;
  matchPolicy?: string;
}

const podRules = [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }];
const cmRules = [{ operations: ['CREATE', 'UPDATE', 'DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];

function webhook(h: HookSpec): Record<string, unknown> {
  const { path: p, ...rest } = h;
  return { sideEffects: 'None', admissionReviewVersions: ['v1'], rules: podRules, ...rest, clientConfig: { url: hook.url(p), caBundle: hook.caBundle } };
}

const made: string[] = [];
async function configure(kind: 'validating' | 'mutating', name: string, hooks: HookSpec[]): Promise<void> {
  const base = kind === 'validating' ? VWC : MWC;
  const res = await api('POST', base, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: kind === 'validating' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration',
    metadata: { name },
    webhooks: hooks.map(webhook),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  made.push(`${base}/${name}`);
}

const pod = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'orch.local/busybox:1' }] },
});
const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { a: '1' } });

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  hook = await startWebhookServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-admission-webhooks-'));
  c = cliClients(s, dir);
  for (const [name, labels] of [['wh-on', { webhook: 'on' }], ['wh-off', {}]] as const)
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name, labels } })).status).toBe(201);
}, 60_000);

afterEach(async () => {
  for (const p of made.splice(0)) await api('DELETE', p);
});

afterAll(async () => {
  await s?.stop();
  await hook?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('admission webhooks', () => {
  test('kubectl applies and lists configurations (NAME WEBHOOKS AGE); a validating webhook refuses a labelled pod and kubectl prints its message', async () => {
    hook.handle('/deny-label', (r) => {
      const labels = (r.object as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
      return labels.deny ? { allowed: false, status: { code: 403, message: 'pods labelled deny are not welcome here' } } : { allowed: true };
    });
    const f = write(
      'vwc.yaml',
      JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'ValidatingWebhookConfiguration',
        metadata: { name: 'deny-label' },
        webhooks: [webhook({ name: 'deny-label.test.example', path: '/deny-label', rules: podRules })],
      }),
    );
    const applied = await c.kubectl(['apply', '-f', f]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('validatingwebhookconfiguration.admissionregistration.k8s.io/deny-label created');
    made.push(`${VWC}/deny-label`);
    const listed = await c.kubectl(['get', 'validatingwebhookconfigurations']);
    expect(listed.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE\ndeny-label\s+1\s+\d+s\n$/);
    // Defaults filled in, as Kubernetes does.
    const stored = (await api('GET', `${VWC}/deny-label`)).body.webhooks[0];
    expect(stored).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', timeoutSeconds: 10, namespaceSelector: {}, objectSelector: {}, rules: [{ scope: '*' }] });

    const podFile = write('pod.yaml', JSON.stringify({ ...pod('bad', { deny: 'yes' }), metadata: { name: 'bad', namespace: 'wh-off', labels: { deny: 'yes' } } }));
    const refused = await c.kubectl(['create', '-f', podFile]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Error from server (Forbidden)');
    expect(refused.stderr).toContain('admission webhook "deny-label.test.example" denied the request: pods labelled deny are not welcome here');
    expect((await api('GET', '/api/v1/namespaces/wh-off/pods/bad')).status).toBe(404);

    const ok = await api('POST', '/api/v1/namespaces/wh-off/pods', pod('good', { app: 'x' }));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    // What the webhook was sent (the last review: the good pod).
    const sent = hook.calls('/deny-label').at(-1)!;
    expect(sent).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      name: 'good',
      namespace: 'wh-off',
      operation: 'CREATE',
      userInfo: { username: 'admin', groups: expect.arrayContaining(['system:masters']) },
      object: { kind: 'Pod', metadata: { name: 'good', labels: { app: 'x' } } },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    });
    expect(sent.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.subResource).toBeUndefined();
  });

  test('a mutating webhook adds a label by JSON patch (stored, revalidated, seen by validating webhooks); dryRun reaches the review', async () => {
    hook.handle('/add-label', () => ({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }])).toString('base64') }));
    await configure('mutating', 'add-label', [{ name: 'add-label.test.example', path: '/add-label' }]);
    await configure('validating', 'see-all', [{ name: 'see-all.test.example', path: '/see-all' }]);
    const created = await api('POST', '/api/v1/namespaces/wh-off/pods', pod('patched', { app: 'p' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.metadata.labels).toEqual({ app: 'p', mutated: 'yes' });
    expect((await api('GET', '/api/v1/namespaces/wh-off/pods/patched')).body.metadata.labels).toEqual({ app: 'p', mutated: 'yes' });
    // Validating webhooks run after mutation: they see the patched object.
    expect((hook.calls('/see-all').at(-1)!.object as { metadata: { labels: object } }).metadata.labels).toEqual({ app: 'p', mutated: 'yes' });

    // An update goes through the webhook too, with the stored object as oldObject.
    const upd = await api('PATCH', '/api/v1/namespaces/wh-off/pods/patched', { metadata: { labels: { mutated: null, extra: 'e' } } }, 'application/merge-patch+json');
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(upd.body.metadata.labels).toEqual({ app: 'p', extra: 'e', mutated: 'yes' });
    const review = hook.calls('/add-label').at(-1)!;
    expect(review.operation).toBe('UPDATE');
    expect((review.oldObject as { metadata: { labels: object } }).metadata.labels).toEqual({ app: 'p', mutated: 'yes' });
    expect(review.options).toMatchObject({ kind: 'UpdateOptions' });

    // A patch that makes the object invalid is refused by the kind's validation.
    hook.handle('/add-label', () => ({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'replace', path: '/spec/containers/0/image', value: '' }])).toString('base64') }));
    const invalid = await api('POST', '/api/v1/namespaces/wh-off/pods', pod('broken'));
    expect(invalid.status).toBe(422);
    expect(invalid.body.details.causes[0].field).toBe('spec.containers[0].image');

    // Dry run: the review says so, nothing is stored.
    hook.handle('/add-label', () => ({ allowed: true }));
    const dry = await api('POST', '/api/v1/namespaces/wh-off/pods?dryRun=All', pod('dry'));
    expect(dry.status).toBe(200);
    expect(hook.calls('/add-label').at(-1)).toMatchObject({ dryRun: true, options: { dryRun: ['All'] } });
    expect((await api('GET', '/api/v1/namespaces/wh-off/pods/dry')).status).toBe(404);
  });

  test('a webhook slower than timeoutSeconds: Fail refuses with Kubernetes\' message, Ignore lets the object be stored', async () => {
    hook.handle('/slow', () => new Promise((resolve) => setTimeout(() => resolve({ allowed: false }), 2500)));
    await configure('validating', 'slow-fail', [{ name: 'slow-fail.test.example', path: '/slow', timeoutSeconds: 1, rules: cmRules, failurePolicy: 'Fail' }]);
    const t0 = Date.now();
    const refused = await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('slow1'));
    expect(Date.now() - t0).toBeLessThan(2400);
    expect(refused.status).toBe(500);
    expect(refused.body.reason).toBe('InternalError');
    expect(refused.body.message).toBe(`Internal error occurred: failed calling webhook "slow-fail.test.example": failed to call webhook: Post "${hook.url('/slow')}?timeout=1s": context deadline exceeded`);
    expect((await api('GET', '/api/v1/namespaces/wh-off/configmaps/slow1')).status).toBe(404);
    await api('DELETE', `${VWC}/slow-fail`);

    await configure('validating', 'slow-ignore', [{ name: 'slow-ignore.test.example', path: '/slow', timeoutSeconds: 1, rules: cmRules, failurePolicy: 'Ignore' }]);
    const stored = await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('slow2'));
    expect(stored.status, JSON.stringify(stored.body)).toBe(201);
    expect((await api('GET', '/api/v1/namespaces/wh-off/configmaps/slow2')).status).toBe(200);
  });

  test('namespaceSelector matches the namespace\'s labels (a Namespace its own); objectSelector the new or the old object\'s', async () => {
    hook.handle('/deny', () => ({ allowed: false, status: { message: 'no' } }));
    await configure('validating', 'by-namespace', [
      {
        name: 'by-namespace.test.example',
        path: '/deny',
        namespaceSelector: { matchLabels: { webhook: 'on' } },
        rules: [...cmRules, { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['namespaces'] }],
      },
    ]);
    const inOn = await api('POST', '/api/v1/namespaces/wh-on/configmaps', cm('n1'));
    expect(inOn.status).toBe(400);
    expect(inOn.body.message).toBe('admission webhook "by-namespace.test.example" denied the request: no');
    expect((await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('n1'))).status).toBe(201);
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name: 'wh-new-on', labels: { webhook: 'on' } } })).status).toBe(400);
    expect((await api('POST', '/api/v1/namespaces', { metadata: { name: 'wh-new-off' } })).status).toBe(201);
    await api('DELETE', `${VWC}/by-namespace`);

    await configure('validating', 'by-object', [{ name: 'by-object.test.example', path: '/deny', objectSelector: { matchLabels: { guarded: 'yes' } }, rules: cmRules }]);
    expect((await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('o1', { guarded: 'yes' }))).status).toBe(400);
    expect((await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('o2'))).status).toBe(201);
    // o3 is created unguarded, then labelled through an update the webhook refuses (new labels match) ...
    await api('DELETE', `${VWC}/by-object`);
    expect((await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('o3', { guarded: 'yes' }))).status).toBe(201);
    await configure('validating', 'by-object', [{ name: 'by-object.test.example', path: '/deny', objectSelector: { matchLabels: { guarded: 'yes' } }, rules: cmRules }]);
    // ... and removing the label is refused too (the old object's labels match), as is deleting it.
    const unlabel = await api('PATCH', '/api/v1/namespaces/wh-off/configmaps/o3', { metadata: { labels: { guarded: null } } }, 'application/merge-patch+json');
    expect(unlabel.status).toBe(400);
    expect(hook.calls('/deny').at(-1)).toMatchObject({ operation: 'UPDATE', name: 'o3' });
    const del = await api('DELETE', '/api/v1/namespaces/wh-off/configmaps/o3');
    expect(del.status).toBe(400);
    expect(hook.calls('/deny').at(-1)).toMatchObject({ operation: 'DELETE', object: null, oldObject: { metadata: { name: 'o3' } }, options: { kind: 'DeleteOptions' } });
    expect((await api('DELETE', '/api/v1/namespaces/wh-off/configmaps/o2')).status).toBe(200);
  });

  test('warnings reach kubectl\'s stderr', async () => {
    hook.handle('/warn', () => ({ allowed: true, warnings: ['configmaps named loud are discouraged'] }));
    await configure('validating', 'warn', [{ name: 'warn.test.example', path: '/warn', rules: cmRules }]);
    const res = await c.kubectl(['create', 'configmap', 'loud', '-n', 'wh-off', '--from-literal=a=b']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('Warning: configmaps named loud are discouraged');
  });

  test('rules match subresources ("pods/status") and only them; allowed=false with a code keeps that code', async () => {
    hook.handle('/status', () => ({ allowed: false, status: { code: 409, reason: 'Conflict', message: 'status is frozen' } }));
    await configure('validating', 'status-only', [{ name: 'status-only.test.example', path: '/status', rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['*'], resources: ['pods/status'] }] }]);
    const p = await api('POST', '/api/v1/namespaces/wh-off/pods', pod('st'));
    expect(p.status).toBe(201);
    const main = await api('PATCH', '/api/v1/namespaces/wh-off/pods/st', { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json');
    expect(main.status).toBe(200);
    expect(hook.calls('/status')).toHaveLength(0);
    const st = await api('PATCH', '/api/v1/namespaces/wh-off/pods/st/status', { status: { phase: 'Running' } }, 'application/merge-patch+json');
    expect(st.status).toBe(409);
    expect(st.body).toMatchObject({ reason: 'Conflict', message: 'admission webhook "status-only.test.example" denied the request: status is frozen' });
    expect(hook.calls('/status')[0]).toMatchObject({ subResource: 'status', requestSubResource: 'status', operation: 'UPDATE' });
  });

  test('reinvocationPolicy IfNeeded: an earlier webhook runs again after a later one changed the object', async () => {
    hook.handle('/first', (r) => {
      const labels = (r.object as { metadata: { labels?: Record<string, string> } }).metadata.labels ?? {};
      const ops = labels.second ? [{ op: 'add', path: '/metadata/annotations', value: { 'first-saw-second': 'yes' } }] : [];
      return { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') };
    });
    hook.handle('/second', () => ({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/second', value: 'yes' }])).toString('base64') }));
    // Configurations run in name order: a-first before b-second.
    await configure('mutating', 'a-first', [{ name: 'first.test.example', path: '/first', rules: cmRules, reinvocationPolicy: 'IfNeeded' }]);
    await configure('mutating', 'b-second', [{ name: 'second.test.example', path: '/second', rules: cmRules }]);
    const res = await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('re', { app: 'r' }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.metadata.labels).toEqual({ app: 'r', second: 'yes' });
    expect(res.body.metadata.annotations).toEqual({ 'first-saw-second': 'yes' });
    expect(hook.calls('/first').filter((r) => r.name === 're')).toHaveLength(2);
    expect(hook.calls('/second').filter((r) => r.name === 're')).toHaveLength(1);
  });

  test('webhooks are never called for webhook configurations: a broken catch-all webhook cannot lock the cluster', async () => {
    await configure('validating', 'broken', [
      { name: 'broken.test.example', path: '/unused', rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }], failurePolicy: 'Fail' },
    ]);
    // Point it at a port nothing listens on.
    const cfg = (await api('GET', `${VWC}/broken`)).body;
    cfg.webhooks[0].clientConfig.url = 'https://127.0.0.1:1/nothing';
    const put = await api('PUT', `${VWC}/broken`, cfg);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const blocked = await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('blocked'));
    expect(blocked.status).toBe(500);
    expect(blocked.body.message).toContain('failed calling webhook "broken.test.example": failed to call webhook: Post "https://127.0.0.1:1/nothing?timeout=10s": connect ECONNREFUSED');
    // The configurations themselves stay writable.
    expect((await api('DELETE', `${VWC}/broken`)).status).toBe(200);
    expect((await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('blocked'))).status).toBe(201);
  });

  test('a Service reference is resolved through the Service (a missing one is a failed call under failurePolicy)', async () => {
    const res = await api('POST', VWC, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'by-service' },
      webhooks: [{ name: 'svc.test.example', clientConfig: { service: { namespace: 'wh-off', name: 'nohook', path: '/v' }, caBundle: hook.caBundle }, rules: cmRules, sideEffects: 'None', admissionReviewVersions: ['v1'] }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made.push(`${VWC}/by-service`);
    expect(res.body.webhooks[0].clientConfig.service.port).toBe(443);
    const refused = await api('POST', '/api/v1/namespaces/wh-off/configmaps', cm('svc1'));
    expect(refused.status).toBe(500);
    expect(refused.body.message).toBe('Internal error occurred: failed calling webhook "svc.test.example": failed to call webhook: service "wh-off/nohook" not found');
  });

  test('a custom resource goes through webhooks like a built-in kind', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.hooks.example.com' },
      spec: {
        group: 'hooks.example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
      },
    };
    expect((await api('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(201);
    await eventually('the CRD is served', async () => (await api('GET', '/apis/hooks.example.com/v1/namespaces/wh-off/gadgets')).status === 200);
    hook.handle('/gadget-mutate', () => ({ allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/spec/size', value: 3 }])).toString('base64') }));
    hook.handle('/gadget-validate', (r) => ((r.object as { metadata: { name: string } }).metadata.name === 'forbidden' ? { allowed: false, status: { code: 422, message: 'that name is taken' } } : { allowed: true }));
    const rules = [{ operations: ['CREATE'], apiGroups: ['hooks.example.com'], apiVersions: ['v1'], resources: ['gadgets'] }];
    await configure('mutating', 'gadget-m', [{ name: 'gadget-m.test.example', path: '/gadget-mutate', rules }]);
    await configure('validating', 'gadget-v', [{ name: 'gadget-v.test.example', path: '/gadget-validate', rules }]);
    const g = (name: string) => ({ apiVersion: 'hooks.example.com/v1', kind: 'Gadget', metadata: { name }, spec: {} });
    const ok = await api('POST', '/apis/hooks.example.com/v1/namespaces/wh-off/gadgets', g('fine'));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((await api('GET', '/apis/hooks.example.com/v1/namespaces/wh-off/gadgets/fine')).body.spec).toEqual({ size: 3 });
    expect(hook.calls('/gadget-mutate').at(-1)).toMatchObject({ kind: { group: 'hooks.example.com', version: 'v1', kind: 'Gadget' }, resource: { resource: 'gadgets' } });
    const no = await api('POST', '/apis/hooks.example.com/v1/namespaces/wh-off/gadgets', g('forbidden'));
    expect(no.status).toBe(422);
    expect(no.body.message).toBe('admission webhook "gadget-v.test.example" denied the request: that name is taken');
  });

  test('bad configurations are 422s naming the field', async () => {
    const bad = async (kind: 'validating' | 'mutating', webhooks: unknown[]): Promise<string> => {
      const res = await api('POST', kind === 'validating' ? VWC : MWC, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: kind === 'validating' ? 'ValidatingWebhookConfiguration' : 'MutatingWebhookConfiguration',
        metadata: { name: 'bad' },
        webhooks,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      return res.body.message as string;
    };
    const w = (extra: Record<string, unknown>) => ({ name: 'a.test.example', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { url: 'https://127.0.0.1:9/x' }, ...extra });
    expect(await bad('validating', [w({}), w({})])).toContain('webhooks[1].name: Duplicate value: "a.test.example"');
    expect(await bad('validating', [w({ name: 'short.name' })])).toContain('webhooks[0].name: Invalid value: "short.name": should be a domain with at least three segments');
    expect(await bad('validating', [w({ clientConfig: { url: 'https://h.example/x', service: { namespace: 'a', name: 'b' } } })])).toContain('webhooks[0].clientConfig: Required value: exactly one of url or service is required');
    expect(await bad('validating', [w({ clientConfig: {} })])).toContain('webhooks[0].clientConfig: Required value: exactly one of url or service is required');
    expect(await bad('validating', [w({ clientConfig: { url: 'http://h.example/x' } })])).toContain("webhooks[0].clientConfig.url: Invalid value: \"http://h.example/x\": 'https' is the only allowed URL scheme");
    expect(await bad('validating', [w({ sideEffects: undefined })])).toContain('webhooks[0].sideEffects: Required value');
    expect(await bad('validating', [w({ sideEffects: 'Some' })])).toContain('webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"');
    expect(await bad('validating', [w({ admissionReviewVersions: ['v1beta1'] })])).toContain('webhooks[0].admissionReviewVersions: Invalid value');
    expect(await bad('validating', [w({ timeoutSeconds: 31 })])).toContain('webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds');
    expect(await bad('validating', [w({ timeoutSeconds: 0 })])).toContain('webhooks[0].timeoutSeconds');
    expect(await bad('validating', [w({ failurePolicy: 'Maybe' })])).toContain('webhooks[0].failurePolicy: Unsupported value: "Maybe"');
    expect(await bad('validating', [w({ matchPolicy: 'Loose' })])).toContain('webhooks[0].matchPolicy: Unsupported value: "Loose"');
    expect(await bad('mutating', [w({ reinvocationPolicy: 'Always' })])).toContain('webhooks[0].reinvocationPolicy: Unsupported value: "Always"');
    expect(await bad('validating', [w({ matchConditions: [{ name: 'x', expression: 'true' }] })])).toContain('webhooks[0].matchConditions: Forbidden: orch does not support matchConditions');
    expect(await bad('validating', [w({ rules: [{ operations: ['PATCH'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })])).toContain('webhooks[0].rules[0].operations[0]: Unsupported value: "PATCH"');
    expect(await bad('validating', [w({ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Galaxy' }] })])).toContain('webhooks[0].rules[0].scope: Unsupported value: "Galaxy"');
  });
});

