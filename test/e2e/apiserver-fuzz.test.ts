// Generated bad input against a real apiserver and etcd: valid manifests, patches and
// query strings of every kind, mutated at random (wrong types, numbers past int32 and
// 2^53, junk directives, deep values, removed keys), sent through every write verb and
// subresource. Whatever comes back must be no 5xx, every error a Status, and the server
// must still serve afterwards (readyz, a normal create, a sane heap — the apiserver runs in
// this process). Bodies go as JSON and YAML, through create, update, the three patch types
// and server-side apply, with prototype-named keys and `__proto__` among the junk.
// The run is seeded: the seed is in the test's title and in every failure;
// ORCH_FUZZ_SEED=<seed> replays it. `npm test` sends 1,000 requests; ORCH_FUZZ_REQUESTS
// changes the count (`npm run fuzz`: the issue's 10,000).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { resourcePath } from '../../api/resources.js';
import { res, validSamples, type AnyObj } from '../../api/testing/validation-fixtures.js';
import { fuzzSeed, paths, random, type Random } from '../helpers/fuzz.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

const SEED = fuzzSeed();
const REQUESTS = Number(process.env.ORCH_FUZZ_REQUESTS ?? 1000);

let s: TestApiServer;

const chain = (n: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
};
const JUNK: unknown[] = [
  null, 0, -1, 1.5, 2 ** 31, 2 ** 31 - 1, 9007199254740994, 1e300, -1e300, '', 'x', 'Not A_Name', '10.0.0.1', 'None', '-1', '8080', '25%', 'a'.repeat(300),
  true, false, [], [null], ['x'], {}, { a: 1 }, [{}], { $patch: 'delete' }, { $patch: 'bogus' }, chain(30), '\u0000', '☃',
];
const KEYS = [
  'name', 'spec', 'status', 'metadata', 'replicas', 'nodeName', 'clusterIP', 'annotations', 'labels', 'containers', 'ports', 'port', 'finalizers', 'x', '$patch', '$retainKeys',
  '$setElementOrder/containers', '$deleteFromPrimitiveList/finalizers', '$frob', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'nfs', 'securityContext', 'privileged', 'hostNetwork',
];
const QUERY = [
  'dryRun=All', 'dryRun=all', 'dryRun=All&dryRun=All', 'dryRun=', 'fieldValidation=Strict', 'fieldValidation=Warn', 'fieldValidation=Ignore', 'fieldValidation=nope',
  'gracePeriodSeconds=0', 'gracePeriodSeconds=9007199254740993', 'gracePeriodSeconds=9007199254740991', 'gracePeriodSeconds=-5', 'gracePeriodSeconds=abc',
  'propagationPolicy=Foreground', 'propagationPolicy=x', 'orphanDependents=true', 'resourceVersion=abc', 'resourceVersion=1', 'resourceVersionMatch=Exact&resourceVersion=1',
  'limit=-1', 'limit=2', 'continue=zz', 'labelSelector=a%20in%20(', 'labelSelector=app%3Dweb', 'fieldSelector=spec.nodeName%3Dx', 'fieldSelector=bogus%3D1', 'timeoutSeconds=-1', 'pretty=true',
];
const POINTERS = ['', '/metadata', '/metadata/name', '/metadata/labels', '/metadata/annotations/a', '/metadata/resourceVersion', '/spec', '/spec/replicas', '/spec/nodeName', '/spec/clusterIP', '/spec/containers/0', '/spec/containers/-', '/spec/ports/0/port', '/data', '/x', '/x/a/a', '/status'];
const OPS = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'];
const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json'];

/** 1-3 random changes: a junk value, a removed key, a new key, a longer list (none, one time in five). */
function mutate<T extends object>(r: Random, value: T): T & Record<string, any> {
  const obj = structuredClone(value);
  for (let i = r.chance(0.2) ? 0 : 1 + r.int(3); i > 0; i--) {
    const all = paths(obj);
    if (all.length === 0) break;
    const path = r.pick(all);
    let parent = obj as unknown as Record<string | number, unknown>;
    for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
    const last = path[path.length - 1]!;
    const junk = structuredClone(r.pick(JUNK));
    const target = parent[last];
    switch (r.int(4)) {
      case 0:
        parent[last] = junk;
        break;
      case 1:
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 2:
        if (typeof target === 'object' && target !== null && !Array.isArray(target)) (target as Record<string, unknown>)[r.pick(KEYS)] = junk;
        else parent[last] = { [r.pick(KEYS)]: junk };
        break;
      default:
        if (Array.isArray(target)) target.push(junk);
        else parent[last] = [target, junk];
    }
  }
  return obj as T & Record<string, any>;
}

interface Sent {
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
}

const FIX = 'fz';
const kinds = validSamples.map(([kind, make]) => ({ kind, r: res(kind), make: (): AnyObj => ({ ...make(), metadata: { ...make().metadata, name: `${FIX}-${kind.toLowerCase()}` } }) }));
const query = (r: Random) => (r.chance(0.5) ? '' : `?${Array.from({ length: 1 + r.int(2) }, () => r.pick(QUERY)).join('&')}`);

