// Deletion semantics against a real etcd: graceful pods (the agent confirms with
// gracePeriodSeconds=0), finalizers, propagation policies, namespaces that empty
// themselves and refuse new content while Terminating.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventuallyMatch } from '../helpers/eventually.js';

let s: TestApiServer;
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);
const merge = { contentType: 'application/merge-patch+json' };
const PODS = '/api/v1/namespaces/default/pods';
const podSpec = { containers: [{ name: 'c', image: 'img' }] };

beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s?.stop();
});

describe('pods', () => {
  test('an unscheduled pod is removed at once', async () => {
    await req('POST', PODS, { metadata: { name: 'unsched' }, spec: podSpec });
    const d = await req('DELETE', `${PODS}/unsched`);
    expect(d.status).toBe(200);
    expect((await req('GET', `${PODS}/unsched`)).status).toBe(404);
  });

  test('a scheduled pod gets deletionTimestamp + grace, and goes when the agent confirms with gracePeriodSeconds=0', async () => {
    await req('POST', PODS, { metadata: { name: 'graceful' }, spec: { ...podSpec, terminationGracePeriodSeconds: 20 } });
    await req('POST', `${PODS}/graceful/binding`, { target: { name: 'n1' } });
    const before = Date.now();
    const d = await req('DELETE', `${PODS}/graceful`);
    expect(d.status).toBe(200);
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(20);
    const ts = Date.parse(d.body.metadata.deletionTimestamp);
    expect(ts).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 19_000);
    // Still there (the agent has not confirmed); a second plain DELETE changes nothing.
    const again = await req('DELETE', `${PODS}/graceful`);
    expect(again.status).toBe(200);
    expect(again.body.metadata.resourceVersion).toBe(d.body.metadata.resourceVersion);
    // A shorter grace period shortens it.
    const shorter = await req('DELETE', `${PODS}/graceful`, { gracePeriodSeconds: 5 });
    expect(shorter.body.metadata.deletionGracePeriodSeconds).toBe(5);
    // The agent's confirmation.
    const confirm = await req('DELETE', `${PODS}/graceful`, { gracePeriodSeconds: 0 });
    expect(confirm.status).toBe(200);
    expect((await req('GET', `${PODS}/graceful`)).status).toBe(404);
  });

  test('explicit gracePeriodSeconds=0 deletes a scheduled pod immediately (query parameter form)', async () => {
    await req('POST', PODS, { metadata: { name: 'force' }, spec: podSpec });
    await req('POST', `${PODS}/force/binding`, { target: { name: 'n1' } });
    expect((await req('DELETE', `${PODS}/force?gracePeriodSeconds=0`)).status).toBe(200);
    expect((await req('GET', `${PODS}/force`)).status).toBe(404);
  });

  test('preconditions: a wrong uid is 409', async () => {
    await req('POST', PODS, { metadata: { name: 'precond' }, spec: podSpec });
    const r = await req('DELETE', `${PODS}/precond`, { preconditions: { uid: 'not-the-uid' } });
    expect(r.status).toBe(409);
    expect(r.body.message).toContain('Precondition failed');
    expect((await req('DELETE', `${PODS}/precond`)).status).toBe(200);
  });

  test('binding a pod that is being deleted is 409', async () => {
    await req('POST', PODS, { metadata: { name: 'dying', finalizers: ['test/hold'] }, spec: podSpec });
    await req('DELETE', `${PODS}/dying`);
    const b = await req('POST', `${PODS}/dying/binding`, { target: { name: 'n1' } });
    expect(b.status).toBe(409);
    await req('PATCH', `${PODS}/dying`, { metadata: { finalizers: null } }, merge);
    expect((await req('GET', `${PODS}/dying`)).status).toBe(404);
  });
});

