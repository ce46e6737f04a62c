import crypto from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { signJwt, verifyJwt, verifyKeyOf } from './jwt.js';
import { parseKeys } from './service-account-keys.js';
import { checkClaims, issueToken, serviceAccountTokenAuthenticator, unionAuthenticator, type ServiceAccountTokenConfig } from './service-account-tokens.js';
import type { ObjectRef, ObjectRefLookup, RefResource } from './object-refs.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';

const ec = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const rsa = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ISS = 'https://kubernetes.default.svc.cluster.local';

function config(signing = ec(), extra: crypto.KeyObject[] = []): ServiceAccountTokenConfig {
  return { keys: { signing, verify: [signing, ...extra].map(verifyKeyOf) }, issuers: [ISS], audiences: [ISS], maxExpirationSeconds: 48 * 3600 };
}

class Refs implements ObjectRefLookup {
  readonly objects = new Map<string, ObjectRef>();
  set(r: RefResource, ns: string | undefined, name: string, ref: ObjectRef | undefined) {
    if (ref) this.objects.set(`${r}/${ns ?? ''}/${name}`, ref);
    else this.objects.delete(`${r}/${ns ?? ''}/${name}`);
  }
  get(r: RefResource, ns: string | undefined, name: string) {
    return this.objects.get(`${r}/${ns ?? ''}/${name}`);
  }
}

describe('JWT', () => {
  test('ES256 and RS256 sign and verify; a changed payload, another key or alg none do not', () => {
    for (const key of [ec(), rsa()]) {
      const t = signJwt(key, { sub: 'x' });
      expect(JSON.parse(Buffer.from(t.split('.')[0]!, 'base64url').toString()).alg).toBe(key.asymmetricKeyType === 'rsa' ? 'RS256' : 'ES256');
      expect(verifyJwt(t, [verifyKeyOf(key)])).toEqual({ sub: 'x' });
      expect(verifyJwt(t, [verifyKeyOf(ec())])).toBeUndefined();
      const [h, , s] = t.split('.');
      expect(verifyJwt(`${h}.${Buffer.from('{"sub":"y"}').toString('base64url')}.${s}`, [verifyKeyOf(key)])).toBeUndefined();
    }
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    expect(verifyJwt(none, [verifyKeyOf(ec())])).toBeUndefined();
    expect(verifyJwt('not a jwt', [verifyKeyOf(ec())])).toBeUndefined();
  });

  test('PEM files with several keys (public, private, certificate) all verify; junk is refused by name', () => {
    const a = ec();
    const b = rsa();
    const pem = [crypto.createPublicKey(a).export({ type: 'spki', format: 'pem' }), b.export({ type: 'pkcs8', format: 'pem' })].join('\n');
    expect(parseKeys(pem, 'keys.pem').map((k) => verifyKeyOf(k).kid)).toEqual([verifyKeyOf(a).kid, verifyKeyOf(b).kid]);
    expect(() => parseKeys('hello', 'junk.pem')).toThrow(/junk.pem: no PEM/);
  });
});

describe('service account tokens', () => {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const refs = new Refs();
  refs.set('serviceaccounts', 'ns', 'robot', { uid: 'sa-uid' });
  refs.set('pods', 'ns', 'p', { uid: 'pod-uid' });
  const cfg = config();
  const issue = (over: Partial<Parameters<typeof issueToken>[2]> = {}) =>
    issueToken(cfg, clock, { namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [ISS], expirationSeconds: 600, ...over }).token;
  const auth = serviceAccountTokenAuthenticator(cfg, refs, clock);

  test('a valid token is the service account, with its uid and groups', () => {
    expect(auth.authenticate(issue())).toEqual({ name: 'system:serviceaccount:ns:robot', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] });
  });

  test('refused: expired (past the 60 s leeway), another audience, another issuer, a gone or replaced service account or pod', async () => {
    const t = issue();
    await clock.advance(600_000 + 59_000);
    expect(auth.authenticate(t)).toBeDefined();
    await clock.advance(2000);
    expect(auth.authenticate(t)).toBeUndefined();
    const claims = (tok: string) => verifyJwt(tok, cfg.keys.verify)!;
    expect(checkClaims(cfg, refs, clock.now(), claims(issue({ audiences: ['vault'] }))).refused).toBe('audience');
    expect(checkClaims({ ...cfg, issuers: ['https://other'] }, refs, clock.now(), claims(issue())).refused).toBe('issuer');
    const bound = issue({ pod: { name: 'p', uid: 'pod-uid' } });
    expect(auth.authenticate(bound)).toBeDefined();
    refs.set('pods', 'ns', 'p', { uid: 'other-uid' });
    expect(auth.authenticate(bound)).toBeUndefined();
    refs.set('pods', 'ns', 'p', { uid: 'pod-uid', deletionTimestamp: new Date(clock.now() - 61_000).toISOString() });
    expect(checkClaims(cfg, refs, clock.now(), claims(bound)).refused).toMatch(/being deleted/);
    refs.set('pods', 'ns', 'p', { uid: 'pod-uid', deletionTimestamp: new Date(clock.now() - 10_000).toISOString() });
    expect(auth.authenticate(bound)).toBeDefined();
    refs.set('serviceaccounts', 'ns', 'robot', undefined);
    expect(auth.authenticate(issue())).toBeUndefined();
    refs.set('serviceaccounts', 'ns', 'robot', { uid: 'sa-uid' });
  });

  test('key rotation: a token of the previous key verifies while that key is listed', () => {
    const old = ec();
    const next = config(ec(), [old]);
    const oldToken = issueToken(config(old), clock, { namespace: 'ns', serviceAccount: { name: 'robot', uid: 'sa-uid' }, audiences: [ISS], expirationSeconds: 600 }).token;
    expect(serviceAccountTokenAuthenticator(next, refs, clock).authenticate(oldToken)).toBeDefined();
    expect(serviceAccountTokenAuthenticator(config(ec()), refs, clock).authenticate(oldToken)).toBeUndefined();
  });

  test('with the token file: both kinds of tokens authenticate', () => {
    const union = unionAuthenticator([tokenAuthenticator([{ token: 'static', user: 'admin', uid: 'a', groups: ['system:masters'] }]), auth]);
    expect(union.authenticate('static')?.name).toBe('admin');
    expect(union.authenticate(issue())?.name).toBe('system:serviceaccount:ns:robot');
    expect(union.authenticate('nope')).toBeUndefined();
  });
});
