import { describe, expect, it } from 'vitest';
import { errors } from '../api/errors.js';
import type { Event, Pod } from '../api/types.js';
import { EventRecorder } from './event-recorder.js';
import { FakeClient } from './testing/fake-client.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';

const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', resourceVersion: '42' },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
};

async function events(client: FakeClient): Promise<Event[]> {
  return (await client.events.list()).items;
}

describe('EventRecorder', () => {
  it('creates an Event referencing the object, in its namespace', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const rec = new EventRecorder(client, { component: 'scheduler', host: 'h1', clock });
    rec.record(pod, 'Normal', 'Scheduled', 'Successfully assigned shop/web-1 to node-1');
    await rec.flush();
    const [ev] = await events(client);
    expect(ev).toMatchObject({
      metadata: { namespace: 'shop' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'shop', uid: 'u-1', resourceVersion: '42' },
      reason: 'Scheduled',
      type: 'Normal',
      count: 1,
      source: { component: 'scheduler', host: 'h1' },
    });
    expect(ev!.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(ev!.firstTimestamp).toBe(new Date(clock.now()).toISOString());
  });

  it('dedupes identical events into one with a growing count and lastTimestamp', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const rec = new EventRecorder(client, { component: 'c', clock });
    for (let i = 0; i < 5; i++) {
      rec.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
      await clock.advance(1000);
    }
    rec.record(pod, 'Warning', 'BackOff', 'a different message');
    await rec.flush();
    const all = await events(client);
    expect(all).toHaveLength(2);
    const deduped = all.find((e) => e.message === 'Back-off restarting failed container')!;
    expect(deduped.count).toBe(5);
    expect(Date.parse(deduped.lastTimestamp!) - Date.parse(deduped.firstTimestamp!)).toBe(4000);
    expect(client.actionsFor('create', 'events')).toHaveLength(2);
    expect(client.actionsFor('patch', 'events')).toHaveLength(4);
  });

  it('a burst of identical events written concurrently still makes one Event', async () => {
    const client = new FakeClient();
    const rec = new EventRecorder(client, { component: 'c' });
    for (let i = 0; i < 10; i++) rec.record(pod, 'Normal', 'Pulled', 'image present');
    await rec.flush();
    const all = await events(client);
    expect(all).toHaveLength(1);
    expect(all[0]!.count).toBe(10);
  });

  it('rate-limits per object: burst, then one per refill period', async () => {
    const client = new FakeClient();
    const clock = new FakeClock();
    const rec = new EventRecorder(client, { component: 'c', clock, burst: 3, maxPerObjectPerMinute: 1 });
    for (let i = 0; i < 10; i++) rec.record(pod, 'Normal', 'R', `m${i}`);
    const other = { ...pod, metadata: { ...pod.metadata, name: 'web-2', uid: 'u-2' } };
    rec.record(other, 'Normal', 'R', 'x'); // another object has its own bucket
    await rec.flush();
    expect(await events(client)).toHaveLength(4);
    await clock.advance(60_000);
    rec.record(pod, 'Normal', 'R', 'later');
    rec.record(pod, 'Normal', 'R', 'dropped');
    await rec.flush();
    expect((await events(client)).map((e) => e.message)).toContain('later');
    expect((await events(client)).map((e) => e.message)).not.toContain('dropped');
  });

  it('never throws, even when the API fails; recreates an Event that disappeared', async () => {
    const client = new FakeClient();
    const rec = new EventRecorder(client, { component: 'c' });
    client.failNext('create', 'events', errors.unavailable('down'));
    expect(() => rec.record(pod, 'Normal', 'A', 'a')).not.toThrow();
    await rec.flush();
    expect(await events(client)).toHaveLength(0);
    rec.record(pod, 'Normal', 'B', 'b');
    await rec.flush();
    const [ev] = await events(client);
    await client.events.delete(ev!.metadata.name!, ev!.metadata.namespace);
    rec.record(pod, 'Normal', 'B', 'b');
    await rec.flush();
    const again = await events(client);
    expect(again).toHaveLength(1);
    expect(again[0]!.count).toBe(1);
  });

  it('puts events about cluster-scoped objects in the default namespace', async () => {
    const client = new FakeClient();
    const rec = new EventRecorder(client, { component: 'c' });
    rec.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', uid: 'n' } }, 'Warning', 'NodeNotReady', 'gone');
    await rec.flush();
    const [ev] = await events(client);
    expect(ev!.metadata.namespace).toBe('default');
    expect(ev!.involvedObject.namespace).toBeUndefined();
  });

  it('keeps Event names valid for very long object names', async () => {
    const client = new FakeClient();
    const rec = new EventRecorder(client, { component: 'c' });
    const long = { ...pod, metadata: { ...pod.metadata, name: 'a'.repeat(250) } };
    rec.record(long, 'Normal', 'R', 'm');
    await rec.flush();
    const [ev] = await events(client);
    expect(ev!.metadata.name!.length).toBeLessThanOrEqual(253);
    expect(ev!.metadata.name).toMatch(/^a+\.[0-9a-f]+$/);
  });
});
