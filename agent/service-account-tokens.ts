// Service account tokens for the projected volumes of this node's pods, as the kubelet's
// token manager: asked of the apiserver with a TokenRequest bound to the pod (audience as
// the volume says, else the API's own; expirationSeconds default 3600), cached per pod,
// service account, audience and lifetime, and renewed once 80 % of the lifetime has
// passed or the token is 24 h old (minus up to 10 s of jitter, so a node's pods do not all
// renew at once). The time a token was issued is derived from the server's expiry minus
// its lifetime, so the agent's clock only has to agree with the apiserver's.

import type { Pod, TokenRequest } from '../api/types.js';
import type { Client } from '../client/types.js';
import { realClock, type Clock } from '../foundation/clock.js';

const MAX_TTL_MS = 24 * 3600 * 1000;
const MAX_JITTER_MS = 10_000;
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;

export interface TokenProjection {
  audience?: string;
  expirationSeconds?: number;
}

export interface TokenSource {
  /** A valid token for the pod's service account (a cached one unless due for renewal). */
  token(pod: Pod, p: TokenProjection): Promise<string>;
  /** Forget the tokens of a pod gone from this node. */
  forgetPod(uid: string): void;
}

interface Cached {
  token: string;
  expMs: number;
  ttlMs: number;
}

/** Is a token issued for ttlMs, expiring at expMs, due for renewal at nowMs? (kubelet's requiresRefresh) */
export function requiresRefresh(nowMs: number, expMs: number, ttlMs: number, jitterMs: number): boolean {
  const iat = expMs - ttlMs;
  if (nowMs > iat + MAX_TTL_MS - jitterMs) return true;
  return nowMs > expMs - ttlMs * 0.2 - jitterMs;
}

export class ServiceAccountTokenManager implements TokenSource {
  private readonly cache = new Map<string, Cached>();
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(
    private readonly client: Pick<Client, 'createToken'>,
    opts: { clock?: Clock; random?: () => number } = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
  }

  async token(pod: Pod, p: TokenProjection): Promise<string> {
    const ns = pod.metadata.namespace ?? 'default';
    const sa = pod.spec.serviceAccountName || 'default';
    const expirationSeconds = p.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    const key = JSON.stringify([pod.metadata.uid, ns, sa, p.audience ?? '', expirationSeconds]);
    const hit = this.cache.get(key);
    if (hit && !requiresRefresh(this.clock.now(), hit.expMs, hit.ttlMs, Math.floor(this.random() * MAX_JITTER_MS))) return hit.token;
    if (!this.client.createToken) throw new Error('this client cannot request service account tokens');
    const req: TokenRequest = {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: {
        ...(p.audience ? { audiences: [p.audience] } : {}),
        expirationSeconds,
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
      },
    };
    const answer = await this.client.createToken(ns, sa, req);
    const token = answer.status?.token;
    const expMs = Date.parse(answer.status?.expirationTimestamp ?? '');
    if (!token || !Number.isFinite(expMs)) throw new Error(`the apiserver answered a TokenRequest for ${ns}/${sa} without a token`);
    // The server may have capped the lifetime: its spec says what was granted.
    const ttlMs = (answer.spec?.expirationSeconds ?? expirationSeconds) * 1000;
    this.cache.set(key, { token, expMs, ttlMs });
    return token;
  }

  forgetPod(uid: string): void {
    for (const k of this.cache.keys()) if ((JSON.parse(k) as string[])[0] === uid) this.cache.delete(k);
  }
}
