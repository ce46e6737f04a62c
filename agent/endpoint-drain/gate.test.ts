// The two gates, pure: what the slices must show, which revision the proxies must reach,
// and the bound.

import { describe, expect, it } from 'vitest';
import type { EndpointSlice } from '../../api/types.js';
import { drainGate, routedGate, type GateInput } from './gate.js';
import { pod, slice } from './testing.js';

const p = pod('web-1', { deleting: true, ready: true });
const other = pod('web-2', { ip: '10.244.2.9', ready: true });

function input(listing: EndpointSlice[], extra: Partial<GateInput> = {}): GateInput {
  return {
    pod: p,
    listing,
    services: new Map([['web', listing]]),
    proxies: [
      { node: 'n1', revision: '100' },
      { node: 'n2', revision: '100' },
    ],
    startedAt: 1000,
    now: 1000,
    timeoutMs: 5000,
    ...extra,
  };
}

describe('drain gate', () => {
  it('waits while the slice still lists the endpoint ready (the controller has not written it yet)', () => {
    const r = drainGate(input([slice('web-a', 'web', [{ pod: p }, { pod: other }], '90')]));
    expect(r).toEqual({ state: 'waiting', why: 'the EndpointSlice controller has not marked the endpoint terminating in web-a' });
  });

  it('then waits for every live proxy to reach the highest revision of the slices', () => {
    const listing = [slice('web-a', 'web', [{ pod: p, ready: false, terminating: true }], '120')];
    const services = new Map([['web', [...listing, slice('web-b', 'web', [{ pod: other }], '130')]]]);
    const r = drainGate(input(listing, { services, proxies: [{ node: 'n1', revision: '130' }, { node: 'n2', revision: '125' }] }));
    expect(r).toEqual({ state: 'waiting', revision: '130', why: 'proxies not yet at revision 130: n2' });
    expect(drainGate(input(listing, { services, proxies: [{ node: 'n1', revision: '131' }, { node: 'n2', revision: '1000' }] }))).toEqual({ state: 'done', revision: '130' });
  });

  it('a revision fixed earlier stays: later slice writes do not move the target', () => {
    const listing = [slice('web-a', 'web', [{ pod: p, ready: false, terminating: true }], '500')];
    expect(drainGate(input(listing, { revision: '120', proxies: [{ node: 'n1', revision: '120' }] }))).toEqual({ state: 'done', revision: '120' });
  });

  it('past the bound: done, naming the proxies that did not confirm (or why the slices were not there)', () => {
    const listing = [slice('web-a', 'web', [{ pod: p, ready: false, terminating: true }], '120')];
    expect(drainGate(input(listing, { now: 6000, proxies: [{ node: 'n1', revision: '90' }, { node: 'n2', revision: '200' }, { node: 'n3', revision: '1' }] }))).toEqual({
      state: 'done',
      revision: '120',
      timedOut: 'proxies on n1, n3 did not confirm revision 120',
    });
    expect(drainGate(input([slice('web-a', 'web', [{ pod: p }], '90')], { now: 6000 }))).toEqual({
      state: 'done',
      timedOut: 'the EndpointSlice controller has not marked the endpoint terminating in web-a',
    });
  });

  it('a pod in no slice and selected by no Service waits for nothing; nor does anything without a live proxy', () => {
    expect(drainGate(input([], { services: new Map() }))).toEqual({ state: 'done' });
    expect(drainGate(input([slice('web-a', 'web', [{ pod: p }], '90')], { proxies: [] }))).toEqual({ state: 'done' });
  });

  it('selected but already gone from the slices: the removal is a slice change the proxies must have seen', () => {
    const services = new Map([['web', [slice('web-a', 'web', [{ pod: other }], '140')]]]);
    expect(drainGate(input([], { services }))).toEqual({ state: 'waiting', revision: '140', why: 'proxies not yet at revision 140: n1, n2' });
  });

  it('publishNotReadyAddresses (ready stays true, terminating set): the controller has written, go on to the proxies', () => {
    const listing = [slice('web-a', 'web', [{ pod: p, ready: true, terminating: true }], '101')];
    expect(drainGate(input(listing, { proxies: [{ node: 'n1', revision: '101' }] }))).toEqual({ state: 'done', revision: '101' });
  });
});

describe('routed gate', () => {
  const fresh = pod('web-3', { ip: '10.244.1.30', ready: true, routed: 'False' });
  const routedInput = (services: Map<string, EndpointSlice[]>, extra: Partial<GateInput> = {}) => input([], { pod: fresh, services, ...extra });

  it('waits until every selecting Service lists the pod ready, then for the proxies', () => {
    const notYet = new Map([
      ['web', [slice('web-a', 'web', [{ pod: fresh }], '200')]],
      ['web-internal', [slice('wi-a', 'web-internal', [{ pod: fresh, ready: false }], '201')]],
    ]);
    expect(routedGate(routedInput(notYet))).toEqual({ state: 'waiting', why: 'not listed ready yet in the EndpointSlices of service web-internal' });
    const listed = new Map([
      ['web', [slice('web-a', 'web', [{ pod: fresh }], '200'), slice('web-b', 'web', [{ pod: other }], '260')]],
      ['web-internal', [slice('wi-a', 'web-internal', [{ pod: fresh }], '210')]],
    ]);
    // R is the highest revision of the slices that list it (web-b does not).
    expect(routedGate(routedInput(listed, { proxies: [{ node: 'n1', revision: '209' }] }))).toEqual({ state: 'waiting', revision: '210', why: 'proxies not yet at revision 210: n1' });
    expect(routedGate(routedInput(listed, { proxies: [{ node: 'n1', revision: '210' }] }))).toEqual({ state: 'done', revision: '210' });
  });

  it('bounded; no selecting Service or no live proxy: done at once', () => {
    const listed = new Map([['web', [slice('web-a', 'web', [{ pod: fresh }], '200')]]]);
    expect(routedGate(routedInput(listed, { now: 6000, proxies: [{ node: 'n2', revision: '10' }] }))).toEqual({ state: 'done', revision: '200', timedOut: 'proxy on n2 did not confirm revision 200' });
    expect(routedGate(routedInput(new Map()))).toEqual({ state: 'done' });
    expect(routedGate(routedInput(listed, { proxies: [] }))).toEqual({ state: 'done' });
  });
});
