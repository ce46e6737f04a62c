// Map keys that name Object.prototype's members (constructor, prototype, toString,
// hasOwnProperty, ...) are ordinary keys of data, labels, annotations and every other map,
// through every write path (create as JSON and YAML, update, merge / strategic / JSON
// patch, server-side apply) and in selectors. `__proto__` is the one refused key (400),
// whichever way it comes, and no request leaves anything on Object.prototype — checked
// in this process, where the apiserver runs.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

let s: TestApiServer;
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);
const CM = '/api/v1/namespaces/default/configmaps';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const JSONP = 'application/json-patch+json';
const APPLY = 'application/apply-patch+yaml';
const KEYS = ['constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', 'propertyIsEnumerable'];
const PROTO_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

/** Object.prototype as it was: no new members, nothing readable through a fresh object. */
function prototypeClean(): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTO_BEFORE);
  const o = {} as Record<string, unknown>;
  for (const k of ['polluted', 'isAdmin', 'x']) expect(o[k], k).toBeUndefined();
  expect(typeof o.constructor).toBe('function');
}

beforeAll(async () => {
  s = await startTestApiServer();
});
afterAll(async () => {
  await s?.stop();
});

describe('prototype-named keys are ordinary keys', () => {
  const data = Object.fromEntries(KEYS.map((k) => [k, `v-${k}`]));

  test('create (JSON and YAML), read, list by label selector', async () => {
    let r = await req('POST', CM, { metadata: { name: 'proto-json', labels: { constructor: 'x', prototype: 'y' }, annotations: { toString: 'z' } }, data });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.data).toEqual(data);
    const yaml = `metadata:\n  name: proto-yaml\n  labels: {hasOwnProperty: "1"}\ndata:\n${KEYS.map((k) => `  ${k}: v-${k}`).join('\n')}\n`;
    r = await req('POST', CM, undefined, { rawBody: yaml, contentType: 'application/yaml' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await req('GET', `${CM}/proto-yaml`)).body.data).toEqual(data);
    const got = (await req('GET', `${CM}/proto-json`)).body;
    expect(got.metadata.labels).toEqual({ constructor: 'x', prototype: 'y' });
    expect(got.metadata.annotations).toEqual({ toString: 'z' });
    const names = async (sel: string) => (await req('GET', `${CM}?labelSelector=${encodeURIComponent(sel)}`)).body.items.map((c: any) => c.metadata.name).sort();
    expect(await names('constructor=x')).toEqual(['proto-json']);
    expect(await names('constructor')).toEqual(['proto-json']);
    // An object without the label: `!constructor` and `constructor!=x` match it (nothing inherited counts as a label).
    expect(await names('!constructor')).toEqual(['proto-yaml']);
    expect(await names('toString!=x,valueOf notin (a)')).toEqual(['proto-json', 'proto-yaml']);
    const sec = await req('POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'proto-sec' }, stringData: { constructor: 's' }, data: { prototype: Buffer.from('p').toString('base64') } });
    expect(sec.status, JSON.stringify(sec.body)).toBe(201);
    expect(Object.keys(sec.body.data).sort()).toEqual(['constructor', 'prototype']);
    prototypeClean();
  });

  test('update and every patch type add, change and remove such keys', async () => {
    await req('POST', CM, { metadata: { name: 'proto-patch' }, data: { a: '1' } });
    let r = await req('PUT', `${CM}/proto-patch`, { metadata: { name: 'proto-patch' }, data: { a: '1', constructor: 'put' } });
    expect(r.body.data).toEqual({ a: '1', constructor: 'put' });
    r = await req('PATCH', `${CM}/proto-patch`, { data: { valueOf: 'merge', constructor: null }, metadata: { labels: { prototype: 'm' } } }, { contentType: MERGE });
    expect([r.status, r.body.data, r.body.metadata.labels]).toEqual<unknown[]>([200, { a: '1', valueOf: 'merge' }, { prototype: 'm' }]);
    r = await req('PATCH', `${CM}/proto-patch`, { data: { hasOwnProperty: 'smp' }, metadata: { labels: { prototype: null, toString: 's' } } }, { contentType: SMP });
    expect([r.status, r.body.data, r.body.metadata.labels]).toEqual<unknown[]>([200, { a: '1', valueOf: 'merge', hasOwnProperty: 'smp' }, { toString: 's' }]);
    r = await req('PATCH', `${CM}/proto-patch`, [{ op: 'add', path: '/data/constructor', value: 'jp' }, { op: 'replace', path: '/data/valueOf', value: 'jp2' }, { op: 'remove', path: '/data/hasOwnProperty' }, { op: 'test', path: '/data/constructor', value: 'jp' }], { contentType: JSONP });
    expect([r.status, r.body.data]).toEqual<unknown[]>([200, { a: '1', valueOf: 'jp2', constructor: 'jp' }]);
    // A path through a key the object does not have does not exist (not Object.prototype's member).
    r = await req('PATCH', `${CM}/proto-patch`, [{ op: 'add', path: '/data/toString/x', value: 'y' }], { contentType: JSONP });
    expect(r.status).toBe(422);
    r = await req('PATCH', `${CM}/proto-patch`, [{ op: 'remove', path: '/data/isPrototypeOf' }], { contentType: JSONP });
    expect(r.status).toBe(422);
    prototypeClean();
  });

  test('server-side apply owns and releases such keys', async () => {
    const cfg = (d: Record<string, string>) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proto-apply', labels: { constructor: 'a' } }, data: d });
    let r = await req('PATCH', `${CM}/proto-apply?fieldManager=t`, undefined, { rawBody: cfg({ constructor: '1', prototype: '2' }), contentType: APPLY });
    expect([r.status, r.body.data]).toEqual<unknown[]>([201, { constructor: '1', prototype: '2' }]);
    expect(JSON.stringify(r.body.metadata.managedFields)).toContain('"f:constructor"');
    r = await req('PATCH', `${CM}/proto-apply?fieldManager=t`, undefined, { rawBody: cfg({ prototype: '3' }), contentType: APPLY });
    expect([r.status, r.body.data]).toEqual<unknown[]>([200, { prototype: '3' }]);
    prototypeClean();
  });

  test('as field names they are unknown fields, named like any other (they are no members of the schema)', async () => {
    const body = { metadata: { name: 'proto-strict' }, hasOwnProperty: { a: 1 }, data: { a: 'b' } };
    let r = await req('POST', `${CM}?fieldValidation=Strict`, body);
    expect([r.status, r.body.message]).toEqual([400, expect.stringContaining('unknown field "hasOwnProperty"')]);
    r = await req('POST', '/api/v1/nodes?fieldValidation=Strict', { metadata: { name: 'proto-node' }, status: { toString: { a: 1 } } });
    expect([r.status, r.body.message]).toEqual([400, expect.stringContaining('unknown field "status.toString"')]);
    r = await req('PATCH', `${CM}/proto-apply?fieldManager=t&fieldValidation=Warn`, undefined, { rawBody: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proto-apply}\nconstructor: {x: 1}\n', contentType: APPLY });
    expect([r.status, r.headers.get('warning')]).toEqual([200, expect.stringContaining('unknown field \\"constructor\\"')]);
    prototypeClean();
  });

  test('a merge patch nesting objects under such keys creates own objects only', async () => {
    const r = await req('PATCH', `${CM}/proto-patch`, { metadata: { annotations: { constructor: { prototype: { polluted: 'yes' } } } } }, { contentType: MERGE });
    expect(r.status).toBe(422); // annotation values are strings
    const s2 = await req('PATCH', `${CM}/proto-patch`, { metadata: { annotations: { constructor: { prototype: { polluted: 'yes' } } } } }, { contentType: SMP });
    expect(s2.status).toBe(422);
    prototypeClean();
  });
});

describe('__proto__ is refused whichever way it comes, and pollutes nothing', () => {
  const attempts: [string, string, string, unknown, string?, string?][] = [
    ['JSON create', 'POST', CM, undefined, '{"metadata":{"name":"p1"},"data":{"__proto__":{"polluted":"yes"}}}', 'application/json'],
    ['JSON create, escaped key', 'POST', CM, undefined, '{"metadata":{"name":"p2"},"data":{"\\u005f_proto__":{"polluted":"yes"}}}', 'application/json'],
    ['YAML create', 'POST', CM, undefined, 'metadata: {name: p3}\ndata:\n  __proto__: {polluted: "yes"}\n', 'application/yaml'],
    ['update', 'PUT', `${CM}/proto-patch`, undefined, '{"metadata":{"name":"proto-patch","__proto__":{"polluted":"yes"}}}', 'application/json'],
    ['merge patch', 'PATCH', `${CM}/proto-patch`, undefined, '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}', MERGE],
    ['strategic merge patch', 'PATCH', `${CM}/proto-patch`, undefined, '{"data":{"__proto__":{"polluted":"yes"}}}', SMP],
    ['JSON patch path', 'PATCH', `${CM}/proto-patch`, [{ op: 'add', path: '/metadata/__proto__/polluted', value: 'yes' }], undefined, JSONP],
    ['JSON patch path at the root', 'PATCH', `${CM}/proto-patch`, [{ op: 'add', path: '/__proto__', value: { polluted: 'yes' } }], undefined, JSONP],
    ['JSON patch value', 'PATCH', `${CM}/proto-patch`, undefined, '[{"op":"add","path":"/data","value":{"__proto__":{"polluted":"yes"}}}]', JSONP],
    ['JSON patch through constructor.prototype', 'PATCH', `${CM}/proto-patch`, [{ op: 'add', path: '/data/constructor/prototype/polluted', value: 'yes' }], undefined, JSONP],
    ['apply', 'PATCH', `${CM}/proto-apply?fieldManager=t`, undefined, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: proto-apply}\ndata:\n  __proto__: {polluted: "yes"}\n', APPLY],
  ];
  for (const [name, method, path, body, raw, contentType] of attempts) {
    test(name, async () => {
      const r = await req(method, path, body, { rawBody: raw, contentType });
      expect([400, 422], JSON.stringify(r.body)).toContain(r.status);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure' });
      if (r.status === 400) expect(r.body.message).toMatch(/__proto__/);
      prototypeClean();
    });
  }
  test('the objects are unchanged and the server is fine', async () => {
    expect((await req('GET', `${CM}/proto-patch`)).body.data).toEqual({ a: '1', valueOf: 'jp2', constructor: 'jp' });
    expect((await req('GET', '/readyz', undefined, { token: null })).status).toBe(200);
  });
});
