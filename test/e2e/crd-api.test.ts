// CustomResourceDefinitions against a real etcd: a CRD with a schema is served at once;
// valid objects are stored pruned and defaulted, invalid ones are 422 with field paths;
// status and scale subresources; several versions over one storage version; a watch
// goes on across a CRD update and ends when the CRD is deleted, which first deletes its
// objects; bad CRDs (non-structural schema, a built-in group, CEL rules) are 422.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function widgetCrd(extra: { versions?: unknown[]; scope?: string } = {}) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.crd-test.example.com' },
    spec: {
      group: 'crd-test.example.com',
      scope: extra.scope ?? 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'], categories: ['all'] },
      versions: extra.versions ?? [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
          additionalPrinterColumns: [
            { name: 'Size', type: 'string', jsonPath: '.spec.size' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  required: ['size'],
                  properties: {
                    size: { type: 'string', enum: ['small', 'large'] },
                    replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                    port: { 'x-kubernetes-int-or-string': true },
                    note: { type: 'string', nullable: true },
                    email: { type: 'string', format: 'email' },
                    tags: { type: 'array', items: { type: 'string', maxLength: 5 } },
                    free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                    nested: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'auto' } } },
                  },
                },
                status: {
                  type: 'object',
                  properties: {
                    replicas: { type: 'integer' },
                    selector: { type: 'string' },
                    conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                  },
                },
              },
            },
          },
        },
      ],
    },
  };
}

const W = '/apis/crd-test.example.com/v1/namespaces/default/widgets';

