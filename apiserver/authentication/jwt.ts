// Compact JWS (JWT) signing and verification over node:crypto, for service account
// tokens: ES256 (P-256) or RS256, chosen by the signing key's type, as Kubernetes does.
// Written here rather than with `jose` because the apiserver authenticates synchronously
// (foundation/token-auth.ts' Authenticator) and jose's API is async only; the format is
// small and fixed (header.payload.signature, base64url, one algorithm per key).
// Every key gets Kubernetes' key id: base64url(SHA-256(DER SubjectPublicKeyInfo)), so a
// verifier picks the key by `kid` and a rotated key set still verifies older tokens.

import crypto, { type KeyObject } from 'node:crypto';

export type JwtAlg = 'ES256' | 'RS256';

export interface VerifyKey {
  kid: string;
  alg: JwtAlg;
  key: KeyObject;
}

export function algOf(key: KeyObject): JwtAlg {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`service account keys must be RSA or EC P-256 keys (got ${key.asymmetricKeyType ?? 'unknown'}${key.asymmetricKeyDetails?.namedCurve ? ' ' + key.asymmetricKeyDetails.namedCurve : ''})`);
}

/** Kubernetes' key id of a public key. */
export function keyIdOf(publicKey: KeyObject): string {
  return crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url');
}

export function verifyKeyOf(key: KeyObject): VerifyKey {
  const pub = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return { kid: keyIdOf(pub), alg: algOf(pub), key: pub };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export function signJwt(privateKey: KeyObject, claims: Record<string, unknown>): string {
  const { kid, alg } = verifyKeyOf(privateKey);
  const input = `${b64({ alg, kid })}.${b64(claims)}`;
  // JWS wants ECDSA signatures as r||s (IEEE P1363), not DER.
  const sig = crypto.sign('sha256', Buffer.from(input), alg === 'ES256' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey);
  return `${input}.${sig.toString('base64url')}`;
}

/** Does the string look like a JWT at all (three base64url parts)? Cheap pre-check. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/**
 * The claims of a token whose signature one of `keys` verifies; undefined for anything
 * else (malformed, unknown alg, bad signature). Claims are not checked here.
 */
export function verifyJwt(token: string, keys: readonly VerifyKey[]): Record<string, unknown> | undefined {
  if (!looksLikeJwt(token)) return undefined;
  const [h, p, s] = token.split('.') as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined;
  const candidates = keys.filter((k) => k.alg === header.alg && (header.kid === undefined || header.kid === k.kid));
  const input = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  for (const k of candidates) {
    const ok = crypto.verify('sha256', input, k.alg === 'ES256' ? { key: k.key, dsaEncoding: 'ieee-p1363' } : k.key, sig);
    if (ok) return claims as Record<string, unknown>;
  }
  return undefined;
}
