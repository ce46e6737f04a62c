// Secrets encrypted at rest, end to end through a real apiserver over a real etcd:
// etcd read directly holds no plain text of data or stringData (after create, update,
// and in the values a watch replays); every provider round-trips through the API; key
// rotation (new key second → first → `orch secrets reencrypt` → old key removed) keeps
// every Secret readable; a value no key opens is a clear 500 for that object, left out
// of lists (with a Warning header) and watches, never failing them for everyone.

import crypto from 'node:crypto';
import { Etcd3 } from 'etcd3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseEncryptionConfig, type EncryptionConfig } from '../../apiserver/storage/encryption/config.js';
import { ApiClient } from '../../client/rest-client.js';
import type { ResourceClient } from '../../client/types.js';
import type { KubeObject } from '../../api/types.js';
import { reencryptSecrets } from '../../cli/commands/secrets-reencrypt.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';

let etcd: TestEtcd;
let raw: Etcd3;

const key = (c: string) => crypto.createHash('sha256').update(c).digest().toString('base64');

function encryption(providers: string): EncryptionConfig {
  return parseEncryptionConfig(`apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`);
}
const AESGCM_OLD = `      - aesgcm: { keys: [{ name: old, secret: ${key('old')} }] }\n`;
const AESCBC_NEW = `      - aescbc: { keys: [{ name: new, secret: ${key('new')} }] }\n`;

/** Every line the servers log, at trace level: no Secret value may appear in them. */
const logLines: string[] = [];
const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });

async function server(prefix: string, enc: EncryptionConfig | undefined): Promise<TestApiServer> {
  return startTestApiServer({ etcd, prefix, storage: { encryption: enc, logger }, server: { logger } });
}

function secret(name: string, value: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { password: Buffer.from(value).toString('base64') },
    stringData: { token: `${value}-token` },
  };
}

async function stored(prefix: string, name: string): Promise<Buffer> {
  const v = await raw.get(`${prefix}/secrets/default/${name}`).buffer();
  if (!v) throw new Error(`no value in etcd for ${name}`);
  return v;
}

function expectNoPlainText(bytes: Buffer, value: string): void {
  expect(bytes.includes(value)).toBe(false);
  expect(bytes.includes(Buffer.from(value).toString('base64'))).toBe(false);
  expect(bytes.includes(`${value}-token`)).toBe(false);
  expect(bytes.includes('"password"')).toBe(false);
}

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
});
afterAll(async () => {
  // The servers logged (requests at debug/trace, the undecryptable values at error), but
  // never a Secret's value.
  const all = logLines.join('');
  expect(all).toContain('stored value cannot be decrypted');
  for (const v of ['Hunter2Plain', 'Second9Value', 'OldKeyVal7', 'GoodValue1']) {
    expect(all).not.toContain(v);
    expect(all).not.toContain(Buffer.from(v).toString('base64'));
  }
  raw?.close();
  await etcd?.stop();
});