describe('CustomResourceDefinitions', () => {
  let s: TestApiServer;
  beforeAll(async () => {
    s = await startTestApiServer();
    const res = await apiRequest(s, 'POST', CRDS, widgetCrd());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('sets acceptedNames, the Established condition and the cleanup finalizer', async () => {
    const res = await apiRequest(s, 'GET', `${CRDS}/widgets.crd-test.example.com`);
    expect(res.status).toBe(200);
    const conds = Object.fromEntries(res.body.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]));
    expect(conds).toMatchObject({ NamesAccepted: 'True', Established: 'True' });
    expect(res.body.status.acceptedNames).toMatchObject({ plural: 'widgets', kind: 'Widget', listKind: 'WidgetList' });
    expect(res.body.status.storedVersions).toEqual(['v1']);
    expect(res.body.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
  });

  it('serves discovery for the group, with short names and categories', async () => {
    const groups = await apiRequest(s, 'GET', '/apis');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toContain('crd-test.example.com');
    const list = await apiRequest(s, 'GET', '/apis/crd-test.example.com/v1');
    expect(list.status).toBe(200);
    const widgets = list.body.resources.find((r: { name: string }) => r.name === 'widgets');
    expect(widgets).toMatchObject({ kind: 'Widget', namespaced: true, shortNames: ['wd'], categories: ['all'], singularName: 'widget' });
    expect(list.body.resources.map((r: { name: string }) => r.name)).toEqual(['widgets', 'widgets/status', 'widgets/scale']);
  });

  it('stores valid objects pruned and defaulted', async () => {
    const res = await apiRequest(s, 'POST', W, {
      apiVersion: 'crd-test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', labels: { app: 'a' } },
      spec: { size: 'small', port: 'http', note: null, unknownField: 1, free: { anything: { goes: true } } },
      status: { replicas: 5 },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec).toEqual({ size: 'small', port: 'http', note: null, replicas: 1, free: { anything: { goes: true } }, nested: { mode: 'auto' } });
    // status is a subresource: ignored on create.
    expect(res.body.status).toBeUndefined();
    expect(res.body.metadata.generation).toBe(1);
    const got = await apiRequest(s, 'GET', `${W}/w1`);
    expect(got.body.spec.replicas).toBe(1);
  });

  it('refuses invalid objects with 422 and field paths', async () => {
    const res = await apiRequest(s, 'POST', W, {
      apiVersion: 'crd-test.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'bad' },
      spec: { size: 'medium', replicas: 'three', email: 'not-an-email', tags: ['toolongtag'], port: 1.5 },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    const fields = res.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.size', 'spec.replicas', 'spec.email', 'spec.tags[0]', 'spec.port']));
    const missing = await apiRequest(s, 'POST', W, { metadata: { name: 'bad2' }, spec: {} });
    expect(missing.status).toBe(422);
    expect(missing.body.details.causes).toEqual([expect.objectContaining({ field: 'spec.size', reason: 'FieldValueRequired' })]);
    const bounds = await apiRequest(s, 'POST', W, { metadata: { name: 'bad3' }, spec: { size: 'small', replicas: 11 } });
    expect(bounds.status).toBe(422);
    expect(bounds.body.details.causes[0].field).toBe('spec.replicas');
  });

  it('fieldValidation=Strict names the fields pruning would drop', async () => {
    const res = await apiRequest(s, 'POST', `${W}?fieldValidation=Strict`, { metadata: { name: 'strict' }, spec: { size: 'small', extra: 1 } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('unknown field "spec.extra"');
  });

  it('lists with label and field selectors, and answers tables with the printer columns', async () => {
    await apiRequest(s, 'POST', W, { metadata: { name: 'w2', labels: { app: 'b' } }, spec: { size: 'large', replicas: 3 } });
    const byLabel = await apiRequest(s, 'GET', `${W}?labelSelector=app%3Db`);
    expect(byLabel.body.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['w2']);
    expect(byLabel.body.kind).toBe('WidgetList');
    const byField = await apiRequest(s, 'GET', '/apis/crd-test.example.com/v1/widgets?fieldSelector=metadata.name%3Dw1');
    expect(byField.body.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['w1']);
    const bad = await apiRequest(s, 'GET', `${W}?fieldSelector=spec.size%3Dsmall`);
    expect(bad.status).toBe(400);
    const res = await fetch(`${s.url}${W}`, { headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } });
    const table = (await res.json()) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[] }> };
    expect(table.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Size', 'Replicas', 'Ready']);
    expect(table.rows.find((r: { cells: unknown[] }) => r.cells[0] === 'w2')?.cells).toEqual(['w2', 'large', 3, '<none>']);
  });

  it('writes status only through /status and scales through /scale', async () => {
    const st = await apiRequest(s, 'PATCH', `${W}/w2/status`, { status: { replicas: 2, selector: 'app=b', conditions: [{ type: 'Ready', status: 'True' }] } }, { contentType: 'application/merge-patch+json' });
    expect(st.status, JSON.stringify(st.body)).toBe(200);
    expect(st.body.status.replicas).toBe(2);
    expect(st.body.metadata.generation).toBe(1);
    const main = await apiRequest(s, 'PATCH', `${W}/w2`, { status: { replicas: 9 }, spec: { size: 'small' } }, { contentType: 'application/merge-patch+json' });
    expect(main.body.status.replicas).toBe(2);
    expect(main.body.metadata.generation).toBe(2);
    const scale = await apiRequest(s, 'GET', `${W}/w2/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=b' } });
    const put = await apiRequest(s, 'PATCH', `${W}/w2/scale`, { spec: { replicas: 7 } }, { contentType: 'application/merge-patch+json' });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await apiRequest(s, 'GET', `${W}/w2`)).body.spec.replicas).toBe(7);
    // The schema still applies through /scale.
    const over = await apiRequest(s, 'PATCH', `${W}/w2/scale`, { spec: { replicas: 70 } }, { contentType: 'application/merge-patch+json' });
    expect(over.status).toBe(422);
  });

  it('refuses strategic merge patches with 415, takes JSON patches', async () => {
    const smp = await apiRequest(s, 'PATCH', `${W}/w1`, { spec: { size: 'large' } }, { contentType: 'application/strategic-merge-patch+json' });
    expect(smp.status).toBe(415);
    const jp = await apiRequest(s, 'PATCH', `${W}/w1`, [{ op: 'replace', path: '/spec/size', value: 'large' }], { contentType: 'application/json-patch+json' });
    expect(jp.status).toBe(200);
    expect(jp.body.spec.size).toBe('large');
    const badJp = await apiRequest(s, 'PATCH', `${W}/w1`, [{ op: 'replace', path: '/spec/size', value: 'huge' }], { contentType: 'application/json-patch+json' });
    expect(badJp.status).toBe(422);
  });

  it('deleting a namespace deletes the custom resources in it', async () => {
    expect((await apiRequest(s, 'POST', '/api/v1/namespaces', { metadata: { name: 'crd-ns' } })).status).toBe(201);
    const ns = '/apis/crd-test.example.com/v1/namespaces/crd-ns/widgets';
    expect((await apiRequest(s, 'POST', ns, { metadata: { name: 'in-ns' }, spec: { size: 'small' } })).status).toBe(201);
    expect((await apiRequest(s, 'DELETE', '/api/v1/namespaces/crd-ns')).status).toBe(200);
    await eventually('the namespace and its widget to be gone', async () => (await apiRequest(s, 'GET', '/api/v1/namespaces/crd-ns')).status === 404, 20_000);
    expect(await s.storage.get('/registry/crd-test.example.com/widgets/crd-ns/in-ns')).toBeUndefined();
  });

  it('refuses creates of CRs in a missing namespace, and names of the wrong shape', async () => {
    expect((await apiRequest(s, 'POST', '/apis/crd-test.example.com/v1/namespaces/nope/widgets', { metadata: { name: 'x' }, spec: { size: 'small' } })).status).toBe(404);
    const bad = await apiRequest(s, 'POST', W, { metadata: { name: 'Not_A_Name' }, spec: { size: 'small' } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes[0].field).toBe('metadata.name');
    expect((await apiRequest(s, 'POST', W, 'not an object')).status).toBe(400);
    expect((await apiRequest(s, 'GET', '/apis/crd-test.example.com/v1/nothings')).status).toBe(404);
    expect((await apiRequest(s, 'GET', '/apis/crd-test.example.com/v9/widgets')).status).toBe(404);
  });

  it('a custom kind named like a built-in one follows its CRD, not the built-in rules', async () => {
    const crd = {
      metadata: { name: 'pods.collide.example.com' },
      spec: {
        group: 'collide.example.com',
        scope: 'Namespaced',
        names: { plural: 'pods', kind: 'Pod' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { nodeName: { type: 'string' } } } } } } }],
      },
    };
    expect((await apiRequest(s, 'POST', CRDS, crd)).status).toBe(201);
    const pods = '/apis/collide.example.com/v1/namespaces/default/pods';
    // No containers: a built-in Pod would be a 422; no status.phase reset either.
    const res = await apiRequest(s, 'POST', pods, { metadata: { name: 'p' }, spec: { nodeName: 'n' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBeUndefined();
    expect((await apiRequest(s, 'GET', `${pods}?fieldSelector=spec.nodeName%3Dn`)).status).toBe(400);
    expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/pods/p')).status).toBe(404);
  });

  it('refuses CRDs with non-structural schemas, built-in groups and CEL rules', async () => {
    const post = (crd: unknown) => apiRequest(s, 'POST', CRDS, crd);
    const base = widgetCrd();
    const withSchema = (schema: unknown, name = 'things.crd-bad.example.com', group = 'crd-bad.example.com') => ({
      ...base,
      metadata: { name },
      spec: { ...base.spec, group, names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const noType = await post(withSchema({ type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } }));
    expect(noType.status).toBe(422);
    expect(noType.body.details.causes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].type', reason: 'FieldValueRequired' })]));
    const noSchema = await post(withSchema(undefined));
    expect(noSchema.status).toBe(422);
    expect(noSchema.body.details.causes[0].field).toBe('spec.versions[0].schema.openAPIV3Schema');
    const cel = await post(withSchema({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a > 0' }] }));
    expect(cel.status).toBe(422);
    expect(cel.body.details.causes[0].field).toBe('spec.versions[0].schema.openAPIV3Schema.x-kubernetes-validations');
    for (const group of ['apps', 'batch', 'rbac.authorization.k8s.io', 'foo.k8s.io']) {
      const res = await post(withSchema({ type: 'object' }, `things.${group}`, group));
      expect(res.status, group).toBe(422);
      expect(res.body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.group');
    }
    const twoStorage = await post({ ...base, spec: { ...base.spec, versions: [{ ...(base.spec.versions[0] as Record<string, unknown>), name: "v1" }, { ...(base.spec.versions[0] as Record<string, unknown>), name: "v2" }] } });
    expect(twoStorage.status).toBe(422);
    expect(twoStorage.body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.versions');
    const badName = await post({ ...base, metadata: { name: 'wrong.example.com' } });
    expect(badName.status).toBe(422);
  });
});

describe('CRD versions, updates and deletion', () => {
  let s: TestApiServer;
  const crdPath = `${CRDS}/widgets.crd-test.example.com`;
  const schema = (extra: Record<string, unknown> = {}) => ({ openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string' }, ...extra } } } } });
  beforeAll(async () => {
    s = await startTestApiServer();
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('serves two versions over one storage version, a watch survives a CRD update, deletion removes objects and ends watches', async () => {
    const crd = widgetCrd({
      scope: 'Cluster',
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: schema() },
        { name: 'v1', served: true, storage: true, schema: schema() },
      ],
    });
    expect((await apiRequest(s, 'POST', CRDS, crd)).status).toBe(201);
    const v1 = '/apis/crd-test.example.com/v1/widgets';
    const beta = '/apis/crd-test.example.com/v1beta1/widgets';
    const created = await apiRequest(s, 'POST', beta, { metadata: { name: 'c1' }, spec: { size: 's' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.apiVersion).toBe('crd-test.example.com/v1beta1');
    expect((await apiRequest(s, 'GET', `${v1}/c1`)).body.apiVersion).toBe('crd-test.example.com/v1');
    // Stored at the storage version.
    const raw = await s.storage.get('/registry/crd-test.example.com/widgets/c1');
    expect(raw?.apiVersion).toBe('crd-test.example.com/v1');
    // The preferred version is v1.
    expect((await apiRequest(s, 'GET', '/apis/crd-test.example.com')).body.preferredVersion.version).toBe('v1');

    // A watch through v1beta1 across a CRD update.
    const ac = new AbortController();
    const res = await fetch(`${s.url}${beta}?watch=true&resourceVersion=${created.body.metadata.resourceVersion}`, { headers: { Authorization: `Bearer ${s.token}` }, signal: ac.signal });
    const events: Array<{ type: string; object: { apiVersion: string; metadata: { name: string }; spec?: Record<string, unknown> } }> = [];
    let ended = false;
    const reader = (async () => {
      const dec = new TextDecoder();
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          if (buf.slice(0, i).trim()) events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      }
      ended = true;
    })().catch(() => (ended = true));

    const cur = (await apiRequest(s, 'GET', crdPath)).body;
    cur.spec.versions[1].schema = schema({ color: { type: 'string', default: 'blue' } });
    const upd = await apiRequest(s, 'PUT', crdPath, cur);
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    // The new schema applies to the next request: its default appears.
    const c2 = await apiRequest(s, 'POST', v1, { metadata: { name: 'c2' }, spec: { size: 'm' } });
    expect(c2.body.spec).toEqual({ size: 'm', color: 'blue' });
    await eventually('the watch to see c2 (v1beta1)', () => events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'c2' && e.object.apiVersion === 'crd-test.example.com/v1beta1'), 10_000);
    expect(ended).toBe(false);

    // Deleting the CRD deletes its objects first, then the CRD; the watch ends.
    const del = await apiRequest(s, 'DELETE', crdPath);
    expect(del.status).toBe(200);
    await eventually('the CRD to be gone', async () => (await apiRequest(s, 'GET', crdPath)).status === 404, 15_000);
    expect(events.filter((e) => e.type === 'DELETED').map((e) => e.object.metadata.name).sort()).toEqual(['c1', 'c2']);
    await eventually('the watch to end', () => ended, 10_000);
    expect(await s.storage.get('/registry/crd-test.example.com/widgets/c1')).toBeUndefined();
    expect((await apiRequest(s, 'GET', v1)).status).toBe(404);
    ac.abort();
    await reader;
  }, 60_000);
});
