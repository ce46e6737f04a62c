import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { podOf, svcOf } from '../testing/service-fixtures.js';
import { EndpointsController } from './controller.js';

/** An informer that reports "not synced" while it delivers its first list, as client/informer.ts does. */
class FirstListInformer<T extends Endpoints> extends MemoryInformer<T> {
  synced = false;
  override hasSynced(): boolean {
    return this.synced;
  }
}

async function setup() {
  const client = new FakeClient();
  const pods = new MemoryInformer<Pod>();
  const services = new MemoryInformer<Service>();
  const endpoints = new FirstListInformer<Endpoints>();
  const queue = new RecordingQueue();
  const c = new EndpointsController({ client, pods, services, endpoints, queue, clock: new FakeClock(), recorder: new RecordingRecorder(), logger: silentLogger() });
  const ep = (name: string): Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.1' }] }] });
  const names = async () => (await client.endpoints.list({ namespace: 'default' })).items.map((e) => e.metadata.name).sort();
  return { client, pods, services, endpoints, queue, c, ep, names };
}

describe('EndpointsController', () => {
  it('writes the Endpoints object of a Service and updates it only when it changes', async () => {
    const t = await setup();
    await t.client.services.create(svcOf());
    for (const p of [podOf('p1'), podOf('p2', { ready: false })]) {
      const created = await t.client.pods.create(p);
      await t.client.pods.updateStatus({ ...created, status: p.status });
    }
    await syncInformer(t.client, 'services', t.services);
    await syncInformer(t.client, 'pods', t.pods);
    await t.c.reconcile('default/web');
    const ep = await t.client.endpoints.get('web', 'default');
    expect(ep.subsets).toEqual([expect.objectContaining({ addresses: [expect.objectContaining({ ip: '10.244.0.1' })], notReadyAddresses: [expect.objectContaining({ ip: '10.244.0.2' })] })]);
    await syncInformer(t.client, 'endpoints', t.endpoints);
    await t.c.reconcile('default/web');
    expect((await t.client.endpoints.get('web', 'default')).metadata.resourceVersion).toBe(ep.metadata.resourceVersion);
  });

  it('leftovers of deleted Services go on the first list; later Endpoints without a Service are not touched', async () => {
    const t = await setup();
    await t.client.endpoints.create(t.ep('leftover'));
    await t.client.services.create(svcOf({ selector: undefined }, 'manual'));
    await t.client.endpoints.create(t.ep('manual'));
    await syncInformer(t.client, 'services', t.services);
    await syncInformer(t.client, 'endpoints', t.endpoints);
    t.endpoints.synced = true;
    for (const k of t.queue.take()) await t.c.reconcile(k);
    expect(await t.names()).toEqual(['manual']);
    // Written before its Service (kubectl apply of a list): never enqueued, never deleted.
    await t.client.endpoints.create(t.ep('early'));
    await syncInformer(t.client, 'endpoints', t.endpoints);
    expect(t.queue.take()).toEqual([]);
    expect(await t.names()).toEqual(['early', 'manual']);
  });
});
