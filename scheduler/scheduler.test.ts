// Fast tests of the scheduling loop against the in-memory FakeClient. The real proof is
// in test/e2e/scheduler-*.test.ts (real apiserver + etcd); these pin the loop's rules.

import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../api/errors.js';
import type { Binding, Pod } from '../api/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { Scheduler, type EventSink } from './scheduler.js';
import { makeNode, makePod } from './testing/builders.js';
import { eventually } from '../test/helpers/eventually.js';

class Events implements EventSink {
  readonly recorded: { pod: string; type: string; reason: string; message: string }[] = [];
  record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.recorded.push({ pod: obj.metadata.name!, type, reason, message });
  }
}

const running: { ac: AbortController; done: Promise<void> }[] = [];
function start(client: FakeClient, events = new Events(), extra: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) {
  const s = new Scheduler({ client, events, random: () => 0.5, ...extra });
  const ac = new AbortController();
  const done = s.run(ac.signal);
  running.push({ ac, done });
  return { s, events, ac, done };
}
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.ac.abort();
    await r.done;
  }
});

const nodeOf = async (c: FakeClient, name: string) => (await c.pods.get(name, 'default')).spec.nodeName;

describe('Scheduler loop (FakeClient)', () => {
  it('binds pending pods where they fit, skips pinned and foreign pods, and records Scheduled', async () => {
    const c = new FakeClient();
    c.seed([
      makeNode({ name: 'small', cpu: '1' }),
      makeNode({ name: 'big', cpu: '8' }),
      makePod({ name: 'needs-big', cpu: '4' }),
      makePod({ name: 'other-scheduler', schedulerName: 'my-scheduler' }),
    ]);
    const { events } = start(c);
    await eventually('needs-big bound', () => nodeOf(c, 'needs-big'), 10_000);
    expect(await nodeOf(c, 'needs-big')).toBe('big');
    await c.pods.create(makePod({ name: 'late', nodeSelector: { 'kubernetes.io/hostname': 'small' } }));
    await eventually('late bound', () => nodeOf(c, 'late'), 10_000);
    expect(await nodeOf(c, 'late')).toBe('small');
    expect(await nodeOf(c, 'other-scheduler')).toBeUndefined();
    expect(c.actions.filter((a) => a.verb === 'bind').map((a) => a.name).sort()).toEqual(['late', 'needs-big']);
    expect(events.recorded).toContainEqual({ pod: 'needs-big', type: 'Normal', reason: 'Scheduled', message: 'Successfully assigned default/needs-big to big' });
  });

  it('marks an unfittable pod Unschedulable with the counted message, then binds it when a node fits', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'a', cpu: '1' }), makeNode({ name: 'b', cpu: '1' }), makePod({ name: 'huge', cpu: '4' })]);
    const { events } = start(c, undefined, { queue: { initialBackoffMs: 50, maxBackoffMs: 100 } });
    const msg = '0/2 nodes are available: 2 Insufficient cpu.';
    const cond = await eventually('condition', async () => (await c.pods.get('huge', 'default')).status?.conditions?.find((x) => x.type === 'PodScheduled'), 10_000);
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: msg });
    expect(events.recorded).toContainEqual({ pod: 'huge', type: 'Warning', reason: 'FailedScheduling', message: msg });
    await c.nodes.create(makeNode({ name: 'c', cpu: '8' }));
    await eventually('huge bound', () => nodeOf(c, 'huge'), 10_000);
    expect(await nodeOf(c, 'huge')).toBe('c');
    // The condition is written once per distinct message, not per attempt.
    expect(c.actions.filter((a) => a.verb === 'patchStatus' && a.name === 'huge')).toHaveLength(1);
  });

  it('drops a pod quietly when the binding answers 409, and retries other failures', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'n' }), makePod({ name: 'p409' })]);
    c.failNext('bind', 'pods', errors.conflict({ plural: 'pods' }, 'p409', 'pod p409 is already assigned to node "x"'));
    const { s } = start(c, undefined, { queue: { initialBackoffMs: 50 } });
    await eventually('bind attempted', () => c.actions.some((a) => a.verb === 'bind'), 10_000);

    c.failNext('bind', 'pods', errors.internal('etcd hiccup'));
    await c.pods.create(makePod({ name: 'p500' }));
    await eventually('p500 bound after a retry', () => nodeOf(c, 'p500'), 10_000);
    expect(c.actions.filter((a) => a.verb === 'bind' && a.name === 'p500')).toHaveLength(2);
    // p500's retry waited out the same 50 ms backoff a retry of p409 would have, and p409
    // failed first: a requeued p409 would have been bound again by now. It was dropped.
    expect(c.actions.filter((a) => a.verb === 'bind' && a.name === 'p409')).toHaveLength(1);
    expect(s.snapshot.isAssumed('default/p409')).toBe(false);
    expect(await s.metrics.attemptCount('error')).toBe(1); // p500's 500 only: a 409 is no error
  });

  it('does not double-book a node while bindings are in flight', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'a', cpu: '2' }), makeNode({ name: 'b', cpu: '2' }), ...[1, 2, 3, 4, 5].map((i) => makePod({ name: `p${i}`, cpu: '1' }))]);
    // Slow bindings: every pod is scheduled before any binding shows up in the informer.
    const realPods = c.pods;
    const slowPods = { ...realPods, bind: async (b: Binding) => (await new Promise((r) => setTimeout(r, 200)), realPods.bind(b)) };
    const slow = Object.create(c, { pods: { value: slowPods } }) as FakeClient;
    const s = new Scheduler({ client: slow, events: new Events(), queue: { initialBackoffMs: 50, maxBackoffMs: 100 } });
    const ac = new AbortController();
    running.push({ ac, done: s.run(ac.signal) });
    await eventually('4 pods bound', async () => {
      const pods = (await c.pods.list({ namespace: 'default' })).items;
      return pods.filter((p) => p.spec.nodeName).length === 4 || undefined;
    }, 10_000);
    const pods = (await c.pods.list({ namespace: 'default' })).items;
    const perNode = (n: string) => pods.filter((p) => p.spec.nodeName === n).length;
    expect([perNode('a'), perNode('b')]).toEqual([2, 2]);
    await eventually("the fifth pod parked", () => s.queue.stats().unschedulable + s.queue.stats().backoff === 1 || undefined, 10_000);
  });

  it('stops binding when its signal aborts', async () => {
    const c = new FakeClient();
    c.seed([makeNode({ name: 'n' })]);
    const { ac, done } = start(c);
    await eventually('synced', () => c.actions.some((a) => a.verb === 'watch' && a.resource === 'pods'), 10_000);
    ac.abort();
    // run() resolves only after its loop, informers and in-flight bindings ended: nothing
    // can bind after this, so no sleep is needed to give it a chance to.
    await done;
    expect(c.actions.filter((a) => a.verb === 'watch' && a.resource === 'pods').length).toBeGreaterThan(0);
    await c.pods.create(makePod({ name: 'after' }));
    expect(c.actions.filter((a) => a.verb === 'bind')).toHaveLength(0);
  });
});
