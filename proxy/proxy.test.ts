// The proxy's wiring of the reported revision (fake API, real informers): a Service watch
// that runs ahead of the EndpointSlice watch must not move the revision past a slice
// change the proxy has not seen. (Before: the highest resourceVersion of any Service or
// slice event, so a Service update at revision N claimed every slice change below N.)

import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '../api/types.js';
import { compareRevisions } from '../api/proxy-sync.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { silentLogger } from '../foundation/logger.js';
import { processRegistry } from '../foundation/metrics.js';
import { eventually } from '../test/helpers/eventually.js';
import { ServiceProxy } from './proxy.js';
import { service, slice } from './testing/objects.js';

const stops: Array<() => void> = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

describe('service proxy: reported revision', () => {
  it('is the EndpointSlice watch position, not the highest revision of any event', async () => {
    const client = new FakeClient();
    const proxy = new ServiceProxy({
      nodeName: 'n1',
      client,
      logger: silentLogger(),
      registry: processRegistry({ defaultMetrics: false }),
      commands: { run: async () => '' },
      syncPeriodMs: 60_000,
      minSyncPeriodMs: 100,
      clusterDomain: 'cluster.local',
      dnsPort: 0,
    });
    const svcs = client.services;
    const slices = client.resource<EndpointSlice>('endpointslices');
    const svc = await svcs.create(service('web', '10.96.0.10'));
    // Only the Service watch runs: the slice watch lags behind.
    proxy.services.start();
    stops.push(() => proxy.services.stop(), () => proxy.slices!.stop());
    await eventually('services listed', () => proxy.services.hasSynced(), 2000);
    const marked = await slices.create({ ...slice('web', [{ ip: '10.244.1.5', ready: false }]), metadata: { ...slice('web', []).metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid!, controller: true }] } });
    const later = await svcs.update({ ...(await svcs.get('web', 'default')), metadata: { ...(await svcs.get('web', 'default')).metadata, labels: { touched: 'yes' } } } as Service);
    await eventually('the Service update seen', () => proxy.services.get('default/web')?.metadata.resourceVersion === later.metadata.resourceVersion, 2000);
    expect(compareRevisions(proxy.source.revision(), marked.metadata.resourceVersion)).toBeLessThan(0);
    // The slice watch catches up: now the revision covers the slice change.
    proxy.slices!.start();
    await eventually('slices listed', () => proxy.slices!.hasSynced(), 2000);
    expect(compareRevisions(proxy.source.revision(), marked.metadata.resourceVersion)).toBeGreaterThanOrEqual(0);
  });
});
