// Objects with a time to live (Events) against a real etcd: written with an etcd lease,
// shared between writes close in time; etcd deletes them when it expires and watchers see
// DELETED; a lease etcd lost is replaced without failing the write.

import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { startEtcd, type TestEtcd } from '../../test/helpers/etcd.js';
import { createEtcdStorage, type EtcdStorage } from './etcd-storage.js';
import type { StorageEvent } from './types.js';
import { eventually } from '../../test/helpers/eventually.js';

let etcd: TestEtcd;
let raw: Etcd3;
let tenant = 0;

beforeAll(async () => {
  etcd = await startEtcd();
  raw = new Etcd3({ hosts: etcd.endpoint });
});

afterAll(async () => {
  raw?.close();
  await etcd?.stop();
});

async function storage(ttlSeconds: number): Promise<{ s: EtcdStorage; prefix: string }> {
  const prefix = `/ttl${++tenant}`;
  const s = await createEtcdStorage({ endpoints: [etcd.endpoint], prefix: `${prefix}/registry`, ttl: [{ prefix: '/registry/events/', ttlSeconds }] });
  return { s, prefix };
}

const event = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' }, reason: 'Test', message: name });

async function leaseOf(key: string): Promise<string | undefined> {
  const res = await raw.get(key).exec();
  return res.kvs[0]?.lease;
}

test('events written close together share one lease; etcd deletes them at expiry and watchers get DELETED', async () => {
  const { s, prefix } = await storage(3);
  try {
    const seen: StorageEvent[] = [];
    s.watch('/registry/events/', await s.currentRevision(), { onEvent: (ev) => void seen.push(ev), onError: () => undefined });
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => s.create(`/registry/events/default/${n}`, event(n))));
    await s.create('/registry/events/default/e', event('e'));
    await s.create('/registry/configmaps/default/keep', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'default' } });
    const leases = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((n) => leaseOf(`${prefix}/registry/events/default/${n}`)));
    expect(new Set(leases).size).toBe(1);
    expect(leases[0]).not.toBe('0');
    expect(s.leasesGranted()).toBe(1);
    expect(await leaseOf(`${prefix}/registry/configmaps/default/keep`)).toBe('0');

    // An update attaches a lease again (the time to live starts over, as in Kubernetes).
    await s.guaranteedUpdate('/registry/events/default/e', (cur) => ({ ...cur!, count: 2 }));
    expect(await leaseOf(`${prefix}/registry/events/default/e`)).not.toBe('0');

    await eventually('DELETED for the 5 events', () => seen.filter((ev) => ev.type === 'DELETED').length === 5, 20_000);
    const deleted = seen.filter((ev) => ev.type === 'DELETED').map((ev) => ev.object.metadata.name).sort();
    expect(deleted).toEqual(['a', 'b', 'c', 'd', 'e']);
    // The last state comes with DELETED (prevKv), like any deletion.
    expect(seen.find((ev) => ev.type === 'DELETED' && ev.object.metadata.name === 'a')!.object).toMatchObject({ kind: 'Event', message: 'a' });
    expect(await s.get('/registry/events/default/a')).toBeUndefined();
    expect(await s.get('/registry/configmaps/default/keep')).toBeDefined();
  } finally {
    await s.close();
  }
});

test('a lease etcd no longer has (revoked) is replaced: the write succeeds with a new one', async () => {
  const { s, prefix } = await storage(60);
  try {
    await s.create('/registry/events/default/first', event('first'));
    const lease = await leaseOf(`${prefix}/registry/events/default/first`);
    await raw.leaseClient.leaseRevoke({ ID: lease! });
    await s.create('/registry/events/default/second', event('second'));
    const second = await leaseOf(`${prefix}/registry/events/default/second`);
    expect(second).not.toBe(lease);
    expect(second).not.toBe('0');
    expect(s.leasesGranted()).toBe(2);
  } finally {
    await s.close();
  }
});
