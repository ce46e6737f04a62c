import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { FakeClock } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { MemoryInformer, RecordingQueue, RecordingRecorder, syncInformer } from '../testing/doubles.js';
import { podOf, svcOf } from '../testing/service-fixtures.js';
import { EndpointSliceController } from './controller.js';
import { EXPECTATION_TTL_MS } from './tracker.js';

async function setup() {
  const client = new FakeClient();
  const clock = new FakeClock();
  const pods = new MemoryInformer<Pod>();
  const services = new MemoryInformer<Service>();
  const slices = new MemoryInformer<EndpointSlice>();
  const queue = new RecordingQueue();
  const c = new EndpointSliceController({ client, pods, services, slices, queue, clock, recorder: new RecordingRecorder(), logger: silentLogger() });
  const svc = await client.services.create(svcOf());
  for (const p of [podOf('p1'), podOf('p2')]) {
    // Create resets status (as the apiserver does): the agent's report comes after.
    const created = await client.pods.create(p);
    await client.pods.updateStatus({ ...created, status: p.status });
  }
  await syncInformer(client, 'services', services);
  await syncInformer(client, 'pods', pods);
  const stored = async () => (await client.resource<EndpointSlice>('endpointslices').list({ namespace: 'default' })).items;
  return { client, clock, pods, services, slices, queue, c, svc, stored };
}

describe('EndpointSliceController', () => {
  it('creates a slice; a second sync on a cache that lags its own create does not create another', async () => {
    const t = await setup();
    expect(await t.c.reconcile('default/web')).toEqual({});
    expect(await t.stored()).toHaveLength(1);
    // The slice informer has not seen the create yet: wait, do not plan again.
    expect((await t.c.reconcile('default/web')).requeueAfterMs).toBeGreaterThan(0);
    expect(await t.stored()).toHaveLength(1);
    await syncInformer(t.client, 'endpointslices', t.slices);
    expect(await t.c.reconcile('default/web')).toEqual({});
    const [slice] = await t.stored();
    expect(slice!.endpoints.map((e) => e.targetRef?.name)).toEqual(['p1', 'p2']);
    expect(slice!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Service', uid: t.svc.metadata.uid, controller: true })]);
  });

  it('an expectation whose event never comes is dropped after its TTL', async () => {
    const t = await setup();
    await t.c.reconcile('default/web');
    await t.client.resource<EndpointSlice>('endpointslices').delete((await t.stored())[0]!.metadata.name!, 'default');
    await t.clock.advance(EXPECTATION_TTL_MS + 1);
    expect(await t.c.reconcile('default/web')).toEqual({});
    expect(await t.stored()).toHaveLength(1);
  });

  it('pod changes enqueue the services that select the pod (before or after)', async () => {
    const t = await setup();
    t.queue.take();
    const moved = podOf('p1', { labels: { app: 'other' } });
    moved.metadata.resourceVersion = '999';
    t.pods.replaceAll([moved, ...t.pods.list().filter((p) => p.metadata.name !== 'p1')]);
    expect(t.queue.take()).toEqual(['default/web']);
    t.pods.replaceAll([...t.pods.list(), podOf('x9', { labels: { app: 'nobody' } })]);
    expect(t.queue.take()).toEqual([]);
  });

  it('a service without selector: its slices are left alone, ours removed', async () => {
    const t = await setup();
    await t.c.reconcile('default/web');
    const mine = await t.client.resource<EndpointSlice>('endpointslices').create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'hand', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.1'] }] });
    const svc = (await t.client.services.get('web', 'default'))!;
    await t.client.services.update({ ...svc, spec: { ...svc.spec, selector: undefined } });
    await syncInformer(t.client, 'services', t.services);
    await syncInformer(t.client, 'endpointslices', t.slices);
    await t.c.reconcile('default/web');
    expect((await t.stored()).map((s) => s.metadata.name)).toEqual([mine.metadata.name]);
  });

  it('a managed slice of a former Service of the same name is deleted', async () => {
    const t = await setup();
    const stale = await t.client.resource<EndpointSlice>('endpointslices').create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'web-old',
        namespace: 'default',
        labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.orch.io' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'gone-uid', controller: true }],
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.9.9'] }],
    });
    await syncInformer(t.client, 'endpointslices', t.slices);
    await t.c.reconcile('default/web');
    const names = (await t.stored()).map((s) => s.metadata.name);
    expect(names).not.toContain(stale.metadata.name);
    expect(names).toHaveLength(1);
  });
});
