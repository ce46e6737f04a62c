// The reported revision never runs ahead of what the rules reflect: it is the slice
// informer's position (not the highest revision of any Service or slice event, which a
// Service watch running ahead of the slice watch would push past an unseen slice change),
// held below a slice whose Service has not arrived yet.

import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Service } from '../api/types.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';
import { minRevision, ORPHAN_HOLD_MS, SyncedRevision } from './synced-revision.js';

const svc = (name: string, uid: string, rv: string): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', uid, resourceVersion: rv }, spec: { ports: [{ port: 80 }] } }) as Service;
const slice = (name: string, service: string, uid: string | undefined, rv: string): EndpointSlice =>
  ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name,
      namespace: 'default',
      resourceVersion: rv,
      labels: { 'kubernetes.io/service-name': service },
      ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: service, uid, controller: true }] } : {}),
    },
    addressType: 'IPv4',
    endpoints: [],
  }) as EndpointSlice;

function setup() {
  const clock = new FakeClock();
  const services = new Map<string, Service>();
  let position = '';
  const r = new SyncedRevision({ slicePosition: () => position, service: (k) => services.get(k), clock });
  return {
    r,
    clock,
    services,
    /** A slice event as the informer delivers it: handler first (position still the previous), then the position moves. */
    sliceEvent(s: EndpointSlice) {
      r.sliceSeen(s);
      position = s.metadata.resourceVersion!;
    },
    serviceEvent(s: Service) {
      services.set(`default/${s.metadata.name}`, s);
      r.serviceSeen(s);
    },
    set position(v: string) {
      position = v;
    },
  };
}

describe('synced revision', () => {
  it('a Service event ahead of the slice watch does not move the revision past an unseen slice change', () => {
    const t = setup();
    t.serviceEvent(svc('web', 'u-web', '90'));
    t.sliceEvent(slice('web-1', 'web', 'u-web', '150'));
    // The Service watch delivers revision 200 before the slice watch delivered the slice
    // change at 180 (a pod marked terminating): the rules do not reflect 180.
    t.serviceEvent(svc('web', 'u-web', '200'));
    expect(t.r.current()).toBe('150');
    t.sliceEvent(slice('web-1', 'web', 'u-web', '180'));
    expect(t.r.current()).toBe('180');
  });

  it('bookmarks move it without events (the informer position)', () => {
    const t = setup();
    t.serviceEvent(svc('web', 'u-web', '90'));
    t.sliceEvent(slice('web-1', 'web', 'u-web', '150'));
    t.position = '400';
    expect(t.r.current()).toBe('400');
  });

  it('a slice whose Service has not arrived holds it below the slice, until the Service comes', () => {
    const t = setup();
    t.serviceEvent(svc('old', 'u-old', '10'));
    t.sliceEvent(slice('old-1', 'old', 'u-old', '100'));
    // New Service "web" created at 101, its slice at 102: the slice watch is faster.
    t.sliceEvent(slice('web-1', 'web', 'u-web', '102'));
    t.sliceEvent(slice('old-1', 'old', 'u-old', '103'));
    expect(t.r.current()).toBe('100');
    // More changes of the orphan do not lift the hold.
    t.sliceEvent(slice('web-1', 'web', 'u-web', '104'));
    expect(t.r.current()).toBe('100');
    t.serviceEvent(svc('web', 'u-web', '101'));
    expect(t.r.current()).toBe('104');
  });

  it('a Service of the same name but another uid does not lift the hold', () => {
    const t = setup();
    t.serviceEvent(svc('web', 'u-before', '10'));
    t.sliceEvent(slice('web-1', 'web', 'u-after', '50'));
    expect(t.r.current()).toBe('0');
    t.serviceEvent(svc('web', 'u-after', '49'));
    expect(t.r.current()).toBe('50');
  });

  it('hand-written slices and slices of deleted Services hold nothing; an orphan holds at most ORPHAN_HOLD_MS', async () => {
    const t = setup();
    t.sliceEvent(slice('manual', 'legacy', undefined, '20'));
    expect(t.r.current()).toBe('20');
    t.r.serviceDeleted(svc('gone', 'u-gone', '30'));
    t.sliceEvent(slice('gone-1', 'gone', 'u-gone', '31'));
    expect(t.r.current()).toBe('31');
    t.sliceEvent(slice('stale-1', 'stale', 'u-never', '40'));
    expect(t.r.current()).toBe('31');
    await t.clock.advance(ORPHAN_HOLD_MS);
    expect(t.r.current()).toBe('40');
  });

  it('a deleted orphan slice holds nothing', () => {
    const t = setup();
    const s = slice('web-1', 'web', 'u-web', '60');
    t.sliceEvent(s);
    expect(t.r.current()).toBe('0');
    t.r.sliceDeleted(s);
    t.position = '61';
    expect(t.r.current()).toBe('61');
  });

  it('revisions compare as numbers', () => {
    expect(minRevision('9', '10')).toBe('9');
    expect(minRevision('100', '99')).toBe('99');
    expect(minRevision('', '7')).toBe('0');
  });
});
