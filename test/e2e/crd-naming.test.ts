// CRD names that clash within a group, against a real etcd (Kubernetes' naming
// controller's behaviour, decided in the CRD's write: apiserver/crd/crd-naming.ts): a
// second CRD asking for a kind, plural/singular or short name another CRD of the group
// holds is stored with NamesAccepted=False and the reason, is not Established and not
// served (404, absent from discovery); once the holder is deleted it is accepted and
// served. An established CRD updated to a clashing short name keeps being served under
// the names it had. Another group may use the same names.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const GROUP = 'naming.example.com';

function crd(plural: string, names: { kind: string; listKind?: string; singular?: string; shortNames?: string[] }, group = GROUP) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, ...names },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

type Cond = { type: string; status: string; reason?: string; message?: string };
const conds = (body: unknown) => Object.fromEntries(((body as { status?: { conditions?: Cond[] } }).status?.conditions ?? []).map((c) => [c.type, c]));

describe('CRD name conflicts within a group', () => {
  let s: TestApiServer;
  const post = async (body: unknown) => {
    const res = await apiRequest(s, 'POST', CRDS, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { status: { acceptedNames: Record<string, unknown>; conditions: Cond[] } };
  };
  const served = async (plural: string) => (await apiRequest(s, 'GET', `/apis/${GROUP}/v1/namespaces/default/${plural}`)).status;
  const discovered = async () => ((await apiRequest(s, 'GET', `/apis/${GROUP}/v1`)).body as { resources?: Array<{ name: string; kind: string; shortNames?: string[] }> }).resources ?? [];

  beforeAll(async () => {
    s = await startTestApiServer();
    const first = await post(crd('widgets', { kind: 'Widget', singular: 'widget', shortNames: ['wd'] }));
    expect(conds(first).NamesAccepted).toMatchObject({ status: 'True', reason: 'NoConflicts' });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('a second CRD with the same kind: NamesAccepted=False (KindConflict), not established, not served', async () => {
    // (With the default listKind WidgetList the listKind clashes too, and Kubernetes names the last check: ListKindConflict.)
    const body = await post(crd('gadgets', { kind: 'Widget', listKind: 'GadgetList', singular: 'gadget' }));
    expect(conds(body).NamesAccepted).toMatchObject({ status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' });
    expect(conds(body).Established).toMatchObject({ status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    // What was free is accepted, the kind is not.
    expect(body.status.acceptedNames).toMatchObject({ plural: 'gadgets', kind: '' });
    expect(await served('gadgets')).toBe(404);
    expect((await discovered()).map((r) => r.name)).not.toContain('gadgets');
    // Stored as decided: a GET says the same.
    const got = await apiRequest(s, 'GET', `${CRDS}/gadgets.${GROUP}`);
    expect(conds(got.body).NamesAccepted).toMatchObject({ status: 'False', reason: 'KindConflict' });
  });

  it('a short name already served: ShortNamesConflict', async () => {
    const body = await post(crd('doodads', { kind: 'Doodad', shortNames: ['wd', 'dd'] }));
    expect(conds(body).NamesAccepted).toMatchObject({ status: 'False', reason: 'ShortNamesConflict', message: '"wd" is already in use' });
    expect(await served('doodads')).toBe(404);
  });

  it("a plural equal to another CRD's singular: PluralConflict", async () => {
    const body = await post(crd('widget', { kind: 'Widgetty', singular: 'widgetty' }));
    expect(conds(body).NamesAccepted).toMatchObject({ status: 'False', reason: 'PluralConflict', message: '"widget" is already in use' });
    expect(await served('widget')).toBe(404);
  });

  it('the same names in another group are no conflict', async () => {
    const body = await post(crd('widgets', { kind: 'Widget', singular: 'widget', shortNames: ['wd'] }, 'other-naming.example.com'));
    expect(conds(body).NamesAccepted).toMatchObject({ status: 'True' });
    expect((await apiRequest(s, 'GET', '/apis/other-naming.example.com/v1/namespaces/default/widgets')).status).toBe(200);
  });

  it('an established CRD updated to a clashing short name keeps its old names and stays served', async () => {
    await post(crd('sprockets', { kind: 'Sprocket', shortNames: ['sp'] }));
    const cur = (await apiRequest(s, 'GET', `${CRDS}/sprockets.${GROUP}`)).body as { spec: { names: { shortNames: string[] } } };
    cur.spec.names.shortNames = ['wd'];
    const res = await apiRequest(s, 'PUT', `${CRDS}/sprockets.${GROUP}`, cur);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(conds(res.body).NamesAccepted).toMatchObject({ status: 'False', reason: 'ShortNamesConflict' });
    expect(conds(res.body).Established).toMatchObject({ status: 'True' });
    expect((res.body as { status: { acceptedNames: { shortNames: string[] } } }).status.acceptedNames.shortNames).toEqual(['sp']);
    expect(await served('sprockets')).toBe(200);
    expect((await discovered()).find((r) => r.name === 'sprockets')?.shortNames).toEqual(['sp']);
  });

  it('once the holder of the names is deleted, the waiting CRDs are accepted and served', async () => {
    const del = await apiRequest(s, 'DELETE', `${CRDS}/widgets.${GROUP}`);
    expect(del.status).toBeLessThan(300);
    await eventually('gadgets accepted', async () => {
      const got = await apiRequest(s, 'GET', `${CRDS}/gadgets.${GROUP}`);
      const c = conds(got.body);
      return c.NamesAccepted?.status === 'True' && c.Established?.status === 'True' ? true : undefined;
    }, 30_000);
    expect(await served('gadgets')).toBe(200);
    expect((await discovered()).find((r) => r.name === 'gadgets')?.kind).toBe('Widget');
    // The plural "widget" (widgets' singular) is free now too.
    await eventually('widget accepted', async () => (conds((await apiRequest(s, 'GET', `${CRDS}/widget.${GROUP}`)).body).NamesAccepted?.status === 'True' ? true : undefined), 30_000);
    // doodads wanted "wd" (widgets' short name, now free) — but sprockets may have taken it:
    // exactly one of them holds it, and whichever does is accepted.
    await eventually('wd settled', async () => {
      const [d, sp] = await Promise.all([apiRequest(s, 'GET', `${CRDS}/doodads.${GROUP}`), apiRequest(s, 'GET', `${CRDS}/sprockets.${GROUP}`)]);
      const holders = [d.body, sp.body].filter((b) => ((b as { status: { acceptedNames: { shortNames?: string[] } } }).status.acceptedNames.shortNames ?? []).includes('wd'));
      return holders.length === 1 ? true : undefined;
    }, 30_000);
  });
});