/** One request: a verb and subresource at random, with a mutated body. */
function nextRequest(r: Random): Sent {
  // Pods have the most paths through the server (binding, graceful deletion, logs): a third of the requests.
  const k = r.chance(0.3) ? kinds[0]! : r.pick(kinds);
  const base = resourcePath(k.r, { namespace: 'default' });
  const name = r.chance(0.8) ? `${FIX}-${k.kind.toLowerCase()}` : r.pick(['other', 'Bad_Name', 'a'.repeat(300), '%2e%2e', 'x.y']);
  const obj = `${base}/${name}`;
  const manifest = k.make();
  switch (r.int(11)) {
    case 0:
      return { method: 'POST', path: base + query(r), body: mutate(r, { ...manifest, metadata: { ...manifest.metadata, name: r.chance(0.5) ? `${FIX}-new-${r.int(50)}` : manifest.metadata.name } }) };
    case 1:
      return { method: 'PUT', path: obj + query(r), body: mutate(r, manifest) };
    case 2:
    case 3: {
      const contentType = r.pick(PATCH_TYPES);
      if (contentType === 'application/json-patch+json') {
        const ops = Array.from({ length: 1 + r.int(4) }, () => {
          const op: Record<string, unknown> = { op: r.pick(OPS), path: r.pick(POINTERS) };
          if (r.chance(0.4)) op.from = r.pick(POINTERS);
          if (r.chance(0.7)) op.value = structuredClone(r.pick(JUNK));
          return op;
        });
        return { method: 'PATCH', path: obj + query(r), body: ops, contentType };
      }
      const partial = mutate(r, { metadata: { labels: { a: 'b' } }, spec: structuredClone((manifest.spec as object | undefined) ?? {}) });
      return { method: 'PATCH', path: obj + query(r), body: partial, contentType };
    }
    case 4: {
      if (!k.r.subresources.includes('status')) return { method: 'GET', path: obj };
      const body = mutate(r, { ...manifest, status: structuredClone((manifest.status as object | undefined) ?? { phase: 'Running' }) });
      return r.chance(0.5) ? { method: 'PUT', path: `${obj}/status${query(r)}`, body } : { method: 'PATCH', path: `${obj}/status${query(r)}`, body: { status: body.status }, contentType: r.pick(PATCH_TYPES.slice(0, 2)) };
    }
    case 5: {
      const scale = `${resourcePath(r.chance(0.5) ? res('Deployment') : res('ReplicaSet'), { namespace: 'default' })}/${FIX}-${r.pick(['deployment', 'replicaset'])}/scale${query(r)}`;
      const body = mutate(r, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'x' }, spec: { replicas: 2 } });
      return r.chance(0.5) ? { method: 'PUT', path: scale, body } : { method: 'PATCH', path: scale, body: { spec: body.spec }, contentType: r.pick(PATCH_TYPES.slice(0, 2)) };
    }
    case 6: {
      const body = mutate(r, { apiVersion: 'v1', kind: 'Binding', metadata: { name: `${FIX}-pod`, annotations: { 'example.com/a': 'b' } }, target: { kind: 'Node', name: 'node-1' } });
      const pod = r.chance(0.5) ? `${FIX}-pod` : `${FIX}-new-${r.int(50)}`;
      return { method: 'POST', path: `${resourcePath(res('Pod'), { namespace: 'default' })}/${pod}/binding${query(r)}`, body: { ...body, metadata: { ...body.metadata, name: pod } } };
    }
    case 7:
      return r.chance(0.5)
        ? { method: 'DELETE', path: obj + query(r) }
        : { method: 'DELETE', path: obj + query(r), body: mutate(r, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 5, propagationPolicy: 'Background', dryRun: ['All'], preconditions: { uid: 'x' } }) };
    case 8:
      return { method: 'GET', path: (r.chance(0.5) ? base : obj) + query(r) };
    case 9: {
      const m = mutate(r, manifest);
      // YAML: the same mutated objects as a YAML body (create, update) or an apply configuration.
      if (r.chance(0.5)) {
        const text = YAML.stringify(m);
        if (r.chance(0.5)) return { method: r.pick(['POST', 'PUT']), path: (r.chance(0.5) ? base : obj) + query(r), raw: text, contentType: 'application/yaml' };
        const q = `?fieldManager=fuzz${r.chance(0.3) ? '&force=true' : ''}${r.chance(0.3) ? `&${r.pick(QUERY)}` : ''}`;
        return { method: 'PATCH', path: obj + q, raw: r.chance(0.1) ? text.slice(0, r.int(text.length + 1)) : text, contentType: 'application/apply-patch+yaml' };
      }
      if (r.chance(0.05)) return { method: 'POST', path: base, raw: JSON.stringify(m).replace('"metadata":{', '"metadata":{"__proto__":{"polluted":1},'), contentType: 'application/json' };
      const text = JSON.stringify(m);
      return { method: r.pick(['POST', 'PUT', 'PATCH']), path: r.pick([base, obj]), raw: text.slice(0, r.int(text.length + 1)), contentType: r.pick(['application/json', 'application/yaml', 'text/plain', ...PATCH_TYPES]) };
    }
    default:
      // Recreate fixtures now and then, so deletes above do not starve the other verbs.
      return { method: 'POST', path: base, body: manifest };
  }
}

