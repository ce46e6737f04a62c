import { describe, expect, it } from 'vitest';
import { errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Store } from '../registry/store.js';
import { admitPodServiceAccount, DEFAULT_ACCOUNT_LOOKUPS, LOOKUP_INTERVAL_MS, TOKEN_MOUNT_PATH } from './service-account.js';

/** A store whose service account appears after `missingFor` lookups (never with Infinity). */
function storeWithAccount(missingFor: number, account: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ns' } }) {
  const gets: string[] = [];
  const store = {
    async get(_r: unknown, ns: string, name: string) {
      gets.push(`${ns}/${name}`);
      if (gets.length <= missingFor) throw errors.notFound({ plural: 'serviceaccounts' }, name);
      return account;
    },
  } as unknown as Store;
  return { store, gets };
}

const pod = (spec: Record<string, unknown> = {}) => ({ metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } });

describe('ServiceAccount admission: waiting for the default account', () => {
  it('looks again every 10-20 ms, so a new namespace’s first pod waits for the account, not for a 100 ms tick', async () => {
    const { store, gets } = storeWithAccount(3);
    const sleeps: number[] = [];
    const body = pod();
    await admitPodServiceAccount(store, 'ns', body, { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 });
    expect(gets).toHaveLength(4);
    expect(sleeps).toEqual([15, 15, 15]);
    const mounts = (body.spec.containers[0] as { volumeMounts?: { mountPath: string }[] }).volumeMounts;
    expect(mounts?.map((m) => m.mountPath)).toEqual([TOKEN_MOUNT_PATH]);
  });

  it('keeps the window of Kubernetes’ retry (about 1-2 s), then refuses with 403 naming the account', async () => {
    const { store, gets } = storeWithAccount(Infinity);
    const sleeps: number[] = [];
    const err = await admitPodServiceAccount(store, 'ns', pod(), { sleep: async (ms) => void sleeps.push(ms), random: () => 0.999 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: { code: 403 }, message: expect.stringContaining('error looking up service account ns/default: serviceaccount "default" not found') });
    expect(gets).toHaveLength(DEFAULT_ACCOUNT_LOOKUPS);
    const window = sleeps.reduce((a, b) => a + b, 0);
    expect(window).toBeGreaterThanOrEqual(0.9 * 1000);
    expect(window).toBeLessThanOrEqual(2 * 1000);
    expect(Math.max(...sleeps)).toBeLessThan(2 * LOOKUP_INTERVAL_MS);
  });

  it('looks up a named account once: only `default` is made by the controller manager', async () => {
    const { store, gets } = storeWithAccount(Infinity);
    const sleeps: number[] = [];
    const err = await admitPodServiceAccount(store, 'ns', pod({ serviceAccountName: 'builder' }), { sleep: async (ms) => void sleeps.push(ms) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: { code: 403 } });
    expect(gets).toEqual(['ns/builder']);
    expect(sleeps).toEqual([]);
  });
});
