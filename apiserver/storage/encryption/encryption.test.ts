// Unit tests of the EncryptionConfiguration parser and the value transformer: each
// provider round-trips, the stored bytes carry Kubernetes' prefix and no plain text,
// any configured key reads, a removed or wrong key is a clear error.

import { describe, expect, test } from 'vitest';
import { generatedEncryptionConfig, parseEncryptionConfig } from './config.js';
import { encryptionTransformer, keyPrefixesFor, UndecryptableValueError } from './transformer.js';

const k32 = (c: string) => Buffer.alloc(32, c).toString('base64');
const k16 = (c: string) => Buffer.alloc(16, c).toString('base64');

function config(providers: string): string {
  return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
${providers}`;
}

const key = Buffer.from('/registry/secrets/default/db');
const plain = Buffer.from('{"kind":"Secret","data":{"password":"aHVudGVyMg=="},"stringData":{"x":"SUPERSECRET"}}');

describe('providers', () => {
  for (const [provider, secret] of [
    ['aesgcm', k16('a')],
    ['aesgcm', k32('b')],
    ['aescbc', k32('c')],
    ['secretbox', k32('d')],
  ] as const) {
    test(`${provider} (${Buffer.from(secret, 'base64').length} bytes) round-trips and stores no plain text`, () => {
      const t = encryptionTransformer(parseEncryptionConfig(config(`      - ${provider}: { keys: [{ name: k1, secret: ${secret} }] }\n`)), '/registry');
      const sealed = t.seal(key, plain);
      expect(sealed.toString('latin1').startsWith(`k8s:enc:${provider}:v1:k1:`)).toBe(true);
      expect(sealed.includes('SUPERSECRET')).toBe(false);
      expect(sealed.includes('aHVudGVyMg')).toBe(false);
      const opened = t.open(key, sealed);
      expect(opened.plain.equals(plain)).toBe(true);
      expect(opened.stale).toBe(false);
      // Random nonces: the same value never seals to the same bytes twice.
      expect(t.seal(key, plain).equals(sealed)).toBe(false);
    });
  }

  test('aesgcm binds the value to its etcd key', () => {
    const t = encryptionTransformer(parseEncryptionConfig(config(`      - aesgcm: { keys: [{ name: k1, secret: ${k32('a')} }] }\n`)), '/registry');
    const sealed = t.seal(key, plain);
    expect(() => t.open(Buffer.from('/registry/secrets/default/other'), sealed)).toThrow(/aesgcm key "k1" does not open it/);
  });

  test('other resources stay plain; plain values read as identity and are stale', () => {
    const t = encryptionTransformer(parseEncryptionConfig(config(`      - aescbc: { keys: [{ name: k1, secret: ${k32('a')} }] }\n      - identity: {}\n`)), '/t1/registry');
    const cmKey = Buffer.from('/t1/registry/configmaps/default/c');
    expect(t.seal(cmKey, plain).equals(plain)).toBe(true);
    expect(t.open(cmKey, plain)).toEqual({ plain, stale: false });
    const secretKey = Buffer.from('/t1/registry/secrets/default/db');
    expect(t.open(secretKey, plain)).toEqual({ plain, stale: true });
    expect(t.seal(secretKey, plain).toString('latin1').startsWith('k8s:enc:aescbc:v1:k1:')).toBe(true);
  });

  test('reads with any listed key, writes with the first; old key reads are stale; a removed key is a clear error', () => {
    const oldOnly = encryptionTransformer(parseEncryptionConfig(config(`      - aescbc: { keys: [{ name: old, secret: ${k32('o')} }] }\n`)), '/registry');
    const sealedOld = oldOnly.seal(key, plain);
    const both = encryptionTransformer(parseEncryptionConfig(config(`      - aesgcm: { keys: [{ name: new, secret: ${k32('n')} }] }\n      - aescbc: { keys: [{ name: old, secret: ${k32('o')} }] }\n`)), '/registry');
    expect(both.open(key, sealedOld)).toEqual({ plain, stale: true });
    const sealedNew = both.seal(key, plain);
    expect(sealedNew.toString('latin1').startsWith('k8s:enc:aesgcm:v1:new:')).toBe(true);
    const newOnly = encryptionTransformer(parseEncryptionConfig(config(`      - aesgcm: { keys: [{ name: new, secret: ${k32('n')} }] }\n`)), '/registry');
    expect(newOnly.open(key, sealedNew).stale).toBe(false);
    const err = (() => {
      try {
        newOnly.open(key, sealedOld);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err).toBeInstanceOf(UndecryptableValueError);
    expect(err.message).toContain('aescbc key "old"');
    expect(err.message).toContain('/registry/secrets/default/db');
    // A different key under the same name: authentication fails.
    const impostor = encryptionTransformer(parseEncryptionConfig(config(`      - aescbc: { keys: [{ name: old, secret: ${k32('x')} }] }\n`)), '/registry');
    expect(() => impostor.open(key, sealedOld)).toThrow(/aescbc key "old" does not open it/);
  });

  test('resource names map to key prefixes', () => {
    expect(keyPrefixesFor('secrets')).toEqual(['/secrets/']);
    expect(keyPrefixesFor('deployments.apps')).toEqual(['/apps/deployments/']);
    expect(keyPrefixesFor('*.apps')).toEqual(['/apps/']);
    expect(keyPrefixesFor('*.*')).toEqual(['/']);
    expect(keyPrefixesFor('*.')).toContain('/configmaps/');
  });
});

describe('config', () => {
  const bad: [string, string, RegExp][] = [
    ['wrong kind', 'apiVersion: apiserver.config.k8s.io/v1\nkind: Foo\nresources: []\n', /kind: must be EncryptionConfiguration/],
    ['no resources', 'apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: []\n', /resources: must be a non-empty list/],
    ['short aescbc key', config(`      - aescbc: { keys: [{ name: k, secret: ${Buffer.alloc(10).toString('base64')} }] }\n`), /resources\[0\]\.providers\[0\]\.aescbc\.keys\[0\]\.secret: aescbc needs a key of 16, 24, 32 bytes, this one has 10/],
    ['not base64', config('      - aesgcm: { keys: [{ name: k, secret: "not base64!" }] }\n'), /keys\[0\]\.secret: must be base64/],
    ['secretbox 16 bytes', config(`      - secretbox: { keys: [{ name: k, secret: ${k16('a')} }] }\n`), /secretbox needs a key of 32 bytes/],
    ['unknown provider', config('      - rot13: {}\n'), /providers\[0\]\.rot13: unknown provider/],
    ['kms', config('      - kms: { name: x }\n'), /kms: is not supported/],
    ['two providers in one', config(`      - identity: {}\n        aescbc: { keys: [] }\n`), /exactly one provider/],
    ['no keys', config('      - aesgcm: { keys: [] }\n'), /aesgcm\.keys: must be a non-empty list/],
    ['key name with colon', config(`      - aesgcm: { keys: [{ name: "a:b", secret: ${k32('a')} }] }\n`), /keys\[0\]\.name: must be/],
    ['duplicate key', config(`      - aesgcm: { keys: [{ name: a, secret: ${k32('a')} }, { name: a, secret: ${k32('b')} }] }\n`), /duplicate key name a/],
    ['unknown field', config(`      - aesgcm: { keys: [{ name: a, secret: ${k32('a')}, extra: 1 }] }\n`), /keys\[0\]\.extra: unknown field/],
  ];
  for (const [what, text, re] of bad) {
    test(`refuses ${what}`, () => {
      expect(() => parseEncryptionConfig(text)).toThrow(re);
    });
  }

  test('the generated configuration parses and encrypts Secrets', () => {
    const c = parseEncryptionConfig(generatedEncryptionConfig());
    expect(c.resources[0]!.providers.map((p) => p.type)).toEqual(['aesgcm', 'identity']);
    const t = encryptionTransformer(c, '/registry');
    expect(t.seal(key, plain).includes('SUPERSECRET')).toBe(false);
  });
});