/** Numbers around the edges of int32, int64 and what a JSON number or a Date can hold. */
const NUMBERS = [0, 1, 30, -1, 1.5, 2 ** 31 - 1, 2 ** 31, 1e13, 2 ** 53 - 1, 9007199254740994, 1e300];

/**
 * A pod's life (create, bind, delete, confirm) with edge numbers in its grace periods and
 * deadline: the paths only a bound pod reaches, where such numbers turn into timestamps.
 */
function podLife(r: Random, n: number): Sent[] {
  const pods = resourcePath(res('Pod'), { namespace: 'default' });
  const name = `${FIX}-life-${n}`;
  const spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'img' }] };
  for (const f of ['terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'priority']) if (r.chance(0.4)) spec[f] = r.pick(NUMBERS);
  const del: Sent = { method: 'DELETE', path: `${pods}/${name}` };
  if (r.chance(0.4)) del.path += `?gracePeriodSeconds=${String(r.pick(NUMBERS))}`;
  else if (r.chance(0.3)) del.body = { kind: 'DeleteOptions', gracePeriodSeconds: r.pick(NUMBERS) };
  return [
    { method: 'POST', path: pods, body: { metadata: { name }, spec } },
    { method: 'POST', path: `${pods}/${name}/binding`, body: { target: { name: 'node-1' } } },
    del,
    { method: 'DELETE', path: `${pods}/${name}?gracePeriodSeconds=0` },
  ];
}

beforeAll(async () => {
  s = await startTestApiServer();
  for (const k of kinds) await apiRequest(s, 'POST', resourcePath(k.r, { namespace: 'default' }), k.make());
  // A bound pod: graceful deletion and the agent's paths need one.
  await apiRequest(s, 'POST', `${resourcePath(res('Pod'), { namespace: 'default' })}/${FIX}-pod/binding`, { target: { name: 'node-1' } });
});
afterAll(async () => {
  await s?.stop();
});

describe('HTTP fuzz', () => {
  test(`${REQUESTS} mutated requests (seed ${SEED}): no 5xx, every error a Status, the server stays healthy`, async () => {
    const r = random(SEED);
    const problems: string[] = [];
    const codes = new Map<number, number>();
    // The whole plan comes from the seed first, so a replay sends the same requests.
    const plan: Sent[] = [];
    while (plan.length < REQUESTS) plan.push(...(r.chance(0.1) ? podLife(r, plan.length) : [nextRequest(r)]));
    for (const [i, q] of plan.entries()) {
      if (problems.length >= 10) break;
      const res = await apiRequest(s, q.method, q.path, q.body, { rawBody: q.raw, contentType: q.contentType });
      codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
      const where = `request ${i} (ORCH_FUZZ_SEED=${SEED}): ${q.method} ${q.path.slice(0, 200)} ${JSON.stringify(q.body ?? q.raw ?? '').slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
      const b = res.body as { kind?: string; status?: string; code?: number; message?: unknown } | undefined;
      if (res.status >= 500) problems.push(where);
      else if (res.status >= 400 && (b?.kind !== 'Status' || b.status !== 'Failure' || b.code !== res.status || typeof b.message !== 'string')) problems.push(`not a Status: ${where}`);
      else if (res.status < 300 && (typeof b !== 'object' || b === null)) problems.push(`not JSON: ${where}`);
    }
    expect(problems, `seed ${SEED}`).toEqual([]);
    // The mix reached the validators, not only the parsers: both kinds of answers came back.
    expect(codes.get(422) ?? 0, JSON.stringify([...codes])).toBeGreaterThan(REQUESTS / 20);
    expect([...codes.keys()].filter((c) => c < 300).length).toBeGreaterThan(0);

    expect((await apiRequest(s, 'GET', '/readyz', undefined, { token: null })).status).toBe(200);
    const cm = '/api/v1/namespaces/default/configmaps';
    expect((await apiRequest(s, 'POST', cm, { metadata: { name: 'after-fuzz' }, data: { ok: 'yes' } })).status).toBe(201);
    expect((await apiRequest(s, 'GET', `${cm}/after-fuzz`)).body.data).toEqual({ ok: 'yes' });
    expect((await apiRequest(s, 'DELETE', `${cm}/after-fuzz`)).status).toBe(200);
    // Nothing reached Object.prototype, and memory is what a small server holds.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const heap = process.memoryUsage().heapUsed;
    expect(heap, `heap ${Math.round(heap / 2 ** 20)} MiB`).toBeLessThan(768 * 2 ** 20);
  }, Math.max(120_000, REQUESTS * 40));
});