describe('finalizers and propagation', () => {
  const CMS = '/api/v1/namespaces/default/configmaps';

  test('an object with finalizers stays (deletionTimestamp set) until the last finalizer is removed', async () => {
    await req('POST', CMS, { metadata: { name: 'fin', finalizers: ['a.example/x', 'b.example/y'] } });
    const d = await req('DELETE', `${CMS}/fin`);
    expect(d.status).toBe(200);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    expect(d.body.kind).toBe('ConfigMap');
    let g = await req('GET', `${CMS}/fin`);
    expect(g.status).toBe(200);
    // Removing one finalizer: still there.
    g = await req('PATCH', `${CMS}/fin`, { metadata: { finalizers: ['b.example/y'] } }, merge);
    expect(g.status).toBe(200);
    expect((await req('GET', `${CMS}/fin`)).status).toBe(200);
    // The deletionTimestamp cannot be cleared by an update.
    const cur = (await req('GET', `${CMS}/fin`)).body;
    const { deletionTimestamp: _d, ...mdNoTs } = cur.metadata;
    const put = await req('PUT', `${CMS}/fin`, { ...cur, metadata: mdNoTs });
    expect(put.body.metadata.deletionTimestamp).toBe(cur.metadata.deletionTimestamp);
    // Removing the last one deletes it.
    const last = await req('PATCH', `${CMS}/fin`, { metadata: { finalizers: [] } }, merge);
    expect(last.status).toBe(200);
    expect((await req('GET', `${CMS}/fin`)).status).toBe(404);
  });

  test('removing the last finalizer answers with the final state (no finalizers, deletionTimestamp set), by PATCH and by PUT', async () => {
    for (const how of ['patch', 'put'] as const) {
      const name = `fin-last-${how}`;
      await req('POST', CMS, { metadata: { name, finalizers: ['a.example/x'] }, data: { k: 'v' } });
      const d = await req('DELETE', `${CMS}/${name}`);
      const ts = d.body.metadata.deletionTimestamp as string;
      expect(ts).toBeTruthy();
      let last;
      if (how === 'patch') last = await req('PATCH', `${CMS}/${name}`, { metadata: { finalizers: null } }, merge);
      else {
        const cur = (await req('GET', `${CMS}/${name}`)).body;
        last = await req('PUT', `${CMS}/${name}`, { ...cur, metadata: { ...cur.metadata, finalizers: [] } });
      }
      expect(last.status).toBe(200);
      expect(last.body.kind).toBe('ConfigMap');
      expect(last.body.metadata.name).toBe(name);
      expect(last.body.metadata.finalizers ?? []).toEqual([]);
      expect(last.body.metadata.deletionTimestamp).toBe(ts);
      expect(last.body.data).toEqual({ k: 'v' });
      // resourceVersion is the deletion's revision: after the DELETE's.
      expect(Number(last.body.metadata.resourceVersion)).toBeGreaterThan(Number(d.body.metadata.resourceVersion));
      expect((await req('GET', `${CMS}/${name}`)).status).toBe(404);
    }
  });

  test('a plain delete of an object without finalizers returns a Success Status', async () => {
    await req('POST', CMS, { metadata: { name: 'plain' } });
    const d = await req('DELETE', `${CMS}/plain`);
    expect(d.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'plain', kind: 'configmaps' } });
  });

  test('Foreground adds foregroundDeletion, Orphan adds orphan (for the garbage collector)', async () => {
    const D = '/apis/apps/v1/namespaces/default/deployments';
    const dep = (name: string) => ({
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } },
    });
    await req('POST', D, dep('fg'));
    await req('POST', D, dep('or'));
    const fg = await req('DELETE', `${D}/fg`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
    expect(fg.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(fg.body.metadata.deletionTimestamp).toBeTruthy();
    const or = await req('DELETE', `${D}/or?propagationPolicy=Orphan`);
    expect(or.body.metadata.finalizers).toEqual(['orphan']);
    const bg = await req('POST', D, dep('bg'));
    expect(bg.status).toBe(201);
    const del = await req('DELETE', `${D}/bg`, { propagationPolicy: 'Background' });
    expect(del.body.status).toBe('Success');
  });
});

describe('namespaces', () => {
  test('system namespaces exist and default cannot be deleted', async () => {
    const list = await req('GET', '/api/v1/namespaces');
    const names = list.body.items.map((n: any) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-node-lease', 'orch-node-lease']));
    expect(list.body.items.every((n: any) => n.status.phase === 'Active')).toBe(true);
    const d = await req('DELETE', '/api/v1/namespaces/default');
    expect(d.status).toBe(403);
  });

  test('deleting a namespace marks it Terminating, refuses new content (403), empties it, then removes it', async () => {
    await req('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    await req('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'c1' } });
    await req('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'held', finalizers: ['test/hold'] } });
    await req('POST', '/api/v1/namespaces/doomed/pods', { metadata: { name: 'p' }, spec: podSpec });
    await req('POST', '/api/v1/namespaces/doomed/pods/p/binding', { target: { name: 'n1' } });
    await req('POST', '/apis/apps/v1/namespaces/doomed/deployments', {
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } },
    });

    const d = await req('DELETE', '/api/v1/namespaces/doomed');
    expect(d.status).toBe(200);
    expect(d.body.status.phase).toBe('Terminating');
    const create = await req('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'late' } });
    expect(create.status).toBe(403);
    expect(create.body.message).toContain('being terminated');

    // Everything without a finalizer goes; the pod is deleted gracefully (agent confirms).
    await eventuallyMatch('configmap doomed/c1 to be gone', () => req('GET', '/api/v1/namespaces/doomed/configmaps/c1'), (r) => r.status === 404, 20_000);
    await eventuallyMatch('deployment doomed/d to be gone', () => req('GET', '/apis/apps/v1/namespaces/doomed/deployments/d'), (r) => r.status === 404, 20_000);
    const p = await eventuallyMatch('pod doomed/p to be terminating', () => req('GET', '/api/v1/namespaces/doomed/pods/p'), (r) => !!r.body.metadata?.deletionTimestamp, 20_000);
    expect(p.body.metadata.deletionGracePeriodSeconds).toBe(30);
    await req('DELETE', '/api/v1/namespaces/doomed/pods/p', { gracePeriodSeconds: 0 });
    // The held object keeps the namespace alive until its finalizer goes: a cleanup pass
    // after the pod went finds only it (and says so in the conditions), and stops there.
    const held = await eventuallyMatch(
      'a cleanup pass that finds only the held ConfigMap',
      () => req('GET', '/api/v1/namespaces/doomed'),
      (r) => {
        const c = (type: string) => (r.body.status?.conditions ?? []).find((x: { type: string }) => x.type === type);
        return r.status === 200 && c('NamespaceFinalizersRemaining')?.status === 'True' && c('NamespaceContentRemaining')?.status === 'True' && !/pods/.test(c('NamespaceContentRemaining')?.message ?? '');
      },
      20_000,
    );
    expect(held.body.status.phase).toBe('Terminating');
    await req('PATCH', '/api/v1/namespaces/doomed/configmaps/held', { metadata: { finalizers: [] } }, merge);
    await eventuallyMatch('namespace doomed to be gone', () => req('GET', '/api/v1/namespaces/doomed'), (r) => r.status === 404, 20_000);
  });
});
