// Service account tokens: the claims Kubernetes' bound tokens carry, signed by the
// apiserver (jwt.ts), and the authenticator that accepts them. A token is accepted when
// its signature verifies with one of the keys, its issuer is ours, one of its audiences
// is one of the API audiences, it is within [nbf, exp] (60 s leeway, as go-jose), and the
// objects it names still exist with the same uid: the service account, and the pod,
// secret or node it is bound to (a pod deleted more than 60 s ago no longer counts, as
// Kubernetes' validator). Lookups go to object-refs.ts' caches, never to etcd.
// The user is system:serviceaccount:NS:NAME, uid the service account's uid, groups
// system:serviceaccounts and system:serviceaccounts:NS (the apiserver adds
// system:authenticated to every user).

import crypto from 'node:crypto';
import type { Clock } from '../../foundation/clock.js';
import type { Authenticator, UserInfo } from '../../foundation/token-auth.js';
import { looksLikeJwt, signJwt, verifyJwt } from './jwt.js';
import type { ObjectRefLookup } from './object-refs.js';
import type { ServiceAccountKeys } from './service-account-keys.js';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** --service-account-max-token-expiration default (Kubernetes: none; orch: 48 h). */
export const DEFAULT_MAX_EXPIRATION_SECONDS = 48 * 3600;
const LEEWAY_SECONDS = 60;
const DELETED_POD_GRACE_MS = 60_000;

export interface ServiceAccountTokenConfig {
  keys: ServiceAccountKeys;
  /** The first signs; all are accepted (--service-account-issuer may repeat). */
  issuers: string[];
  /** --api-audiences: a token must name one of them (default: the issuers). */
  audiences: string[];
  maxExpirationSeconds: number;
}

export interface NamedRef {
  name: string;
  uid: string;
}

export interface TokenClaimsInput {
  namespace: string;
  serviceAccount: NamedRef;
  audiences: string[];
  expirationSeconds: number;
  pod?: NamedRef;
  secret?: NamedRef;
  node?: NamedRef;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Signs a bound token; returns it with its expiry (seconds since the epoch). */
export function issueToken(cfg: ServiceAccountTokenConfig, clock: Clock, t: TokenClaimsInput): { token: string; exp: number } {
  const iat = Math.floor(clock.now() / 1000);
  const exp = iat + t.expirationSeconds;
  const k8s: Record<string, unknown> = { namespace: t.namespace, serviceaccount: { name: t.serviceAccount.name, uid: t.serviceAccount.uid } };
  if (t.pod) k8s.pod = { name: t.pod.name, uid: t.pod.uid };
  if (t.secret) k8s.secret = { name: t.secret.name, uid: t.secret.uid };
  if (t.node) k8s.node = { name: t.node.name, uid: t.node.uid };
  const claims = {
    aud: t.audiences,
    exp,
    iat,
    iss: cfg.issuers[0],
    jti: crypto.randomUUID(),
    'kubernetes.io': k8s,
    nbf: iat,
    sub: serviceAccountUsername(t.namespace, t.serviceAccount.name),
  };
  return { token: signJwt(cfg.keys.signing, claims), exp };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const ref = (v: unknown): NamedRef | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const name = str(o.name);
  const uid = str(o.uid);
  return name && uid ? { name, uid } : undefined;
};

/** Why a token is refused, for tests and debug logs; undefined when it is accepted. */
export function checkClaims(cfg: ServiceAccountTokenConfig, refs: ObjectRefLookup, nowMs: number, claims: Record<string, unknown>): { user?: UserInfo; refused?: string } {
  const now = Math.floor(nowMs / 1000);
  if (!cfg.issuers.includes(claims.iss as string)) return { refused: 'issuer' };
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((a) => cfg.audiences.includes(a as string))) return { refused: 'audience' };
  if (typeof claims.exp !== 'number' || now > claims.exp + LEEWAY_SECONDS) return { refused: 'expired' };
  if (typeof claims.nbf === 'number' && now < claims.nbf - LEEWAY_SECONDS) return { refused: 'not yet valid' };
  const k8s = claims['kubernetes.io'] as Record<string, unknown> | undefined;
  const ns = str(k8s?.namespace);
  const sa = ref(k8s?.serviceaccount);
  if (!ns || !sa || claims.sub !== serviceAccountUsername(ns, sa.name)) return { refused: 'not a bound service account token' };
  if (refs.get('serviceaccounts', ns, sa.name)?.uid !== sa.uid) return { refused: `service account ${ns}/${sa.name} is gone` };
  const pod = ref(k8s?.pod);
  if (pod) {
    const p = refs.get('pods', ns, pod.name);
    if (p?.uid !== pod.uid) return { refused: `pod ${ns}/${pod.name} is gone` };
    if (p.deletionTimestamp && Date.parse(p.deletionTimestamp) < nowMs - DELETED_POD_GRACE_MS) return { refused: `pod ${ns}/${pod.name} is being deleted` };
  }
  const secret = ref(k8s?.secret);
  if (secret && refs.get('secrets', ns, secret.name)?.uid !== secret.uid) return { refused: `secret ${ns}/${secret.name} is gone` };
  // The node of a pod-bound token is informational (it moves with the pod); a token bound to the node itself dies with it.
  const node = ref(k8s?.node);
  if (node && !pod && refs.get('nodes', undefined, node.name)?.uid !== node.uid) return { refused: `node ${node.name} is gone` };
  return { user: { name: serviceAccountUsername(ns, sa.name), uid: sa.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`] } };
}

export function serviceAccountTokenAuthenticator(cfg: ServiceAccountTokenConfig, refs: ObjectRefLookup, clock: Clock): Authenticator {
  return {
    authenticate(token: string) {
      if (!looksLikeJwt(token)) return undefined;
      const claims = verifyJwt(token, cfg.keys.verify);
      if (!claims) return undefined;
      return checkClaims(cfg, refs, clock.now(), claims).user;
    },
  };
}

/** The first authenticator that knows the token decides (token file, then service accounts). */
export function unionAuthenticator(list: readonly Authenticator[]): Authenticator {
  return {
    authenticate(token: string) {
      for (const a of list) {
        const u = a.authenticate(token);
        if (u) return u;
      }
      return undefined;
    },
  };
}