describe('Secrets in etcd', () => {
  for (const provider of ['aesgcm', 'aescbc', 'secretbox'] as const) {
    test(`${provider}: no plain text in etcd after create and update, and the API reads it back`, async () => {
      const prefix = `/enc-${provider}-${crypto.randomBytes(3).toString('hex')}`;
      const s = await server(prefix, encryption(`      - ${provider}: { keys: [{ name: k1, secret: ${key(provider)} }] }\n`));
      try {
        const created = await apiRequest(s, 'POST', '/api/v1/namespaces/default/secrets', secret('db', 'Hunter2Plain'));
        expect(created.status).toBe(201);
        let bytes = await stored(prefix, 'db');
        expect(bytes.toString('latin1').startsWith(`k8s:enc:${provider}:v1:k1:`)).toBe(true);
        expectNoPlainText(bytes, 'Hunter2Plain');

        const got = await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets/db');
        expect(got.status).toBe(200);
        expect(Buffer.from(got.body.data.password, 'base64').toString()).toBe('Hunter2Plain');
        expect(Buffer.from(got.body.data.token, 'base64').toString()).toBe('Hunter2Plain-token');

        const upd = await apiRequest(s, 'PUT', '/api/v1/namespaces/default/secrets/db', { ...got.body, data: { password: Buffer.from('Second9Value').toString('base64') } });
        expect(upd.status).toBe(200);
        bytes = await stored(prefix, 'db');
        expectNoPlainText(bytes, 'Second9Value');
        expectNoPlainText(bytes, 'Hunter2Plain');

        // Every revision etcd keeps (what a watch from an old resourceVersion replays) is sealed.
        const history = await raw.get(`${prefix}/secrets/default/db`).revision(Number(created.body.metadata.resourceVersion)).buffer();
        expectNoPlainText(history!, 'Hunter2Plain');
        // And a watch replaying from before the create decrypts both revisions.
        const before = Number(created.body.metadata.resourceVersion) - 1;
        const res = await fetch(`${s.url}/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${before}&timeoutSeconds=1`, { headers: { Authorization: `Bearer ${s.token}` } });
        const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
        const passwords = lines.filter((e) => e.type !== 'BOOKMARK').map((e) => Buffer.from(e.object.data.password, 'base64').toString());
        expect(passwords).toEqual(['Hunter2Plain', 'Second9Value']);

        // Other kinds stay plain JSON.
        await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'c' }, data: { a: 'visible' } });
        expect((await raw.get(`${prefix}/configmaps/default/c`).string())).toContain('visible');
      } finally {
        await s.stop();
      }
    });
  }

  test('key rotation keeps every Secret readable: new key second, first, reencrypt, old key removed', async () => {
    const prefix = `/enc-rot-${crypto.randomBytes(3).toString('hex')}`;
    // Some Secrets written before encryption was on at all (plain JSON).
    const plainServer = await server(prefix, undefined);
    for (let i = 0; i < 3; i++) expect((await apiRequest(plainServer, 'POST', '/api/v1/namespaces/default/secrets', secret(`plain-${i}`, `PlainVal${i}`))).status).toBe(201);
    await plainServer.stop();

    const step1 = await server(prefix, encryption(AESGCM_OLD + '      - identity: {}\n'));
    for (let i = 0; i < 12; i++) expect((await apiRequest(step1, 'POST', '/api/v1/namespaces/default/secrets', secret(`s-${i}`, `OldKeyVal${i}`))).status).toBe(201);
    await step1.stop();

    const names = [...[0, 1, 2].map((i) => `plain-${i}`), ...Array.from({ length: 12 }, (_, i) => `s-${i}`)];
    const readAll = async (s: TestApiServer) => {
      const list = await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets');
      expect(list.status).toBe(200);
      expect(list.body.items.map((x: KubeObject) => x.metadata.name).sort()).toEqual([...names].sort());
      for (const n of names) expect((await apiRequest(s, 'GET', `/api/v1/namespaces/default/secrets/${n}`)).status).toBe(200);
    };

    // New key added second: the old one still writes, everything reads.
    const step2 = await server(prefix, encryption(AESGCM_OLD + AESCBC_NEW + '      - identity: {}\n'));
    await readAll(step2);
    await step2.stop();

    // New key first: new writes use it, old values still read.
    const step3 = await server(prefix, encryption(AESCBC_NEW + AESGCM_OLD + '      - identity: {}\n'));
    await readAll(step3);
    const client = new ApiClient({ server: step3.url, token: step3.token });
    const progress: number[] = [];
    const res = await reencryptSecrets(client.secrets as unknown as ResourceClient<KubeObject>, { pageSize: 4, progress: (_r, seen) => progress.push(seen) });
    expect(res).toEqual({ rewritten: 15, current: 0, gone: 0, failed: [] });
    expect(progress).toEqual([4, 8, 12, 15]);
    for (const n of names) expect((await stored(prefix, n)).toString('latin1').startsWith('k8s:enc:aescbc:v1:new:')).toBe(true);
    // Run again: nothing left to rewrite, nothing written.
    expect(await reencryptSecrets(client.secrets as unknown as ResourceClient<KubeObject>, {})).toEqual({ rewritten: 0, current: 15, gone: 0, failed: [] });
    await step3.stop();

    // Old key (and identity) removed: everything still reads.
    const step4 = await server(prefix, encryption(AESCBC_NEW));
    try {
      await readAll(step4);
      const one = await apiRequest(step4, 'GET', '/api/v1/namespaces/default/secrets/s-7');
      expect(Buffer.from(one.body.data.password, 'base64').toString()).toBe('OldKeyVal7');
    } finally {
      await step4.stop();
    }
  });

  test('a value no configured key opens: 500 naming the key problem for that object; lists and watches leave it out and go on', async () => {
    const prefix = `/enc-bad-${crypto.randomBytes(3).toString('hex')}`;
    const s = await server(prefix, encryption(AESCBC_NEW));
    try {
      expect((await apiRequest(s, 'POST', '/api/v1/namespaces/default/secrets', secret('good', 'GoodValue1'))).status).toBe(201);
      const from = (await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets')).body.metadata.resourceVersion;
      // Written by someone holding a key this server does not have, and a corrupted one.
      await raw.put(`${prefix}/secrets/default/foreign`).value(Buffer.concat([Buffer.from('k8s:enc:aesgcm:v1:lost:'), crypto.randomBytes(64)]));
      const good = await stored(prefix, 'good');
      const corrupt = Buffer.from(good);
      corrupt[corrupt.length - 5]! ^= 0xff;
      await raw.put(`${prefix}/secrets/default/corrupt`).value(corrupt);
      await apiRequest(s, 'POST', '/api/v1/namespaces/default/secrets', secret('after', 'AfterValue1'));

      const foreign = await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets/foreign');
      expect(foreign.status).toBe(500);
      expect(foreign.body.reason).toBe('InternalError');
      expect(foreign.body.message).toMatch(/cannot decrypt the stored value of .*secrets\/default\/foreign: it was written with aesgcm key "lost"/);
      const bad = await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets/corrupt');
      expect(bad.status).toBe(500);
      expect(bad.body.message).toMatch(/aescbc key "new" does not open it/);
      // Lists leave them out, and say so in a Warning header (kubectl prints it); JSON and
      // Table lists, and lists with a selector (the parsed path), alike.
      for (const [path, accept] of [
        ['/api/v1/namespaces/default/secrets', 'application/json'],
        ['/api/v1/secrets?labelSelector=', 'application/json'],
        ['/api/v1/namespaces/default/secrets?fieldSelector=metadata.namespace%3Ddefault', 'application/json'],
        ['/api/v1/namespaces/default/secrets', 'application/json;as=Table;v=v1;g=meta.k8s.io'],
      ]) {
        const res = await fetch(`${s.url}${path}`, { headers: { Authorization: `Bearer ${s.token}`, Accept: accept! } });
        expect(res.status, path).toBe(200);
        const body = (await res.json()) as { items?: KubeObject[]; rows?: { object?: KubeObject; cells: unknown[] }[] };
        const names = body.items ? body.items.map((x) => x.metadata.name) : body.rows!.map((r) => r.cells[0]);
        expect(names.sort(), path).toEqual(['after', 'good']);
        const warning = res.headers.get('warning') ?? '';
        expect(warning).toMatch(/^299 - "left out of this list: cannot decrypt the stored value of .*secrets\/default\/(corrupt|foreign)/);
        expect(warning).toContain('secrets/default/corrupt');
        expect(warning).toContain('secrets/default/foreign');
      }
      // Everything else goes on.
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets/good')).status).toBe(200);
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
      // The watch skips the undecryptable events and delivers the others.
      const res = await fetch(`${s.url}/api/v1/namespaces/default/secrets?watch=true&resourceVersion=${from}&timeoutSeconds=1`, { headers: { Authorization: `Bearer ${s.token}` } });
      const events = (await res.text()).trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type !== 'BOOKMARK');
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED after']);
      // Deleting the broken object is the way out (etcdctl del); then lists work again.
      await raw.delete().key(`${prefix}/secrets/default/foreign`);
      await raw.delete().key(`${prefix}/secrets/default/corrupt`);
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
      expect((await apiRequest(s, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
