import { describe, expect, it } from 'vitest';
import { errors, isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { Deployment, Pod } from '../../api/types.js';
import { FakeClient } from './fake-client.js';

const pod = (name: string, labels: Record<string, string> = {}, ns = 'default'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});

describe('FakeClient', () => {
  it('create sets server fields, rejects duplicates, supports generateName; actions are recorded', async () => {
    const c = new FakeClient();
    const p = await c.pods.create(pod('a'));
    expect(p.metadata).toMatchObject({ name: 'a', namespace: 'default', generation: 1 });
    expect(p.metadata.uid).toBeTruthy();
    expect(p.metadata.creationTimestamp).toBeTruthy();
    expect(isAlreadyExists(await c.pods.create(pod('a')).catch((e) => e))).toBe(true);
    const g = await c.pods.create({ ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } });
    expect(g.metadata.name).toMatch(/^web-.{5}$/);
    expect(c.actions.map((a) => a.verb)).toEqual(['create', 'create', 'create']);
    expect(c.actions[0]).toMatchObject({ verb: 'create', resource: 'pods', namespace: 'default', name: 'a' });
  });

  it('resourceVersions increase; update with a stale RV is 409; no-op update keeps the RV', async () => {
    const c = new FakeClient();
    const p1 = await c.pods.create(pod('a'));
    const p2 = await c.pods.update({ ...p1, metadata: { ...p1.metadata, labels: { x: 'y' } } });
    expect(Number(p2.metadata.resourceVersion)).toBeGreaterThan(Number(p1.metadata.resourceVersion));
    expect(isConflict(await c.pods.update({ ...p1, metadata: { ...p1.metadata, labels: { x: 'z' } } }).catch((e) => e))).toBe(true);
    const p3 = await c.pods.update(p2);
    expect(p3.metadata.resourceVersion).toBe(p2.metadata.resourceVersion);
  });

  it('separates spec and status; generation moves on spec changes only', async () => {
    const c = new FakeClient();
    const p = await c.pods.create(pod('a'));
    const s = await c.pods.updateStatus({ ...p, status: { phase: 'Running' }, spec: { containers: [] } });
    expect(s.status?.phase).toBe('Running');
    expect(s.spec.containers).toHaveLength(1); // status endpoint ignored the spec
    const u = await c.pods.update({ ...s, status: { phase: 'Failed' }, spec: { ...s.spec, containers: [{ ...s.spec.containers[0]!, image: 'busybox:2' }] } });
    expect(u.status?.phase).toBe('Running'); // main endpoint ignored the status
    expect(u.metadata.generation).toBe(2);
    const ps = await c.pods.patchStatus('a', 'default', { status: { phase: 'Succeeded' } });
    expect(ps.metadata.generation).toBe(2);
  });

  it('get/delete 404, list with label and field selectors and paging, across namespaces', async () => {
    const c = new FakeClient();
    c.seed([pod('a', { app: 'x' }), pod('b', { app: 'y' }), pod('c', { app: 'x' }, 'other')]);
    expect(isNotFound(await c.pods.get('zz', 'default').catch((e) => e))).toBe(true);
    expect(isNotFound(await c.pods.delete('zz', 'default').catch((e) => e))).toBe(true);
    expect((await c.pods.list({ labelSelector: 'app=x' })).items.map((p) => p.metadata.name)).toEqual(['a', 'c']);
    expect((await c.pods.list({ namespace: 'default', labelSelector: 'app in (x,y)' })).items).toHaveLength(2);
    expect((await c.pods.list({ fieldSelector: 'metadata.name=b' })).items.map((p) => p.metadata.name)).toEqual(['b']);
    const page1 = await c.pods.list({ limit: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await c.pods.list({ limit: 2, continue: page1.metadata.continue });
    expect(page2.items.map((p) => p.metadata.name)).toEqual(['c']);
    expect(page2.metadata.continue).toBeUndefined();
    expect(c.actions).toHaveLength(7); // get, delete, 5 lists: seed is not recorded
  });

  it('patch: merge and json; bind once; scale', async () => {
    const c = new FakeClient();
    await c.pods.create(pod('a'));
    expect((await c.pods.patch('a', 'default', { metadata: { labels: { k: 'v' } } })).metadata.labels).toEqual({ k: 'v' });
    expect((await c.pods.patch('a', 'default', [{ op: 'remove', path: '/metadata/labels/k' }], 'json')).metadata.labels).toBeUndefined(); // empty: not stored (omitempty)
    await c.pods.bind({ metadata: { name: 'a', namespace: 'default' }, target: { name: 'n1' } });
    expect(c.peek<Pod>('pods', 'a', 'default')!.spec.nodeName).toBe('n1');
    expect(isConflict(await c.pods.bind({ metadata: { name: 'a', namespace: 'default' }, target: { name: 'n2' } }).catch((e) => e))).toBe(true);
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    await c.deployments.create(d);
    const sc = await c.deployments.getScale('d', 'default');
    expect(sc).toMatchObject({ kind: 'Scale', spec: { replicas: 1 }, status: { selector: 'app=d' } });
    await c.deployments.updateScale('d', 'default', { ...sc, spec: { replicas: 4 } });
    expect((await c.deployments.get('d', 'default')).spec.replicas).toBe(4);
  });

  it('watch: current state without RV, history after an RV, 410 after compact, selector transitions', async () => {
    const c = new FakeClient();
    c.seed([pod('a', { app: 'x' })]);
    const rv = c.currentResourceVersion();
    await c.pods.create(pod('b', { app: 'x' }));
    const fromNow = c.pods.watch();
    const fromRV = c.pods.watch({ resourceVersion: rv, labelSelector: 'app=x' });
    await c.pods.patch('b', 'default', { metadata: { labels: { app: 'y' } } }); // stops matching
    const take = async (w: ReturnType<typeof c.pods.watch>, n: number) => {
      const out: string[] = [];
      for await (const ev of w) {
        out.push(`${ev.type} ${ev.object.metadata.name}`);
        if (out.length === n) break;
      }
      w.stop();
      return out;
    };
    expect(await take(fromNow, 3)).toEqual(['ADDED a', 'ADDED b', 'MODIFIED b']);
    expect(await take(fromRV, 2)).toEqual(['ADDED b', 'DELETED b']);
    c.compact();
    const old = c.pods.watch({ resourceVersion: rv });
    const evs = [];
    for await (const ev of old) evs.push(ev);
    expect(evs).toHaveLength(1);
    expect(evs[0]!.type).toBe('ERROR');
    expect((evs[0]!.object as unknown as { code: number }).code).toBe(410);
  });

  it('failNext and reactors inject errors and answers', async () => {
    const c = new FakeClient();
    c.failNext('create', 'pods', errors.unavailable('boom'));
    await expect(c.pods.create(pod('a'))).rejects.toThrow('boom');
    await expect(c.pods.create(pod('a'))).resolves.toBeTruthy();
    c.prependReactor('get', 'pods', (a) => (a.name === 'magic' ? pod('magic') : undefined));
    expect((await c.pods.get('magic', 'default')).metadata.name).toBe('magic');
    expect(isNotFound(await c.pods.get('other', 'default').catch((e) => e))).toBe(true);
    expect(() => c.resource('widgets')).toThrow(/unknown resource/);
  });

  it('returned objects are copies: mutating them does not change the store', async () => {
    const c = new FakeClient();
    const p = await c.pods.create(pod('a'));
    p.metadata.labels = { mutated: 'yes' };
    expect((await c.pods.get('a', 'default')).metadata.labels).toBeUndefined(); // the stored pod had none (empty maps are not stored)
  });
});
