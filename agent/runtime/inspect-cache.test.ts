import { describe, expect, it } from 'vitest';
import { InspectCache } from './inspect-cache.js';
import type { ContainerInfo } from './types.js';

const NODE = { 'orch.io/node': 'n1' };
const info = (id: string, over: Pick<Partial<ContainerInfo>, 'state' | 'ipAddresses'> = {}): ContainerInfo => ({
  id,
  name: id,
  labels: { ...NODE, pod: 'p' },
  state: over.state ?? 'running',
  image: 'i',
  imageId: 'sha256:0',
  ipAddresses: over.ipAddresses ?? ['10.0.0.2'],
  ipAddress: '10.0.0.2',
  startedAt: '2026-12-04T07:00:00Z',
});
const listed = (c: ContainerInfo) => ({ id: c.id, state: c.state, labels: c.labels, ipAddresses: c.ipAddresses });

describe('InspectCache', () => {
  it('keeps nothing while no event subscription covers the container', () => {
    const cache = new InspectCache();
    cache.put(info('a'), cache.begin());
    expect(cache.get(listed(info('a')))).toBeUndefined();
    cache.watching({ 'orch.io/node': 'other' });
    cache.put(info('a'), cache.begin());
    expect(cache.get(listed(info('a')))).toBeUndefined();
  });

  it('answers for an unchanged container while its subscription is connected, and not after', () => {
    const cache = new InspectCache();
    const unwatch = cache.watching(NODE);
    cache.put(info('a'), cache.begin());
    expect(cache.get(listed(info('a')))).toEqual(info('a'));
    unwatch();
    expect(cache.get(listed(info('a')))).toBeUndefined();
  });

  it('an event (or our own call) on the container drops its answer', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    cache.put(info('a'), cache.begin());
    cache.put(info('b'), cache.begin());
    cache.invalidate('a');
    expect(cache.get(listed(info('a')))).toBeUndefined();
    expect(cache.get(listed(info('b')))).toBeDefined();
  });

  it('a list that disagrees (state, addresses) is not answered from the cache', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    cache.put(info('a'), cache.begin());
    expect(cache.get(listed(info('a', { state: 'exited' })))).toBeUndefined();
    expect(cache.get(listed(info('a', { ipAddresses: ['10.0.0.9'] })))).toBeUndefined();
    expect(cache.get(listed(info('a', { ipAddresses: ['10.0.0.2'] })))).toBeDefined();
  });

  it('an answer fetched while anything changed is not stored (an event racing an inspect)', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    const since = cache.begin();
    cache.invalidate('a'); // the event arrives while the inspect is in flight
    cache.put(info('a'), since);
    expect(cache.get(listed(info('a')))).toBeUndefined();
  });

  it('a subscription that (re)connects starts from nothing: events before it were not seen', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    const since = cache.begin();
    cache.put(info('a'), since);
    cache.watching({ 'orch.io/node': 'n2' });
    expect(cache.size).toBe(0);
    cache.put(info('b'), since);
    expect(cache.size).toBe(0);
  });

  it('forget() drops everything', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    cache.put(info('a'), cache.begin());
    cache.forget();
    expect(cache.get(listed(info('a')))).toBeUndefined();
  });

  it('hands out copies', () => {
    const cache = new InspectCache();
    cache.watching(NODE);
    cache.put(info('a'), cache.begin());
    cache.get(listed(info('a')))!.state = 'exited';
    expect(cache.get(listed(info('a')))!.state).toBe('running');
  });
});
