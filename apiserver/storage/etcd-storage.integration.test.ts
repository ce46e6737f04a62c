// Integration tests of the etcd storage against a real, throw-away etcd.

import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError, isAlreadyExists, isConflict, isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { freePort } from '../../test/helpers/ports.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import { eventually } from '../../test/helpers/eventually.js';

let etcd: TestEtcd;
let raw: Etcd3;
let tenant = 0;

/** Each test gets its own prefix on the shared test etcd. */
async function newStorage(extra: Partial<Parameters<typeof createEtcdStorage>[0]> = {}): Promise<EtcdStorage> {
  tenant++;
  return createEtcdStorage({ endpoints: [etcd.endpoint], prefix: `/t${tenant}/registry`, ...extra });
}

function pod(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, ...extra };
}

async function apiErr(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the promise to reject');
}

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
});

afterAll(async () => {
  raw?.close();
  await etcd?.stop();
});

describe('CRUD', () => {
  test('create/get/update/delete with resourceVersion = mod revision, not stored in the value', async () => {
    const s = await newStorage();
    try {
      const created = await s.create('/registry/pods/default/web', { ...pod('web'), metadata: { name: 'web', namespace: 'default', resourceVersion: '999' } });
      const rv1 = Number(created.metadata.resourceVersion);
      expect(rv1).toBeGreaterThan(0);
      expect(rv1).not.toBe(999);

      const stored = await raw.get(`/t${tenant}/registry/pods/default/web`).string();
      expect(stored).not.toBeNull();
      expect(JSON.parse(stored!).metadata.resourceVersion).toBeUndefined();

      const got = await s.get('/registry/pods/default/web');
      expect(got).toEqual(created);
      expect(await s.get('/registry/pods/default/nope')).toBeUndefined();

      const upd = await s.guaranteedUpdate('/registry/pods/default/web', (cur) => ({ ...cur!, status: { phase: 'Running' } }));
      expect(upd.changed).toBe(true);
      expect(upd.deleted).toBe(false);
      expect(Number(upd.object!.metadata.resourceVersion)).toBeGreaterThan(rv1);
      expect((await s.get('/registry/pods/default/web'))!.status).toEqual({ phase: 'Running' });

      const del = await s.delete('/registry/pods/default/web');
      expect(del!.status).toEqual({ phase: 'Running' });
      expect(Number(del!.metadata.resourceVersion)).toBeGreaterThan(Number(upd.object!.metadata.resourceVersion));
      expect(await s.get('/registry/pods/default/web')).toBeUndefined();
      expect(await s.delete('/registry/pods/default/web')).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  test('create of an existing key is 409 AlreadyExists naming the resource', async () => {
    const s = await newStorage();
    try {
      await s.create('/registry/pods/default/web', pod('web'));
      const e = await apiErr(s.create('/registry/pods/default/web', pod('web')));
      expect(isAlreadyExists(e)).toBe(true);
      expect(e.message).toBe('pods "web" already exists');
      await s.create('/registry/apps/deployments/default/web', { metadata: { name: 'web' } });
      const e2 = await apiErr(s.create('/registry/apps/deployments/default/web', { metadata: { name: 'web' } }));
      expect(e2.message).toBe('deployments.apps "web" already exists');
      await s.create('/registry/nodes/n1', { metadata: { name: 'n1' } });
      expect((await apiErr(s.create('/registry/nodes/n1', { metadata: { name: 'n1' } }))).message).toBe('nodes "n1" already exists');
    } finally {
      await s.close();
    }
  });

  test('20 concurrent creates of one key: exactly one succeeds, the rest are AlreadyExists', async () => {
    const s = await newStorage();
    try {
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => s.create('/registry/pods/default/race', pod('race', { data: i }))));
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isAlreadyExists(r.reason)).toBe(true);
      const winner = (ok[0] as PromiseFulfilledResult<KubeObject>).value;
      expect(await s.get('/registry/pods/default/race')).toEqual(winner);
    } finally {
      await s.close();
    }
  });

  test('50 concurrent guaranteedUpdate increments: no lost update', async () => {
    const s = await newStorage();
    try {
      await s.create('/registry/configmaps/default/counter', { metadata: { name: 'counter' }, data: { n: 0 } });
      const bump = (cur: KubeObject | undefined) => ({ ...cur!, data: { n: (cur!.data as { n: number }).n + 1 } });
      const res = await Promise.all(Array.from({ length: 50 }, () => s.guaranteedUpdate('/registry/configmaps/default/counter', bump)));
      expect(res.every((r) => r.changed)).toBe(true);
      const rvs = new Set(res.map((r) => r.object!.metadata.resourceVersion));
      expect(rvs.size).toBe(50);
      expect(((await s.get('/registry/configmaps/default/counter'))!.data as { n: number }).n).toBe(50);
    } finally {
      await s.close();
    }
  });

  test('50 concurrent read-modify-write clients with expectedRevision: successes == final value, others 409 Conflict', async () => {
    const s = await newStorage();
    try {
      const key = '/registry/configmaps/default/counter';
      await s.create(key, { metadata: { name: 'counter' }, data: { n: 0 } });
      const client = async () => {
        const cur = (await s.get(key))!;
        const rv = Number(cur.metadata.resourceVersion);
        return s.guaranteedUpdate(key, (c) => ({ ...c!, data: { n: (c!.data as { n: number }).n + 1 } }), { expectedRevision: rv });
      };
      const results = await Promise.allSettled(Array.from({ length: 50 }, client));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      for (const r of results) {
        if (r.status === 'rejected') {
          expect(isConflict(r.reason)).toBe(true);
          expect((r.reason as ApiError).message).toBe(
            'Operation cannot be fulfilled on configmaps "counter": the object has been modified; please apply your changes to the latest version and try again',
          );
        }
      }
      expect(ok).toBeGreaterThanOrEqual(1);
      expect(((await s.get(key))!.data as { n: number }).n).toBe(ok);
    } finally {
      await s.close();
    }
  });

  test('no-op updates keep the resourceVersion; in-place mutation is still written', async () => {
    const s = await newStorage();
    try {
      const key = '/registry/pods/default/web';
      const created = await s.create(key, pod('web', { status: { phase: 'Pending', a: 1, b: 2 } }));
      const same = await s.guaranteedUpdate(key, (cur) => cur);
      expect(same.changed).toBe(false);
      expect(same.object!.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      // Equal content in a different key order is still no change.
      const reordered = await s.guaranteedUpdate(key, (cur) => ({ status: { b: 2, a: 1, phase: 'Pending' }, spec: cur!.spec, metadata: cur!.metadata, kind: 'Pod', apiVersion: 'v1' }));
      expect(reordered.changed).toBe(false);
      expect(reordered.object!.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      // Mutating the object handed in and returning the same reference is a change.
      const mutated = await s.guaranteedUpdate(key, (cur) => {
        (cur!.status as { phase: string }).phase = 'Running';
        return cur;
      });
      expect(mutated.changed).toBe(true);
      expect(Number(mutated.object!.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      expect(((await s.get(key))!.status as { phase: string }).phase).toBe('Running');
    } finally {
      await s.close();
    }
  });

  test('guaranteedUpdate: missing key, notFound, create-on-missing, delete by returning undefined, stale expectedRevision', async () => {
    const s = await newStorage();
    try {
      const key = '/registry/pods/default/web';
      const nf = await apiErr(s.guaranteedUpdate(key, (c) => c, { expectedRevision: 5 }));
      expect(isNotFound(nf)).toBe(true);
      expect(nf.message).toBe('pods "web" not found');
      const custom = new Error('custom not found');
      await expect(s.guaranteedUpdate(key, (c) => c, { notFound: () => custom })).rejects.toBe(custom);
      expect(await s.guaranteedUpdate(key, () => undefined)).toEqual({ object: undefined, changed: false, deleted: false });

      const made = await s.guaranteedUpdate(key, (c) => c ?? pod('web'));
      expect(made.changed).toBe(true);
      const rv = Number(made.object!.metadata.resourceVersion);
      await s.guaranteedUpdate(key, (c) => ({ ...c!, status: { phase: 'Running' } }));
      expect(isConflict(await apiErr(s.guaranteedUpdate(key, (c) => ({ ...c!, x: 1 }), { expectedRevision: rv })))).toBe(true);
      expect(isConflict(await apiErr(s.delete(key, { expectedRevision: rv })))).toBe(true);

      const gone = await s.guaranteedUpdate(key, () => undefined);
      expect(gone.deleted).toBe(true);
      expect(gone.changed).toBe(true);
      expect((gone.object!.status as { phase: string }).phase).toBe('Running');
      expect(await s.get(key)).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  test('keys under different prefixes (tenants) are isolated; lists do not spill into sibling resources', async () => {
    const a = await newStorage();
    const b = await newStorage();
    try {
      await a.create('/registry/pods/default/x', pod('x'));
      await a.create('/registry/podtemplates/default/y', { metadata: { name: 'y' } });
      expect(await b.get('/registry/pods/default/x')).toBeUndefined();
      expect((await b.list('/registry/pods')).items).toHaveLength(0);
      expect((await a.list('/registry/pods')).items.map((o) => o.metadata.name)).toEqual(['x']);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('list', () => {
  test('pages are consistent with the first page, even when writes happen between pages', async () => {
    const s = await newStorage();
    try {
      for (let i = 0; i < 25; i++) await s.create(`/registry/pods/default/p${String(i).padStart(2, '0')}`, pod(`p${i}`));
      const all = await s.list('/registry/pods/default/');
      expect(all.items).toHaveLength(25);
      expect(all.continueToken).toBeUndefined();

      const p1 = await s.list('/registry/pods/default/', { limit: 10 });
      expect(p1.items.map((o) => o.metadata.name)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
      expect(p1.continueToken).toBeDefined();
      expect(p1.remainingItemCount).toBe(15);
      // Writes after the first page must not show up in later pages.
      await s.delete('/registry/pods/default/p15');
      await s.create('/registry/pods/default/p99', pod('p99'));
      await s.guaranteedUpdate('/registry/pods/default/p20', (c) => ({ ...c!, status: { phase: 'Changed' } }));

      const p2 = await s.list('/registry/pods/default/', { limit: 10, continueToken: p1.continueToken });
      expect(p2.revision).toBe(p1.revision);
      expect(p2.items.map((o) => o.metadata.name)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i + 10}`));
      expect(p2.items[5]!.metadata.name).toBe('p15');
      const p3 = await s.list('/registry/pods/default/', { limit: 10, continueToken: p2.continueToken });
      expect(p3.items.map((o) => o.metadata.name)).toEqual(['p20', 'p21', 'p22', 'p23', 'p24']);
      expect(p3.items[0]!.status).toBeUndefined();
      expect(p3.continueToken).toBeUndefined();
      for (const o of [...p1.items, ...p2.items, ...p3.items]) expect(Number(o.metadata.resourceVersion)).toBeLessThanOrEqual(p1.revision);

      // A fresh list sees the new state.
      const now = await s.list('/registry/pods/default/');
      expect(now.items.map((o) => o.metadata.name)).toContain('p99');
      expect(now.items.map((o) => o.metadata.name)).not.toContain('p15');
      expect(now.revision).toBeGreaterThan(p1.revision);
    } finally {
      await s.close();
    }
  });

  test('listJson gives the same bytes as stringifying list(), pages and continue tokens included', async () => {
    const s = await newStorage();
    try {
      for (let i = 0; i < 12; i++) {
        const extra = i % 3 === 0 ? { metadata: { name: `p${i}`, namespace: 'default', labels: { a: 'x"y\\' }, annotations: { j: '{"metadata":{"resourceVersion":"1"}}' } } } : {};
        await s.create(`/registry/pods/default/p${String(i).padStart(2, '0')}`, pod(`p${i}`, extra));
      }
      // Unusual layouts the text path must leave to the fallback, with the same result.
      await s.create('/registry/pods/default/q-spec-first', { spec: { x: [1, { metadata: {} }] }, metadata: { name: 'q' } } as KubeObject);
      await s.create('/registry/pods/default/q-empty-md', { kind: 'Pod', metadata: {} } as KubeObject);
      await raw.put('/t' + tenant + '/registry/pods/default/q-foreign').value('{"metadata":{"name":"f","resourceVersion":"3"},"a":true}');
      await raw.put('/t' + tenant + '/registry/pods/default/q-no-md').value('{"kind":"Pod","n":-1.5e3,"b":null}');
      const all = await s.list('/registry/pods/default/');
      const json = async (o?: { limit: number; continueToken?: string }) => {
        const r = await s.listJson('/registry/pods/default/', o);
        return { ...r, items: r.items.map((pieces) => Buffer.concat(pieces).toString('utf8')) };
      };
      const text = await json();
      expect(text.revision).toBe(all.revision);
      expect(text.items).toEqual(all.items.map((o) => JSON.stringify(o)));
      let token: string | undefined;
      const pages: string[] = [];
      do {
        const a = await s.list('/registry/pods/default/', { limit: 5, continueToken: token });
        const b = await json({ limit: 5, continueToken: token });
        expect(b.items).toEqual(a.items.map((o) => JSON.stringify(o)));
        expect([b.continueToken, b.remainingItemCount]).toEqual([a.continueToken, a.remainingItemCount]);
        pages.push(...b.items);
        token = b.continueToken;
      } while (token);
      expect(pages).toEqual(text.items);
    } finally {
      await s.close();
    }
  });

  test('a predicate filters while scanning: limit counts matching items', async () => {
    const s = await newStorage();
    try {
      for (let i = 0; i < 30; i++) await s.create(`/registry/pods/default/p${String(i).padStart(2, '0')}`, pod(`p${i}`, { spec: { even: i % 3 === 0 } }));
      const pred = (o: KubeObject) => (o.spec as { even: boolean }).even;
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.list('/registry/pods/', { limit: 4, continueToken: token, predicate: pred });
        expect(page.items.length).toBeLessThanOrEqual(4);
        seen.push(...page.items.map((o) => o.metadata.name!));
        token = page.continueToken;
        pages++;
      } while (token && pages < 20);
      expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `p${i * 3}`));
    } finally {
      await s.close();
    }
  });

  test('reading at an explicit revision; a compacted continue token is 410; a malformed one is 400', async () => {
    const s = await newStorage();
    try {
      await s.create('/registry/pods/default/a', pod('a'));
      const r1 = await s.currentRevision();
      await s.create('/registry/pods/default/b', pod('b'));
      expect((await s.list('/registry/pods/', { revision: r1 })).items.map((o) => o.metadata.name)).toEqual(['a']);
      const p1 = await s.list('/registry/pods/', { limit: 1 });
      expect(p1.continueToken).toBeDefined();
      await s.create('/registry/pods/default/c', pod('c'));
      await s.compact(await s.currentRevision());
      const e = await apiErr(s.list('/registry/pods/', { limit: 1, continueToken: p1.continueToken }));
      expect(e.code).toBe(410);
      expect(e.reason).toBe('Expired');
      expect(e.message).toMatch(/continue parameter is too old/);
      for (const bad of ['!!!', 'bm90IGpzb24', Buffer.from('{"v":1,"rev":"x","start":""}').toString('base64url'), Buffer.from('[]').toString('base64url')]) {
        const b = await apiErr(s.list('/registry/pods/', { limit: 1, continueToken: bad }));
        expect(b.code).toBe(400);
      }
      const old = await apiErr(s.list('/registry/pods/', { revision: r1 }));
      expect(old.code).toBe(410);
    } finally {
      await s.close();
    }
  });

  test('currentRevision follows writes; compact of an already compacted revision is fine', async () => {
    const s = await newStorage();
    try {
      const r0 = await s.currentRevision();
      const o = await s.create('/registry/pods/default/a', pod('a'));
      const r1 = await s.currentRevision();
      expect(r1).toBe(Number(o.metadata.resourceVersion));
      expect(r1).toBeGreaterThan(r0);
      await s.compact(r1);
      await s.compact(r0);
      expect(await s.healthy()).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('etcd outage', () => {
  test('with several endpoints, a dead one is skipped: every call succeeds', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const s = await newStorage({ endpoints: [dead, etcd.endpoint] });
    try {
      for (let i = 0; i < 20; i++) {
        await s.create(`/registry/pods/default/p${i}`, pod(`p${i}`));
        expect((await s.get(`/registry/pods/default/p${i}`))!.metadata.name).toBe(`p${i}`);
      }
      expect((await s.list('/registry/pods/')).items).toHaveLength(20);
    } finally {
      await s.close();
    }
  });


  test('503 within bounded time while etcd is down; the same instance recovers when it returns', async () => {
    const observed: { op: string; ok: boolean }[] = [];
    const s = await newStorage({ requestTimeoutMs: 2000, observe: (op, _sec, ok) => observed.push({ op, ok }) });
    try {
      await s.create('/registry/pods/default/a', pod('a'));
      expect(observed).toContainEqual({ op: 'create', ok: true });
      await etcd.pause();
      try {
        const calls: [string, () => Promise<unknown>][] = [
          ['get', () => s.get('/registry/pods/default/a')],
          ['list', () => s.list('/registry/pods/')],
          ['create', () => s.create('/registry/pods/default/b', pod('b'))],
          ['update', () => s.guaranteedUpdate('/registry/pods/default/a', (c) => ({ ...c!, x: 1 }))],
          ['delete', () => s.delete('/registry/pods/default/a')],
          ['revision', () => s.currentRevision()],
        ];
        for (const [name, call] of calls) {
          const t0 = Date.now();
          const e = await apiErr(call());
          expect(e.code, name).toBe(503);
          expect(e.message).toMatch(/^etcd is unavailable: .*the apiserver will recover by itself when etcd returns/);
          // Generous bound: requestTimeoutMs is 2 s; a hang would be far longer.
          expect(Date.now() - t0, name).toBeLessThan(10_000);
        }
        expect(await s.healthy()).toBe(false);
        expect(observed).toContainEqual({ op: 'get', ok: false });
      } finally {
        await etcd.resume();
      }
      const got = await eventually('a read to succeed once etcd is back', () => s.get('/registry/pods/default/a'), 20_000, 200);
      expect(got.metadata.name).toBe('a');
      await s.create('/registry/pods/default/b', pod('b'));
      expect(await s.healthy()).toBe(true);
    } finally {
      await s.close();
    }
  });
});
