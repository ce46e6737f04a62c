import { describe, expect, test } from 'vitest';
import type { Pod, TokenRequest } from '../api/types.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';
import { requiresRefresh, ServiceAccountTokenManager } from './service-account-tokens.js';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u1' }, spec: { serviceAccountName: 'robot', containers: [] } };

/** A TokenRequest endpoint on the fake clock: numbered tokens, lifetime capped like the apiserver. */
function fakeServer(clock: FakeClock, maxSeconds = 48 * 3600) {
  const asked: { ns: string; sa: string; req: TokenRequest }[] = [];
  return {
    asked,
    createToken: async (ns: string, sa: string, req: TokenRequest): Promise<TokenRequest> => {
      asked.push({ ns, sa, req });
      const seconds = Math.min(req.spec.expirationSeconds ?? 3600, maxSeconds);
      return { ...req, spec: { ...req.spec, expirationSeconds: seconds }, status: { token: `t${asked.length}`, expirationTimestamp: new Date(clock.now() + seconds * 1000).toISOString() } };
    },
  };
}

describe('requiresRefresh (the kubelet rule)', () => {
  test('renewed after 80 % of the lifetime, or after 24 h', () => {
    const ttl = 3600_000;
    expect(requiresRefresh(0, ttl, ttl, 0)).toBe(false);
    expect(requiresRefresh(0.8 * ttl - 1, ttl, ttl, 0)).toBe(false);
    expect(requiresRefresh(0.8 * ttl + 1, ttl, ttl, 0)).toBe(true);
    // jitter renews up to that much earlier
    expect(requiresRefresh(0.8 * ttl - 5000, ttl, ttl, 10_000)).toBe(true);
    const week = 7 * 24 * 3600_000;
    expect(requiresRefresh(24 * 3600_000 - 1, week, week, 0)).toBe(false);
    expect(requiresRefresh(24 * 3600_000 + 1, week, week, 0)).toBe(true);
  });
});

describe('ServiceAccountTokenManager', () => {
  test('asks once with the pod bound, serves the cached token, renews at 80 %', async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const m = new ServiceAccountTokenManager(server, { clock, random: () => 0 });
    expect(await m.token(pod, { expirationSeconds: 3607 })).toBe('t1');
    expect(server.asked[0]).toEqual({
      ns: 'ns',
      sa: 'robot',
      req: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: { expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u1' } } },
    });
    await clock.advance(2800_000);
    expect(await m.token(pod, { expirationSeconds: 3607 })).toBe('t1');
    await clock.advance(100_000); // 2900 s > 80 % of 3607 s
    expect(await m.token(pod, { expirationSeconds: 3607 })).toBe('t2');
    expect(server.asked).toHaveLength(2);
  });

  test('audiences and lifetimes are separate tokens; a capped lifetime is renewed by what was granted', async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock, 1000);
    const m = new ServiceAccountTokenManager(server, { clock, random: () => 0 });
    expect(await m.token(pod, { audience: 'vault', expirationSeconds: 7200 })).toBe('t1');
    expect(server.asked[0]!.req.spec.audiences).toEqual(['vault']);
    expect(await m.token(pod, {})).toBe('t2');
    expect(server.asked[1]!.req.spec.audiences).toBeUndefined();
    expect(server.asked[1]!.req.spec.expirationSeconds).toBe(3600);
    await clock.advance(801_000); // 80 % of the granted 1000 s, not of the 7200 s asked for
    expect(await m.token(pod, { audience: 'vault', expirationSeconds: 7200 })).toBe('t3');
  });

  test('a pod forgotten asks again; a pod without a service account name uses default', async () => {
    const clock = new FakeClock();
    const server = fakeServer(clock);
    const m = new ServiceAccountTokenManager(server, { clock, random: () => 0 });
    await m.token(pod, {});
    m.forgetPod('u1');
    await m.token(pod, {});
    expect(server.asked).toHaveLength(2);
    await m.token({ ...pod, metadata: { ...pod.metadata, uid: 'u2' }, spec: { containers: [] } }, {});
    expect(server.asked[2]!.sa).toBe('default');
  });
});
