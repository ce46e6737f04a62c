// EndpointDrain over a fake API (real informers, injected clock): the facts the pod plan
// and the status get, the requeues, the Events, and the protocol off.

import { afterEach, describe, expect, it } from 'vitest';
import type { EndpointSlice, Node, Pod } from '../../api/types.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { silentLogger } from '../../foundation/logger.js';
import { FakeClock, flushMicrotasks } from '../../foundation/testing/fake-clock.js';
import { eventually } from '../../test/helpers/eventually.js';
import { EndpointDrain } from './endpoint-drain.js';
import { node, pod, service, slice } from './testing.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

async function setup(o: { timeoutMs?: number; services?: ReturnType<typeof service>[]; slices?: EndpointSlice[]; nodes?: Node[] } = {}) {
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const client = new FakeClient();
  client.seed([...(o.slices ?? []), ...(o.nodes ?? [])]);
  const services = o.services ?? [service('web')];
  const events: string[] = [];
  const requeued: string[] = [];
  const drain = new EndpointDrain({
    nodeName: 'n1',
    client,
    clock,
    logger: silentLogger(),
    timeoutMs: o.timeoutMs ?? 5000,
    services: { list: () => services, hasSynced: () => true },
    events: { record: (_p, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    requeue: (k) => requeued.push(k),
  });
  const c = drain.component();
  await c.start({ signal: new AbortController().signal } as never);
  stops.push(() => c.stop!());
  /** The first evaluation starts the namespace's slice informer; then its caches fill. */
  const settle = async (fn: () => unknown) => {
    fn();
    await eventually('caches synced', async () => (await flushMicrotasks(), drain.cachesSynced('default')), 2000);
  };
  return { clock, client, drain, events, requeued, settle };
}

const at = (clock: FakeClock, agoMs = 0) => new Date(clock.now() - agoMs).toISOString();

describe('endpoint drain (agent)', () => {
  it('protocol off (timeout 0): nothing waits, the condition is off, nothing is watched', async () => {
    const { drain, client } = await setup({ timeoutMs: 0 });
    const p = pod('web-1', { deleting: true, ready: true });
    expect(drain.drainFact(p)).toBeUndefined();
    expect(drain.routedFact(pod('web-2', { ready: true }))).toEqual({ state: 'off' });
    expect(client.actions.filter((a) => a.verb === 'watch' || a.verb === 'list')).toEqual([]);
  });

  it('a pod in no slice and selected by no Service: done at once', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const { drain, settle } = await setup({ services: [], nodes: [node('n2', { revision: '1', at: new Date(t0).toISOString() })] });
    const p = pod('lonely', { deleting: true, ready: true, labels: { app: 'other' } });
    await settle(() => drain.drainFact(p));
    expect(drain.drainFact(p)).toBe('done');
  });

  it('waits for the controller, then for a proxy that is behind; a change of its report requeues the pod; the confirmation ends the wait', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const p = pod('web-1', { deleting: true, ready: true });
    const { drain, client, clock, requeued, settle, events } = await setup({
      slices: [slice('web-a', 'web', [{ pod: p }])],
      nodes: [node('n1', { revision: '1', at: new Date(t0).toISOString() }), node('n2', { revision: '1', at: new Date(t0).toISOString() })],
    });
    await settle(() => drain.drainFact(p));
    expect(drain.drainFact(p)).toBe('waiting');
    // The controller marks the endpoint terminating.
    const s = client.peek<EndpointSlice>('endpointslices', 'web-a', 'default')!;
    const written = await client.resource<EndpointSlice>('endpointslices').update({ ...s, endpoints: s.endpoints!.map((e) => ({ ...e, conditions: { ready: false, serving: true, terminating: true } })) });
    await eventually('requeued by the slice change', () => requeued.includes('default/web-1'), 2000);
    expect(drain.drainFact(p)).toBe('waiting');
    const r = written.metadata.resourceVersion!;
    // n1 confirms; n2 is behind.
    await client.nodes.patch('n1', undefined, { metadata: { annotations: { 'orch.io/proxy-synced-revision': r, 'orch.io/proxy-synced-at': at(clock) } } }, 'merge');
    requeued.length = 0;
    await eventually('requeued by the report', () => requeued.includes('default/web-1'), 2000);
    expect(drain.drainFact(p)).toBe('waiting');
    expect(drain.recheck(p)).toEqual({ requeueAfterMs: 5005 });
    await client.nodes.patch('n2', undefined, { metadata: { annotations: { 'orch.io/proxy-synced-revision': String(Number(r) + 3), 'orch.io/proxy-synced-at': at(clock) } } }, 'merge');
    await eventually('n2 confirmed', () => drain.drainFact(p) === 'done', 2000);
    expect(events).toEqual([]);
  });

  it('a dead proxy (synced-at 3 heartbeats old) and a NotReady node are not waited for', async () => {
    const p = pod('web-1', { deleting: true, ready: true });
    const clock0 = Date.parse('2026-01-01T00:00:00Z');
    const { drain, settle } = await setup({
      slices: [slice('web-a', 'web', [{ pod: p, ready: false, terminating: true }], '5')],
      nodes: [
        node('dead', { revision: '1', at: new Date(clock0 - 31_000).toISOString() }),
        node('down', { revision: '1', at: new Date(clock0).toISOString() }, 'Unknown'),
      ],
    });
    await settle(() => drain.drainFact(p));
    expect(drain.drainFact(p)).toBe('done');
  });

  it('past the bound: done, with a Warning Event naming the proxies that did not confirm', async () => {
    const p = pod('web-1', { deleting: true, ready: true });
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const { drain, clock, settle, events } = await setup({
      slices: [slice('web-a', 'web', [{ pod: p, ready: false, terminating: true }])],
      nodes: [node('n2', { revision: '1', at: new Date(t0).toISOString() }), node('n3', { revision: '1', at: new Date(t0).toISOString() })],
    });
    await settle(() => drain.drainFact(p));
    expect(drain.drainFact(p)).toBe('waiting');
    await clock.advance(5000);
    expect(drain.drainFact(p)).toBe('done');
    expect(drain.drainFact(p)).toBe('done');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^Warning ProxyDrainTimeout Stopping the pod after 5s although proxies on n2, n3 did not confirm revision \d+$/);
  });

  it('routed: waiting while the condition is False, then routed once the proxies reached the slice; the status update that wrote False requeues the pod', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const p = pod('web-1', { ready: true, routed: 'False' });
    const { drain, client, clock, settle, requeued } = await setup({
      slices: [slice('web-a', 'web', [{ pod: p }])],
      nodes: [node('n2', { revision: '1', at: new Date(t0).toISOString() })],
    });
    expect(drain.routedFact(pod('web-1', { ready: false }))).toEqual({ state: 'waiting', selected: true });
    drain.podUpdated(p);
    expect(requeued).toEqual(['default/web-1']);
    await settle(() => drain.routedFact(p));
    expect(drain.routedFact(p)).toEqual({ state: 'waiting', selected: true });
    const rv = client.peek<EndpointSlice>('endpointslices', 'web-a', 'default')!.metadata.resourceVersion!;
    await client.nodes.patch('n2', undefined, { metadata: { annotations: { 'orch.io/proxy-synced-revision': rv, 'orch.io/proxy-synced-at': at(clock) } } }, 'merge');
    await eventually('routed', () => drain.routedFact(p)?.state === 'routed', 2000);
  });

  it('routed: past the bound, timeout with the proxies named (one Event)', async () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const p = pod('web-1', { ready: true, routed: 'False' });
    const { drain, clock, settle, events } = await setup({
      slices: [slice('web-a', 'web', [{ pod: p }])],
      nodes: [node('n2', { revision: '1', at: new Date(t0).toISOString() })],
    });
    await settle(() => drain.routedFact(p));
    await clock.advance(5000);
    expect(drain.routedFact(p)).toMatchObject({ state: 'timeout', message: expect.stringMatching(/^after 5s: proxy on n2 did not confirm revision \d+$/) });
    drain.routedFact(p);
    expect(events.filter((e) => e.startsWith('Warning ProxyRoutingTimeout'))).toHaveLength(1);
  });

  it('prune: the slice informer of a namespace without pods here stops', async () => {
    const { drain } = await setup();
    drain.ensureNamespace('default');
    drain.ensureNamespace('other');
    drain.prune([pod('web-1')] as Pod[]);
    expect([...(drain as unknown as { slices: Map<string, unknown> }).slices.keys()]).toEqual(['default']);
  });
});
